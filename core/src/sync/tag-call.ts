/** The tag call that marks an uploaded or adopted asset as this sync's. */

import { RasterApiError } from '../errors';
import type { SyncApi } from './api';
import { pathTagFor } from './tags';
import type { SyncLogger } from './types';

/**
 * Tags one asset of `path` with `tags` (from `syncTagsFor`). Raster does not publish its tag
 * rules, so when it rejects the tags as invalid and they include the path tag, this sends them
 * once more without it. The path tag only names the file of a pruned asset, and losing the asset
 * for it would cost more. Rejects with the error of the last call.
 */
export async function tagSyncedAsset(
  api: SyncApi, libraryId: string, ownerTag: string, assetId: string, path: string, tags: readonly string[], logger: SyncLogger,
): Promise<void> {
  try {
    await api.tagAssets(libraryId, [assetId], [...tags]);
  } catch (error) {
    const pathTag = pathTagFor(ownerTag, path);
    const rejected = error instanceof RasterApiError && error.kind === 'bad-input';
    if (!rejected || pathTag === null || !tags.includes(pathTag)) throw error;

    logger.info(`Tagging asset ${assetId} (${path}) was rejected (${error.message}); tagging it again without the path tag.`);
    await api.tagAssets(libraryId, [assetId], tags.filter((tag) => tag !== pathTag));
  }
}
