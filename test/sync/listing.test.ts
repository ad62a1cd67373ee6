import { describe, expect, it } from 'vitest';

import type { Asset } from '../../core/src/api/types';
import { listOwnedAssets } from '../../core/src/sync/listing';
import { FakeApi } from './support/fake-api';

const OWNER = 'raster-sync:0123456789abcdef';

/** Builds a fake library with `owned` assets of this sync and `others` without its tag. */
function library(owned: number, others = 0): FakeApi {
  const api = new FakeApi();
  for (let index = 0; index < owned; index++) api.store(`owned-${index}`, 10, [OWNER]);
  for (let index = 0; index < others; index++) api.store(`other-${index}`, 10);
  return api;
}

/** Wraps the fake's listing to record the page numbers and the most pages read at once. */
function watchPages(api: FakeApi): { pages: number[]; maxInFlight: () => number } {
  const pages: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const listAssets = api.listAssets.bind(api);
  api.listAssets = async (libraryId, options) => {
    pages.push(options.page);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return await listAssets(libraryId, options);
    } finally {
      inFlight -= 1;
    }
  };
  return { pages, maxInFlight: () => maxInFlight };
}

function names(assets: Asset[]): string[] {
  return assets.map((asset) => asset.name ?? '').sort();
}

describe('listOwnedAssets', () => {
  it('reads one page at a time without a count', async () => {
    const api = library(1_200);
    const watch = watchPages(api);

    const owned = await listOwnedAssets(api, 'lib', OWNER);

    expect(owned).toHaveLength(1_200);
    expect(watch.pages).toEqual([1, 2, 3]);
    expect(watch.maxInFlight()).toBe(1);
  });

  it('reads counted pages at once', async () => {
    const api = library(10_000);
    const watch = watchPages(api);

    const owned = await listOwnedAssets(api, 'lib', OWNER, { assetCount: Promise.resolve(10_000), concurrency: 4 });

    expect(names(owned)).toEqual(names(api.assets));
    // 20 full pages and the empty 21st, the same requests as one at a time.
    expect([...watch.pages].sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, index) => index + 1));
    expect(watch.maxInFlight()).toBe(4);
  });

  it('stops at a short page', async () => {
    // The count includes assets of other syncs, so the owned pages end before the counted ones.
    const api = library(1_100, 3_000);
    const watch = watchPages(api);

    const owned = await listOwnedAssets(api, 'lib', OWNER, { assetCount: Promise.resolve(4_100), concurrency: 4 });

    expect(owned).toHaveLength(1_100);
    expect(owned.every((asset) => asset.tags.includes(OWNER))).toBe(true);
    // Page 3 is short, and pages 4 and 5 were requested in the same round.
    expect([...watch.pages].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads on past a lagging count', async () => {
    const api = library(1_600);
    const watch = watchPages(api);

    const owned = await listOwnedAssets(api, 'lib', OWNER, { assetCount: Promise.resolve(600), concurrency: 4 });

    expect(names(owned)).toEqual(names(api.assets));
    expect(watch.pages).toEqual([1, 2, 3, 4]);
  });

  it('reads one page at a time when the count fails', async () => {
    const api = library(1_200);
    const watch = watchPages(api);
    const failedCount = Promise.reject(new Error('listing the libraries failed'));

    const owned = await listOwnedAssets(api, 'lib', OWNER, { assetCount: failedCount, concurrency: 4 });

    expect(owned).toHaveLength(1_200);
    expect(watch.pages).toEqual([1, 2, 3]);
    await expect(failedCount).rejects.toThrow('listing the libraries failed');
  });

  it('rejects when a page fails', async () => {
    const api = library(2_000);
    const listAssets = api.listAssets.bind(api);
    api.listAssets = async (libraryId, options) => {
      if (options.page === 3) throw new Error('page 3 failed');
      return listAssets(libraryId, options);
    };

    await expect(listOwnedAssets(api, 'lib', OWNER, { assetCount: Promise.resolve(2_000), concurrency: 4 })).rejects.toThrow('page 3 failed');
  });
});
