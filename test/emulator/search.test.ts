import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { imageBytes, libraryPath, raw, upload } from './helpers';

let emulator: RunningEmulator;
let ids: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

const searchPath = (query: string) => `/organizations/${emulator.organizationId}/search/assets?${query}`;

beforeEach(async () => {
  await emulator.admin.reset();
  const logo = await imageBytes('brand/logo-128.png');
  const response = await upload(emulator, [
    ['Sunset Beach.png', logo],
    ['mountain.png', logo],
    ['city-night.png', logo],
    ['beach-volley.png', logo],
  ]);
  const assets = response.json.data.assets as Array<{ id: string; name: string }>;
  ids = Object.fromEntries(assets.map((asset) => [asset.name, asset.id]));

  await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
    body: { assetIds: [ids['mountain'], ids['city-night']], tags: ['landscape'] },
  });
  await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [ids['mountain']], tags: ['beach-adjacent'] } });
  await raw(emulator, 'PATCH', libraryPath(emulator, `/assets/${ids['city-night']}/description`), {
    body: { description: 'Lights by the beach at night' },
  });
});

describe('search', () => {
  test('matches name, tags and description with scores', async () => {
    const response = await raw(emulator, 'GET', searchPath('q=beach'));

    expect(response.status).toBe(200);
    const { hits, found, page } = response.json.data;
    expect(found).toBe(4);
    expect(page).toBe(1);
    expect(hits.map((hit: { name: string }) => hit.name)).toEqual(['beach-volley', 'Sunset Beach', 'city-night', 'mountain']);
    for (const hit of hits) {
      expect(typeof hit.score).toBe('number');
      expect(hit.url.startsWith(emulator.url)).toBe(true);
    }
    expect(hits[0].score).toBeGreaterThan(hits[3].score);
  });

  test('highlights wrap matches in mark', async () => {
    const response = await raw(emulator, 'GET', searchPath('q=beach'));
    const byName = Object.fromEntries(response.json.data.hits.map((hit: { name: string }) => [hit.name, hit]));

    expect(byName['Sunset Beach'].highlights).toEqual({ name: 'Sunset <mark>Beach</mark>', tags: [] });
    expect(byName['mountain'].highlights).toEqual({ name: null, tags: ['<mark>beach</mark>-adjacent'] });
    expect(byName['city-night'].highlights).toEqual({ name: null, tags: [] });
  });

  test('every term must match', async () => {
    const response = await raw(emulator, 'GET', searchPath('q=night%20beach'));

    expect(response.json.data.hits.map((hit: { id: string }) => hit.id)).toEqual([ids['city-night']]);
  });

  test('matching is case-insensitive', async () => {
    const response = await raw(emulator, 'GET', searchPath('q=LANDSCAPE'));

    expect(response.json.data.found).toBe(2);
  });

  test('empty q returns recent assets unranked', async () => {
    const response = await raw(emulator, 'GET', searchPath('q='));

    const { hits, found } = response.json.data;
    expect(found).toBe(4);
    expect(hits.map((hit: { name: string }) => hit.name)).toEqual(['beach-volley', 'city-night', 'mountain', 'Sunset Beach']);
    expect(hits.every((hit: { score: number }) => hit.score === 0)).toBe(true);
  });

  test('missing q gives BAD_USER_INPUT', async () => {
    const response = await raw(emulator, 'GET', searchPath('page=1'));

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('pages report found and page', async () => {
    const page2 = await raw(emulator, 'GET', searchPath('q=&page=2&pageSize=3'));
    const page0 = await raw(emulator, 'GET', searchPath('q=&page=0&pageSize=3'));

    expect(page2.json.data.hits).toHaveLength(1);
    expect(page2.json.data.found).toBe(4);
    expect(page2.json.data.page).toBe(2);
    expect(page0.json.data.page).toBe(1);
  });

  test('libraries limits the search', async () => {
    await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries`, { body: { name: 'Second' } });
    await upload(emulator, [['beach-two.png', await imageBytes('brand/logo-128.png')]], { libraryId: 'second' });

    const all = await raw(emulator, 'GET', searchPath('q=beach'));
    const onlySecond = await raw(emulator, 'GET', searchPath('q=beach&libraries=second'));
    const both = await raw(emulator, 'GET', searchPath(`q=beach&libraries=second&libraries=${emulator.libraryId}`));
    const commaSeparated = await raw(emulator, 'GET', searchPath(`q=beach&libraries=second,${emulator.libraryId}`));

    expect(all.json.data.found).toBe(5);
    expect(onlySecond.json.data.hits.map((hit: { name: string; libraryId: string }) => [hit.name, hit.libraryId])).toEqual([
      ['beach-two', 'second'],
    ]);
    expect(both.json.data.found).toBe(5);
    expect(commaSeparated.json.data.found).toBe(5);
  });

  test('unreachable library fails the whole call', async () => {
    await emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: 'hidden', name: 'Hidden' });

    for (const libraries of ['hidden', `${emulator.libraryId},hidden`, 'no-such-library']) {
      const response = await raw(emulator, 'GET', searchPath(`q=beach&libraries=${libraries}`));
      expect(response.status, libraries).toBe(404);
      expect(response.json.error.code, libraries).toBe('API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
  });

  test('read key can search', async () => {
    const response = await raw(emulator, 'GET', searchPath('q=beach'), { key: emulator.readKey });

    expect(response.status).toBe(200);
    expect(response.json.data.found).toBe(4);
  });

  test('special characters are matched literally', async () => {
    await upload(emulator, [['a+b (1).png', await imageBytes('odd/a+b (1).png')]]);

    const response = await raw(emulator, 'GET', searchPath(`q=${encodeURIComponent('+b (1)')}`));

    expect(response.json.data.hits.map((hit: { name: string }) => hit.name)).toEqual(['a+b (1)']);
    expect(response.json.data.hits[0].highlights.name).toBe('a<mark>+b</mark> <mark>(1)</mark>');
  });
});
