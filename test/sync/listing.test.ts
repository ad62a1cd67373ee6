import { describe, expect, it } from 'vitest';

import type { Asset } from '../../core/src/api/types';
import { LISTING_CONCURRENCY, listOwnedAssets } from '../../core/src/sync/listing';
import { FakeApi } from './support/fake-api';

const OWNER = 'raster-sync:0123456789abcdef';

/** Returns a library with `owned` assets that carry the owner tag and `others` that do not. */
function library(owned: number, others = 0): FakeApi {
  const api = new FakeApi();
  for (let index = 0; index < owned; index++) api.store(`owned-${index}`, 10, [OWNER]);
  for (let index = 0; index < others; index++) api.store(`other-${index}`, 10, ['holiday']);
  return api;
}

/** Records the pages requested and the maximum number in flight. Each page takes `delayMs`. */
function watchPages(api: FakeApi, delayMs = 5): { pages: number[]; maxInFlight: () => number } {
  const listAssets = api.listAssets.bind(api);
  const pages: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  api.listAssets = async (libraryId, options) => {
    pages.push(options.page);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    inFlight -= 1;
    return listAssets(libraryId, options);
  };
  return { pages, maxInFlight: () => maxInFlight };
}

function ids(assets: readonly Asset[]): string[] {
  return assets.map((asset) => asset.id).sort();
}

describe('listOwnedAssets', () => {
  it('requests counted pages concurrently', async () => {
    const api = library(1_800, 50);
    const watched = watchPages(api);

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(1_800));

    expect(owned).toHaveLength(1_800);
    expect(watched.pages.sort()).toEqual([1, 2, 3, 4]);
    expect(watched.maxInFlight()).toBe(3);
  });

  it('limits the pages in flight', async () => {
    const api = library(5_000);
    const watched = watchPages(api);

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(5_000));

    expect(owned).toHaveLength(5_000);
    expect(watched.pages.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(watched.maxInFlight()).toBe(LISTING_CONCURRENCY);
  });

  it('continues past a low count', async () => {
    const api = library(1_600);
    const watched = watchPages(api);

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(600));

    expect(ids(owned)).toEqual(ids(api.assets));
    expect(watched.pages).toEqual([1, 2, 3, 4]);
  });

  it('stops at a short page despite a high count', async () => {
    const api = library(700);
    const watched = watchPages(api);

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(2_400));

    expect(owned).toHaveLength(700);
    // The counted pages 2 to 5 were requested, and none after them.
    expect(watched.pages.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads sequentially without a count', async () => {
    const api = library(1_200);
    const watched = watchPages(api);

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(undefined));

    expect(owned).toHaveLength(1_200);
    expect(watched.pages).toEqual([1, 2, 3]);
    expect(watched.maxInFlight()).toBe(1);
  });

  it('skips the count after a short first page', async () => {
    const api = library(20);

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, new Promise(() => {}));

    expect(owned).toHaveLength(20);
  });

  it('rejects when a counted page fails', async () => {
    const api = library(1_800);
    const listAssets = api.listAssets.bind(api);
    api.listAssets = async (libraryId, options) => {
      if (options.page === 3) throw new Error('page 3 failed');
      return listAssets(libraryId, options);
    };

    await expect(listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(1_800))).rejects.toThrow('page 3 failed');
  });

  it('deduplicates an asset shifted by an upload', async () => {
    const api = library(1_000);
    const listAssets = api.listAssets.bind(api);
    api.listAssets = async (libraryId, options) => {
      // Newest first: a new owned asset pushes the oldest of page 1 onto page 2.
      if (options.page === 2) api.store('late', 10, [OWNER]);
      return listAssets(libraryId, options);
    };

    const owned = await listOwnedAssets(api, api.libraryId, OWNER, Promise.resolve(1_000));

    expect(new Set(ids(owned)).size).toBe(owned.length);
    expect(owned.length).toBeGreaterThanOrEqual(1_000);
  });
});
