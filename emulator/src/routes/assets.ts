import { ApiError, badUserInput, resourceNotFound } from '../api-error';
import { readJsonObject } from '../body';
import { requireLibrary, type RouteDefinition } from '../context';
import { MAX_DESCRIPTION_LENGTH, MAX_IDS_PER_CALL } from '../limits';
import { readPage, readTagFilter, slicePage } from '../query';
import { compareNewestFirst, isListed, toApiAsset } from '../serialize';

export const assetRoutes: RouteDefinition[] = [
  {
    name: 'list-assets',
    method: 'GET',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets'],
    access: 'library-read',
    async handle(context) {
      const library = requireLibrary(context);
      const page = readPage(context.query);
      const tags = readTagFilter(context.query);

      const { services } = context;
      const assets = services.store
        .assetsOf(library.organizationId, library.id)
        .filter((asset) => !asset.trashed && isListed(asset, services))
        .filter((asset) => tags.length === 0 || asset.tags.some((tag) => tags.includes(tag)))
        .sort(compareNewestFirst);
      return { status: 200, data: slicePage(assets, page).map((asset) => toApiAsset(asset, services)) };
    },
  },
  {
    name: 'get-asset',
    method: 'GET',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets', ':assetId'],
    access: 'library-read',
    async handle(context) {
      const library = requireLibrary(context);
      const assetId = context.params['assetId'] ?? '';
      const asset = context.services.store.findLiveAsset(library.organizationId, library.id, assetId);
      if (asset === undefined) {
        throw resourceNotFound(`Asset "${assetId}" not found in library "${library.id}".`);
      }
      return { status: 200, data: toApiAsset(asset, context.services) };
    },
  },
  {
    name: 'delete-assets',
    method: 'DELETE',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets'],
    access: 'library-write',
    async handle(context) {
      const library = requireLibrary(context);
      const { headers } = context.request;
      const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
      const body = hasBody ? await readJsonObject(context.request) : {};
      const ids = body['ids'];
      if (ids === undefined || ids === null || (Array.isArray(ids) && ids.length === 0)) {
        throw new ApiError(400, 'DELETE_ERROR', 'Send the ids of the assets to delete as {"ids": [...]}.');
      }
      if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
        throw badUserInput('"ids" must be an array of asset id strings.');
      }
      if (ids.length > MAX_IDS_PER_CALL) {
        throw new ApiError(
          400,
          'MAX_ASSETS_EXCEEDED',
          `Cannot delete ${ids.length} assets in one call; the maximum is ${MAX_IDS_PER_CALL}.`,
        );
      }

      const { services } = context;
      const moved: string[] = [];
      const now = services.now();
      for (const id of new Set(ids)) {
        const asset = services.store.findLiveAsset(library.organizationId, library.id, id);
        if (asset !== undefined) {
          asset.trashed = true;
          asset.updated = now;
          moved.push(id);
        }
      }
      if (moved.length > 0) {
        await services.persistence.save();
      }
      return {
        status: 200,
        // The documented message pattern, kept word for word even for one asset.
        data: { success: true, message: `Moved ${moved.length} assets to trash`, ids: moved },
      };
    },
  },
  {
    name: 'set-description',
    method: 'PATCH',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets', ':assetId', 'description'],
    access: 'library-write',
    async handle(context) {
      const library = requireLibrary(context);
      const body = await readJsonObject(context.request);
      const description = body['description'];
      if (typeof description !== 'string') {
        throw badUserInput('"description" must be a string; send "" to clear it.');
      }
      if (description.length > MAX_DESCRIPTION_LENGTH) {
        throw badUserInput(
          `The description has ${description.length} characters; the maximum is ${MAX_DESCRIPTION_LENGTH}.`,
        );
      }

      const assetId = context.params['assetId'] ?? '';
      const { services } = context;
      const asset = services.store.findLiveAsset(library.organizationId, library.id, assetId);
      if (asset === undefined) {
        throw resourceNotFound(`Asset "${assetId}" not found in library "${library.id}".`);
      }
      asset.description = description === '' ? null : description;
      asset.updated = services.now();
      await services.persistence.save();
      return { status: 200, data: { assetId, description } };
    },
  },
];
