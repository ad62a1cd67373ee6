/** Iteration over every page of a listing. */

import { MAX_PAGE_SIZE } from './limits';

/**
 * Yields the items of every page, fetched one page at a time at `pageSize`, and stops after
 * the first page shorter than `pageSize`. Pages are offsets, so an upload or delete during the
 * iteration shifts later pages: items are de-duplicated by `id`, and an item can still be
 * missed when others delete while the iteration runs.
 */
export async function* paginate<T extends { id: string }>(
  fetchPage: (page: number, pageSize: number) => Promise<T[]>,
  pageSize: number = MAX_PAGE_SIZE,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();

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

    // A full page of ids already seen means the service ignored `page`; stop instead of looping.
    if (items.length < pageSize || fresh === 0) {
      return;
    }
  }
}
