import { resourceNotFound } from '../api-error';
import { readJsonObject } from '../body';
import { requireLibrary, type RouteContext, type RouteDefinition } from '../context';
import { DEFAULT_TAG_LIMIT, MAX_TAG_LIMIT } from '../limits';
import { readIntegerParam } from '../query';
import { countTags, isListed } from '../serialize';
import type { AssetRecord } from '../store/records';
import { readTagRequest } from '../validation';

/**
 * Reads the tag or untag body and resolves every asset id, failing the whole call with 404
 * `RESOURCE_NOT_FOUND` before any write when one id is missing, elsewhere or trashed.
 */
async function readTagChange(context: RouteContext): Promise<{ assets: AssetRecord[]; tags: string[] }> {
  const library = requireLibrary(context);
  const body = await readJsonObject(context.request);
  const { assetIds, tags } = readTagRequest(body);

  const assets = assetIds.map((id) => {
    const asset = context.services.store.findLiveAsset(library.organizationId, library.id, id);
    if (asset === undefined) {
      throw resourceNotFound(`Asset "${id}" not found in library "${library.id}"; no tags were changed.`);
    }
    return asset;
  });
  return { assets, tags };
}

export const tagRoutes: RouteDefinition[] = [
  {
    name: 'list-tags',
    method: 'GET',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'tags'],
    access: 'library-read',
    async handle(context) {
      const library = requireLibrary(context);
      const limit = readIntegerParam(context.query, 'limit', DEFAULT_TAG_LIMIT, { min: 1, max: MAX_TAG_LIMIT });
      // Tag counts come from the same index as lists, so fresh uploads count once listed.
      const live = context.services.store
        .assetsOf(library.organizationId, library.id)
        .filter((asset) => !asset.trashed && isListed(asset, context.services));
      return { status: 200, data: countTags(live).slice(0, limit) };
    },
  },
  {
    name: 'tag-assets',
    method: 'POST',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets', 'tag'],
    access: 'library-write',
    async handle(context) {
      const { assets, tags } = await readTagChange(context);
      const now = context.services.now();
      let taggedCount = 0;
      for (const asset of assets) {
        const added = tags.filter((tag) => !asset.tags.includes(tag));
        if (added.length > 0) {
          asset.tags.push(...added);
          asset.updated = now;
          taggedCount += added.length;
        }
      }
      if (taggedCount > 0) {
        await context.services.persistence.save();
      }
      return { status: 200, data: { taggedCount } };
    },
  },
  {
    name: 'untag-assets',
    method: 'POST',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets', 'untag'],
    access: 'library-write',
    async handle(context) {
      const { assets, tags } = await readTagChange(context);
      const now = context.services.now();
      let untaggedCount = 0;
      for (const asset of assets) {
        const kept = asset.tags.filter((tag) => !tags.includes(tag));
        if (kept.length < asset.tags.length) {
          untaggedCount += asset.tags.length - kept.length;
          asset.tags = kept;
          asset.updated = now;
        }
      }
      if (untaggedCount > 0) {
        await context.services.persistence.save();
      }
      return { status: 200, data: { untaggedCount } };
    },
  },
];
