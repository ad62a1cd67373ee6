import { describe, expect, it } from 'vitest';

import { listOwnedAssets } from '../../core/src/sync/listing';
import { FakeApi } from './support/fake-api';

const OWNER = 'raster-sync:0123456789abcdef';

describe('listOwnedAssets', () => {
  it('misses no asset when an upload lands mid-listing', async () => {
    const api = new FakeApi();
    for (let index = 0; index < 1_600; index++) api.store(`owned-${index}`, 10, [OWNER]);
    const before = api.assets.map((asset) => asset.id);
    const listAssets = api.listAssets.bind(api);
    let uploaded = false;
    api.listAssets = async (libraryId, options) => {
      // Later pages answer sooner, as they could if several pages were requested at once.
      await new Promise((resolve) => setTimeout(resolve, (5 - options.page) * 3));
      const page = await listAssets(libraryId, options);
      if (options.page === 3 && !uploaded) {
        // Newest first: the new asset shifts the last asset of each page onto the next one.
        api.store('late', 10, [OWNER]);
        uploaded = true;
      }
      return page;
    };

    const listed = new Set((await listOwnedAssets(api, api.libraryId, OWNER)).map((asset) => asset.id));

    expect(uploaded).toBe(true);
    expect(before.filter((id) => !listed.has(id))).toEqual([]);
  });
});
