/** Listings the engine reads: the owned assets, and the newest assets during reconciliation. */

import { MAX_PAGE_SIZE } from '../api/limits';
import type { Asset } from '../api/types';
import type { SyncApi } from './api';
import { mapWithConcurrency } from './concurrency';

/** Maximum number of pages of an owned listing requested at once, when the owner tag's count is known. */
export const LISTING_CONCURRENCY = 4;

/**
 * Lists every asset with `ownerTag`, all pages at the maximum page size, de-duplicated by id
 * (pages are offsets, so a concurrent upload can shift an asset onto the next page). Rejects
 * when any page fails: a partial listing would turn owned assets into uploads and miss prunes.
 *
 * `ownedCount` resolves, and never rejects, with the number of assets that carry the tag, or with
 * undefined when the library does not report it. When the first page is full, the pages that
 * count spans are requested `LISTING_CONCURRENCY` at a time instead of one after the other. The
 * count is only a hint: the listing still ends at the first page shorter than the page size, and
 * reads one page at a time after the counted pages when they are all full.
 */
export async function listOwnedAssets(
  api: SyncApi,
  libraryId: string,
  ownerTag: string,
  ownedCount?: Promise<number | undefined>,
): Promise<Asset[]> {
  const byId = new Map<string, Asset>();
  const listPage = async (page: number): Promise<boolean> => {
    const assets = await api.listAssets(libraryId, { page, pageSize: MAX_PAGE_SIZE, tags: [ownerTag] });
    for (const asset of assets) byId.set(asset.id, asset);
    return assets.length === MAX_PAGE_SIZE;
  };

  let page = 1;
  if (!(await listPage(page++))) return [...byId.values()];

  // A count of 1,000 spans pages 1 and 2 and needs page 3 to show that page 2 was the last.
  const count = await ownedCount;
  const lastCounted = count === undefined ? 0 : Math.floor(count / MAX_PAGE_SIZE) + 1;
  if (lastCounted >= page) {
    const pages = Array.from({ length: lastCounted - page + 1 }, (_, index) => page + index);
    const full = await mapWithConcurrency(pages, LISTING_CONCURRENCY, listPage);
    if (full.includes(false)) return [...byId.values()];
    page = lastCounted + 1;
  }

  while (await listPage(page++));
  return [...byId.values()];
}

/**
 * Calls `visit` with each page of the assets that carry `ownerTag`, at the maximum page size,
 * until a page is short or `visit` returns false.
 */
export async function visitOwnedPages(api: SyncApi, libraryId: string, ownerTag: string, visit: (assets: Asset[]) => boolean): Promise<void> {
  for (let page = 1; ; page++) {
    const assets = await api.listAssets(libraryId, { page, pageSize: MAX_PAGE_SIZE, tags: [ownerTag] });
    if (!visit(assets) || assets.length < MAX_PAGE_SIZE) return;
  }
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
