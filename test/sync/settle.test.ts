import { describe, expect, it } from 'vitest';

import type { Asset } from '../../core/src/api/types';
import { waitUntilListed } from '../../core/src/sync/settle';
import { ownerTagFor } from '../../core/src/sync/tags';
import type { SyncLogger } from '../../core/src/sync/types';
import { FakeApi } from './support/fake-api';

const OWNER = ownerTagFor('settle-test');

/**
 * Stores `count` assets of this sync, of which the last `late` are listed only from the second
 * listing on, as uploads that Raster lists after a lag.
 */
function libraryWithLag(count: number, late: number): { api: FakeApi; ids: string[] } {
  const api = new FakeApi();
  const assets: Asset[] = Array.from({ length: count }, (_, index) => api.store(`file-${index}`, 10, index < count - late ? [OWNER] : []));
  let listings = 0;
  api.listFault = () => {
    listings += 1;
    if (listings === 2) for (const asset of assets) if (asset.tags.length === 0) asset.tags.push(OWNER);
    return undefined;
  };
  return { api, ids: assets.map((asset) => asset.id) };
}

async function waitAfterStop(api: FakeApi, ids: string[]): Promise<string[]> {
  const lines: string[] = [];
  const logger: SyncLogger = { debug: () => {}, info: (message) => lines.push(message), warn: (message) => lines.push(`warning: ${message}`) };
  const controller = new AbortController();
  controller.abort();

  const result = await waitUntilListed({
    api,
    libraryId: api.libraryId,
    ownerTag: OWNER,
    ids,
    timeoutMs: 60_000,
    now: () => api.clock,
    sleep: async (ms) => {
      api.clock += ms;
    },
    signal: controller.signal,
    logger,
    onProgress: () => {},
    onListed: () => {},
  });
  expect(result.missing).toEqual([]);
  return lines;
}

describe('waitUntilListed after a stop', () => {
  it('counts every upload in both lines', async () => {
    const { api, ids } = libraryWithLag(60, 20);

    const lines = await waitAfterStop(api, ids);

    expect(lines).toEqual([
      'The run was stopped, and 20 of its 60 uploads are not listed yet. Waiting up to 5 s until all 60 are listed.',
      'All 60 uploads are listed.',
    ]);
  });

  it('names one late upload in the singular', async () => {
    const { api, ids } = libraryWithLag(3, 1);

    const lines = await waitAfterStop(api, ids);

    expect(lines[0]).toBe('The run was stopped, and 1 of its 3 uploads is not listed yet. Waiting up to 5 s until all 3 are listed.');
  });

  it('names a single upload', async () => {
    const { api, ids } = libraryWithLag(1, 1);

    const lines = await waitAfterStop(api, ids);

    expect(lines).toEqual([
      'The run was stopped, and its upload is not listed yet. Waiting up to 5 s until it is listed.',
      'The upload is listed.',
    ]);
  });
});
