import type { RouteDefinition } from '../context';

export const meRoutes: RouteDefinition[] = [
  {
    name: 'me',
    method: 'GET',
    segments: ['me'],
    access: 'key',
    async handle({ key, services }) {
      if (key === null) {
        throw new Error('GET /me ran without a key.');
      }
      const organization = services.store.organizations.get(key.organizationId);
      return {
        status: 200,
        data: {
          organizationId: key.organizationId,
          organizationName: organization?.name ?? null,
          plan: organization?.plan ?? null,
          libraries: Object.keys(key.libraries),
        },
      };
    },
  },
];
