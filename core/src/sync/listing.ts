/** Listings the engine reads: the owned assets, and the newest assets during reconciliation. */

import { MAX_PAGE_SIZE } from '../api/limits';
import type { Asset } from '../api/types';
import type { SyncApi } from './api';

export interface OwnedListingOptions {
  /**
   * The library's asset count, an upper bound of the owned assets. Pages up to the one it makes
   * the last are then read `concurrency` at a time instead of one after another. Pages are still
   * read while they come back full, because the count may lag behind the listing.
   */
  assetCount?: Promise<number> | undefined;
  /** Pages read at once while the count leaves more full pages to read. Default: 1. */
  concurrency?: number | undefined;
}

/**
 * Lists every asset with `ownerTag`, all pages at the maximum page size, de-duplicated by id
 * (pages are offsets, so a concurrent upload can shift an asset onto the next page). Rejects
 * when any page fails: a partial listing would turn owned assets into uploads and miss prunes.
 */
export async function listOwnedAssets(api: SyncApi, libraryId: string, ownerTag: string, options: OwnedListingOptions = {}): Promise<Asset[]> {
  // A count that fails leaves the reading one page at a time, and the caller sees the error. It
  // is caught at once, so that a failure during the first page is not reported as unhandled.
  const counted = options.assetCount?.catch(() => 0) ?? Promise.resolve(0);
  const byId = new Map<string, Asset>();
  const readPage = (page: number) => api.listAssets(libraryId, { page, pageSize: MAX_PAGE_SIZE, tags: [ownerTag] });
  /** Adds one page in order and returns whether it was the last. */
  const add = (assets: Asset[]): boolean => {
    for (const asset of assets) byId.set(asset.id, asset);
    return assets.length < MAX_PAGE_SIZE;
  };

  if (add(await readPage(1))) return [...byId.values()];
  let page = 2;

  const lastCountedPage = Math.floor((await counted) / MAX_PAGE_SIZE) + 1;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  while (page <= lastCountedPage) {
    const window = Math.min(concurrency, lastCountedPage - page + 1);
    const pages = await Promise.all(Array.from({ length: window }, (_, offset) => readPage(page + offset)));
    page += window;
    // Pages after a short one are empty, or hold assets that a concurrent change moved there.
    let done = false;
    for (const assets of pages) done = add(assets) || done;
    if (done) return [...byId.values()];
  }

  while (!add(await readPage(page))) page++;
  return [...byId.values()];
}

/**
 * Lists the library's assets newest first until one was created before `since` (unix
 * milliseconds) or the pages run out. Assets with no `created` are kept.
 */
export async function listAssetsCreatedSince(api: SyncApi, libraryId: string, since: number, pageSize = 100): Promise<Asset[]> {
  const byId = new Map<string, Asset>();

  for (let page = 1; ; page++) {
    const assets = await api.listAssets(libraryId, { page, pageSize });
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
