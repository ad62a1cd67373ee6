import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { libraryPath, raw, uploadSamples } from './helpers';
import type { Services } from '../../emulator/src/context';
import { isListed, isProcessed } from '../../emulator/src/serialize';
import type { AssetRecord } from '../../emulator/src/store/records';

// Long enough that a loaded machine still reads the fresh state before the delay ends.
const DELAY_MS = 1000;

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ processingDelayMs: DELAY_MS, listingLagMs: DELAY_MS });
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  await emulator.admin.reset();
  emulator.admin.configure({ processingDelayMs: DELAY_MS, listingLagMs: DELAY_MS });
});

const PROCESSING_FIELDS = ['thumbUrl', 'thumbHighUrl', 'thumbUrlBlurred', 'blurhash', 'width', 'height'] as const;

describe('processing delay', () => {
  test('fields stay null until processed', async () => {
    emulator.admin.configure({ listingLagMs: 0 });
    const [asset] = await uploadSamples(emulator, ['docs/screenshots/plasma-fullscreen.jpg']);

    expect(asset.id).toMatch(/^[A-Za-z0-9]+$/);
    expect(typeof asset.url).toBe('string');
    for (const field of PROCESSING_FIELDS) {
      expect(asset[field], field).toBeNull();
    }
    const early = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    expect(early.json.data.width).toBeNull();
    const listed = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    expect(listed.json.data[0].thumbUrl).toBeNull();

    await sleep(DELAY_MS + 50);

    const late = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    expect(late.json.data.width).toBe(1920);
    expect(late.json.data.height).toBe(1080);
    expect(late.json.data.url).toBe(asset.url);
    for (const field of ['thumbUrl', 'thumbHighUrl', 'thumbUrlBlurred', 'blurhash'] as const) {
      expect(typeof late.json.data[field], field).toBe('string');
    }
    const thumb = await fetch(late.json.data.thumbHighUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
  });

  test('url works before processing', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    const file = await fetch(asset.url);

    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
  });

  test('zero delay processes at once', async () => {
    emulator.admin.configure({ processingDelayMs: 0 });

    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    expect(asset.width).toBe(128);
    expect(asset.blurhash).not.toBeNull();
  });
});

describe('listing lag', () => {
  test('fresh upload is hidden from lists and search', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    const list = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    const search = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/search/assets?q=logo`);
    expect(list.json.data).toEqual([]);
    expect(search.json.data.found).toBe(0);

    await sleep(DELAY_MS + 50);

    const listLater = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    const searchLater = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/search/assets?q=logo`);
    expect(listLater.json.data.map((item: { id: string }) => item.id)).toEqual([asset.id]);
    expect(searchLater.json.data.found).toBe(1);
  });

  test('get, tag and untag see a fresh upload', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    const get = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    const tag = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [asset.id], tags: ['new'] } });
    const untag = await raw(emulator, 'POST', libraryPath(emulator, '/assets/untag'), {
      body: { assetIds: [asset.id], tags: ['new'] },
    });

    expect(get.status).toBe(200);
    expect(tag.json.data).toEqual({ taggedCount: 1 });
    expect(untag.json.data).toEqual({ untaggedCount: 1 });
  });

  test('tag filter also waits for the lag', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [asset.id], tags: ['owner'] } });

    const early = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=owner'));
    await sleep(DELAY_MS + 50);
    const late = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=owner'));

    expect(early.json.data).toEqual([]);
    expect(late.json.data).toHaveLength(1);
  });

  test('tag counts wait for the lag', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [asset.id], tags: ['fresh'] } });

    const early = await raw(emulator, 'GET', libraryPath(emulator, '/tags'));
    const earlyLibrary = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries`);
    await sleep(DELAY_MS + 50);
    const late = await raw(emulator, 'GET', libraryPath(emulator, '/tags'));

    expect(early.json.data).toEqual([]);
    expect(earlyLibrary.json.data[0]).toMatchObject({ assetsCount: 1, tags: [] });
    expect(late.json.data).toEqual([{ id: 'fresh', count: 1, type: 'user' }]);
  });

  test('configure shortens the lag for existing uploads', async () => {
    emulator.admin.configure({ listingLagMs: 60_000 });
    await uploadSamples(emulator, ['brand/logo-128.png']);
    expect((await raw(emulator, 'GET', libraryPath(emulator, '/assets'))).json.data).toHaveLength(0);

    emulator.admin.configure({ listingLagMs: 0 });

    expect((await raw(emulator, 'GET', libraryPath(emulator, '/assets'))).json.data).toHaveLength(1);
  });
});

describe('trash', () => {
  test('trashed assets leave lists, search and get at once', async () => {
    emulator.admin.configure({ listingLagMs: 0 });
    const assets = await uploadSamples(emulator, ['brand/logo-128.png', 'brand/logo-256.png']);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
      body: { assetIds: assets.map((asset) => asset.id), tags: ['brand'] },
    });

    await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), { body: { ids: [assets[0].id] } });

    const list = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    const search = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/search/assets?q=logo`);
    const get = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${assets[0].id}`));
    const tags = await raw(emulator, 'GET', libraryPath(emulator, '/tags'));
    const libraries = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries`);

    expect(list.json.data.map((item: { id: string }) => item.id)).toEqual([assets[1].id]);
    expect(search.json.data.hits.map((hit: { id: string }) => hit.id)).toEqual([assets[1].id]);
    expect(get.status).toBe(404);
    expect(tags.json.data).toEqual([{ id: 'brand', count: 1, type: 'user' }]);
    expect(libraries.json.data[0]).toMatchObject({
      assetsCount: 1,
      photosCount: 1,
      trashCount: 1,
      tags: [{ id: 'brand', count: 1, type: 'user' }],
    });
  });

  test('deleting during the lag still trashes', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), { body: { ids: [asset.id] } });

    expect(response.json.data.ids).toEqual([asset.id]);
  });
});

describe('delays of a burst of uploads', () => {
  test('count from the time each upload was stored', () => {
    // In a burst, each `created` is 1 ms after the previous one and runs ahead of the clock.
    const services = { now: () => 10_000, config: { listingLagMs: 300, processingDelayMs: 300 } } as unknown as Services;
    const asset = { created: 11_500, storedAt: 9_600 } as AssetRecord;
    const older = { created: 9_600 } as AssetRecord;

    expect(isListed(asset, services)).toBe(true);
    expect(isProcessed(asset, services)).toBe(true);
    expect(isListed({ ...asset, storedAt: 9_800 }, services)).toBe(false);
    // State saved before storedAt existed counts from created.
    expect(isListed(older, services)).toBe(true);
  });
});
