/** Iteration over every page of a listing. */

import { MAX_PAGE_SIZE } from './limits';

/**
 * Full pages in a row without a new id after which the iteration stops. One such page happens
 * when exactly `pageSize` uploads land between two requests. Several in a row mean that the
 * service ignores `page`, and the iteration would otherwise loop forever.
 */
const MAX_PAGES_WITHOUT_NEW_IDS = 3;

/**
 * Yields the items of every page, fetched one page at a time at `pageSize`, and stops after
 * the first page shorter than `pageSize`. Pages are offsets, so an upload or delete during the
 * iteration shifts later pages: items are de-duplicated by `id`, and an item can still be
 * missed when others delete while the iteration runs.
 * NOTE: the maximum page size of 500 is a Decision. A service that silently returned fewer
 * items per page would end the iteration after its first page.
 */
export async function* paginate<T extends { id: string }>(
  fetchPage: (page: number, pageSize: number) => Promise<T[]>,
  pageSize: number = MAX_PAGE_SIZE,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let pagesWithoutNewIds = 0;

  for (let page = 1; ; page += 1) {
    const items = await fetchPage(page, pageSize);
    let fresh = 0;

    for (const item of items) {
      if (!seen.has(item.id)) {
        seen.add(item.id);
        fresh += 1;
        yield item;
      }
    }

    pagesWithoutNewIds = fresh === 0 ? pagesWithoutNewIds + 1 : 0;
    if (items.length < pageSize || pagesWithoutNewIds >= MAX_PAGES_WITHOUT_NEW_IDS) {
      return;
    }
  }
}
