/** Listings the engine reads: the owned assets, and the newest assets during reconciliation. */

import { MAX_PAGE_SIZE } from '../api/limits';
import type { AssetSummary } from '../api/types';
import type { SyncApi } from './api';

/**
 * Lists every asset with `ownerTag`, all pages at the maximum page size, de-duplicated by id
 * (pages are offsets, so a concurrent upload can shift an asset onto the next page). Rejects
 * when any page fails: a partial listing would turn owned assets into uploads and miss prunes.
 * The pages are read one after the other, because page n + 1 read before page n misses the asset
 * that an upload during the listing shifts from page n onto page n + 1.
 */
export async function listOwnedAssets(api: SyncApi, libraryId: string, ownerTag: string, signal?: AbortSignal): Promise<AssetSummary[]> {
  const byId = new Map<string, AssetSummary>();
  await visitOwnedPages(api, libraryId, ownerTag, (assets) => {
    for (const asset of assets) byId.set(asset.id, asset);
    return true;
  }, signal);
  return [...byId.values()];
}

/**
 * Calls `visit` with each page of the assets that carry `ownerTag`, at the maximum page size,
 * until a page is short or `visit` returns false.
 */
export async function visitOwnedPages(
  api: SyncApi,
  libraryId: string,
  ownerTag: string,
  visit: (assets: AssetSummary[]) => boolean,
  signal?: AbortSignal,
): Promise<void> {
  for (let page = 1; ; page++) {
    const assets = await api.listAssetSummaries(libraryId, { page, pageSize: MAX_PAGE_SIZE, tags: [ownerTag], ...(signal === undefined ? {} : { signal }) });
    if (!visit(assets) || assets.length < MAX_PAGE_SIZE) return;
  }
}

/**
 * Lists the library's assets newest first until one was created before `since` (unix
 * milliseconds) or the pages run out. Assets with no `created` are kept.
 */
export async function listAssetsCreatedSince(api: SyncApi, libraryId: string, since: number, pageSize = 100): Promise<AssetSummary[]> {
  const byId = new Map<string, AssetSummary>();

  for (let page = 1; ; page++) {
    const assets = await api.listAssetSummaries(libraryId, { page, pageSize });
    let reachedOlder = false;
    for (const asset of assets) {
      if (asset.created !== null && asset.created < since) {
        reachedOlder = true;
        continue;
      }
      byId.set(asset.id, asset);
    }
    if (reachedOlder || assets.length < pageSize) break;
  }

  return [...byId.values()];
}
