import { ApiError, badUserInput } from '../api-error';
import { readJsonObject } from '../body';
import { requireKey, requireLibrary, type RouteDefinition } from '../context';
import {
  ANONYMOUS_LIBRARY_LIFETIME_MS,
  MAX_UNCLAIMED_LIBRARIES_PER_EMAIL,
} from '../limits';
import { readPage, slicePage } from '../query';
import { generateApiKey, randomAlphanumeric } from '../random';
import { toApiLibrary } from '../serialize';
import type { LibraryRecord } from '../store/records';
import { readLibraryName, readLibrarySlug, slugify } from '../validation';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const libraryRoutes: RouteDefinition[] = [
  {
    name: 'create-anonymous-library',
    method: 'POST',
    segments: ['libraries'],
    access: 'anonymous',
    async handle({ request, services }) {
      const body = await readJsonObject(request);
      const email = body['email'];
      if (typeof email !== 'string' || email.length > 254 || !EMAIL_PATTERN.test(email)) {
        throw badUserInput('"email" must be a valid email address.');
      }
      const name = body['name'] === undefined ? 'My Library' : readLibraryName(body['name']);

      const { store } = services;
      const now = services.now();
      const normalizedEmail = email.toLowerCase();
      const unclaimed = store.anonymousLibraries.filter(
        (entry) => entry.email === normalizedEmail && !entry.claimed && entry.expiresAt > now,
      );
      if (unclaimed.length >= MAX_UNCLAIMED_LIBRARIES_PER_EMAIL) {
        throw badUserInput(
          `${email} already has ${MAX_UNCLAIMED_LIBRARIES_PER_EMAIL} unclaimed libraries; claim one before creating another.`,
        );
      }

      let organizationId = `anonymous-${randomAlphanumeric(10).toLowerCase()}`;
      while (store.organizations.has(organizationId)) {
        organizationId = `anonymous-${randomAlphanumeric(10).toLowerCase()}`;
      }
      const libraryId = slugify(name);
      const apiKey = generateApiKey();
      const expiresAt = now + ANONYMOUS_LIBRARY_LIFETIME_MS;

      store.organizations.set(organizationId, { id: organizationId, name: null, plan: null });
      store.addLibrary({ organizationId, id: libraryId, name });
      store.keys.set(apiKey, { key: apiKey, organizationId, libraries: { [libraryId]: 'write' } });
      store.anonymousLibraries.push({ email: normalizedEmail, organizationId, libraryId, claimed: false, expiresAt });
      await services.persistence.save();

      return {
        status: 201,
        data: {
          organizationId,
          libraryId,
          apiKey,
          claimUrl: `${services.baseUrl()}/claim/${organizationId}/${randomAlphanumeric(24)}`,
          expiresAt: new Date(expiresAt).toISOString(),
          emailSent: false,
        },
      };
    },
  },
  {
    name: 'list-libraries',
    method: 'GET',
    segments: ['organizations', ':organizationId', 'libraries'],
    access: 'organization',
    async handle(context) {
      const key = requireKey(context);
      const page = readPage(context.query);
      const libraries = context.services.store
        .librariesOf(key.organizationId)
        .filter((library) => Object.hasOwn(key.libraries, library.id));
      return {
        status: 200,
        data: slicePage(libraries, page).map((library) => toApiLibrary(library, context.services)),
      };
    },
  },
  {
    name: 'create-library',
    method: 'POST',
    segments: ['organizations', ':organizationId', 'libraries'],
    access: 'organization-write',
    async handle(context) {
      const key = requireKey(context);
      const body = await readJsonObject(context.request);
      const name = readLibraryName(body['name']);
      const slug = body['slug'] === undefined ? slugify(name) : readLibrarySlug(body['slug']);

      const { store } = context.services;
      if (store.getLibrary(key.organizationId, slug) !== undefined) {
        throw new ApiError(409, 'LIBRARY_URL_TAKEN', `The library slug "${slug}" is already used in this organization.`);
      }
      const library: LibraryRecord = { organizationId: key.organizationId, id: slug, name };
      store.addLibrary(library);
      key.libraries[slug] = 'write';
      await context.services.persistence.save();

      return { status: 201, data: toApiLibrary(library, context.services) };
    },
  },
  {
    name: 'rename-library',
    method: 'PATCH',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId'],
    access: 'library-write',
    async handle(context) {
      const library = requireLibrary(context);
      const body = await readJsonObject(context.request);
      library.name = readLibraryName(body['name']);
      await context.services.persistence.save();
      return { status: 200, data: toApiLibrary(library, context.services) };
    },
  },
];

