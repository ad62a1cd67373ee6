import { badUserInput, resourceNotFound } from '../api-error';
import { requireLibraryAccess } from '../access';
import { readJsonObject } from '../body';
import { requireKey, requireLibrary, type RouteDefinition } from '../context';
import { MAX_IDS_PER_CALL } from '../limits';
import { readStringArray } from '../validation';

export const transferRoutes: RouteDefinition[] = [
  {
    name: 'transfer-assets',
    method: 'POST',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets', 'transfer'],
    access: 'library-write',
    async handle(context) {
      const key = requireKey(context);
      const source = requireLibrary(context);
      const body = await readJsonObject(context.request);
      const targetLibraryId = body['targetLibraryId'];
      if (typeof targetLibraryId !== 'string' || targetLibraryId.length === 0) {
        throw badUserInput('"targetLibraryId" must be a library id.');
      }
      const assetIds = [...new Set(readStringArray(body, 'assetIds', MAX_IDS_PER_CALL))];
      if (targetLibraryId === source.id) {
        throw badUserInput('The target library is the source library; choose another library.');
      }

      const { services } = context;
      const target = requireLibraryAccess(services.store, key, targetLibraryId, 'write');
      const assets = assetIds.map((id) => {
        const asset = services.store.findLiveAsset(source.organizationId, source.id, id);
        if (asset === undefined) {
          throw resourceNotFound(`Asset "${id}" not found in library "${source.id}"; nothing was transferred.`);
        }
        return asset;
      });

      const now = services.now();
      for (const asset of assets) {
        asset.libraryId = target.id;
        asset.updated = now;
      }
      await services.persistence.save();
      return {
        status: 200,
        data: { transferredCount: assets.length, sourceLibraryId: source.id, targetLibraryId: target.id },
      };
    },
  },
];
