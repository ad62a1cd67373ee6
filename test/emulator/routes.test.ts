import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { imageBytes, libraryPath, raw, upload, uploadSamples } from './helpers';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  await emulator.admin.reset();
});

describe('GET /me', () => {
  test('returns the key organization and libraries', async () => {
    const response = await raw(emulator, 'GET', '/me');

    expect(response.status).toBe(200);
    expect(response.headers.get('vary')).toBe('Api-Version');
    expect(response.json).toEqual({
      data: {
        organizationId: emulator.organizationId,
        organizationName: 'Demo Organization',
        plan: null,
        libraries: [emulator.libraryId],
      },
    });
  });

  test('works with a read key', async () => {
    const response = await raw(emulator, 'GET', '/me', { key: emulator.readKey });

    expect(response.status).toBe(200);
    expect(response.json.data.libraries).toEqual([emulator.libraryId]);
  });
});

describe('libraries', () => {
  const librariesPath = () => `/organizations/${emulator.organizationId}/libraries`;

  test('list returns reachable libraries with counts', async () => {
    await uploadSamples(emulator, ['brand/logo-128.png']);

    const response = await raw(emulator, 'GET', `${librariesPath()}?page=1&pageSize=20`);

    expect(response.status).toBe(200);
    expect(response.json.data).toEqual([
      { id: emulator.libraryId, name: 'Demo Library', assetsCount: 1, photosCount: 1, trashCount: 0, tags: [] },
    ]);
  });

  test('create returns 201 and grants Write to the caller', async () => {
    const created = await raw(emulator, 'POST', librariesPath(), { body: { name: 'Release Art' } });

    expect(created.status).toBe(201);
    expect(created.json.data).toEqual({
      id: 'release-art',
      name: 'Release Art',
      assetsCount: 0,
      photosCount: 0,
      trashCount: 0,
      tags: [],
    });

    const me = await raw(emulator, 'GET', '/me');
    expect(me.json.data.libraries).toEqual([emulator.libraryId, 'release-art']);

    const uploaded = await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]], {
      libraryId: 'release-art',
    });
    expect(uploaded.status).toBe(200);
  });

  test('create uses the given slug', async () => {
    const created = await raw(emulator, 'POST', librariesPath(), { body: { name: 'Screens', slug: 'screens-2026' } });

    expect(created.status).toBe(201);
    expect(created.json.data.id).toBe('screens-2026');
  });

  test('create with a used slug gives 409', async () => {
    const response = await raw(emulator, 'POST', librariesPath(), { body: { name: 'Again', slug: emulator.libraryId } });

    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('LIBRARY_URL_TAKEN');
  });

  test('list keeps creation order', async () => {
    for (const name of ['Zeta', 'Alpha', 'Mid']) {
      await raw(emulator, 'POST', librariesPath(), { body: { name } });
    }

    const response = await raw(emulator, 'GET', librariesPath());

    expect(response.json.data.map((library: { id: string }) => library.id)).toEqual([
      emulator.libraryId,
      'zeta',
      'alpha',
      'mid',
    ]);
  });

  test('rename keeps the slug', async () => {
    const response = await raw(emulator, 'PATCH', libraryPath(emulator), { body: { name: 'Renamed' } });

    expect(response.status).toBe(200);
    expect(response.json.data.id).toBe(emulator.libraryId);
    expect(response.json.data.name).toBe('Renamed');
  });
});

describe('assets', () => {
  test('upload returns assets in part order with ids and urls', async () => {
    const response = await upload(emulator, [
      ['screens/home.PNG', await imageBytes('brand/logo-128.png')],
      ['plasma-fullscreen.jpg', await imageBytes('docs/screenshots/plasma-fullscreen.jpg')],
      ['logo.svg', await imageBytes('docs/diagrams/logo.svg')],
    ]);

    expect(response.status).toBe(200);
    expect(response.json.data.responseText).toBe('Uploaded 3 assets');
    const assets = response.json.data.assets;
    expect(assets.map((asset: { name: string }) => asset.name)).toEqual(['home', 'plasma-fullscreen', 'logo']);
    expect(assets.map((asset: { contentType: string }) => asset.contentType)).toEqual([
      'image/png',
      'image/jpeg',
      'image/svg+xml',
    ]);
    expect(assets[0]).toMatchObject({
      libraryId: emulator.libraryId,
      description: null,
      type: 'main',
      size: 2529,
      width: 128,
      height: 128,
      tags: [],
      views: [],
    });
    expect(assets[0].url.startsWith(`${emulator.url}/`)).toBe(true);
    expect(typeof assets[0].created).toBe('number');
  });

  test('url serves the stored bytes with the detected type', async () => {
    const bytes = await imageBytes('docs/screenshots/plasma-fullscreen.jpg');
    const response = await upload(emulator, [['photo.png', bytes]]);
    const asset = response.json.data.assets[0];

    const file = await fetch(asset.url);

    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);

    const thumb = await fetch(asset.thumbUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
  });

  test('url serves byte ranges', async () => {
    const bytes = await imageBytes('brand/logo-128.png');
    const response = await upload(emulator, [['logo.png', bytes]]);
    const url = response.json.data.assets[0].url;

    const middle = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    const suffix = await fetch(url, { headers: { Range: 'bytes=-5' } });
    const open = await fetch(url, { headers: { Range: `bytes=${bytes.length - 3}-` } });
    const beyond = await fetch(url, { headers: { Range: `bytes=${bytes.length}-` } });

    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5));
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 3));
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  test('url of an unknown file is not found', async () => {
    const response = await fetch(`${emulator.url}/files/NoSuchAsset.png`);

    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('RESOURCE_NOT_FOUND');
  });

  test('url keeps serving a trashed asset', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);
    await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), { body: { ids: [asset.id] } });

    const file = await fetch(asset.url);

    expect(file.status).toBe(200);
  });

  test('list returns newest first', async () => {
    const first = await uploadSamples(emulator, ['brand/logo-128.png', 'brand/logo-256.png']);
    const second = await uploadSamples(emulator, ['brand/logo-text-128.png']);

    const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));

    expect(response.status).toBe(200);
    expect(response.json.data.map((asset: { id: string }) => asset.id)).toEqual([
      second[0].id,
      first[1].id,
      first[0].id,
    ]);
  });

  test('get returns one asset', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    const response = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`), { key: emulator.readKey });

    expect(response.status).toBe(200);
    expect(response.json.data).toEqual(asset);
  });

  test('delete moves assets to the trash', async () => {
    const assets = await uploadSamples(emulator, ['brand/logo-128.png', 'brand/logo-256.png']);

    const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), {
      body: { ids: [assets[0].id, 'missing-id'] },
    });

    expect(response.status).toBe(200);
    expect(response.json.data).toEqual({ success: true, message: 'Moved 1 assets to trash', ids: [assets[0].id] });

    const again = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), { body: { ids: [assets[0].id] } });
    expect(again.json.data).toEqual({ success: true, message: 'Moved 0 assets to trash', ids: [] });

    const gone = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${assets[0].id}`));
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('RESOURCE_NOT_FOUND');

    const list = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    expect(list.json.data.map((asset: { id: string }) => asset.id)).toEqual([assets[1].id]);

    const library = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries`);
    expect(library.json.data[0]).toMatchObject({ assetsCount: 1, trashCount: 1 });
  });

  test('tag and untag count added and removed pairs', async () => {
    const assets = await uploadSamples(emulator, ['brand/logo-128.png', 'brand/logo-256.png']);
    const ids = assets.map((asset) => asset.id);

    const tagged = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
      body: { assetIds: ids, tags: ['landscape', ' nature '] },
    });
    expect(tagged.status).toBe(200);
    expect(tagged.json.data).toEqual({ taggedCount: 4 });

    const again = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
      body: { assetIds: ids, tags: ['landscape', 'Landscape'] },
    });
    expect(again.json.data).toEqual({ taggedCount: 2 });

    const untagged = await raw(emulator, 'POST', libraryPath(emulator, '/assets/untag'), {
      body: { assetIds: [ids[0]], tags: ['nature', 'absent'] },
    });
    expect(untagged.status).toBe(200);
    expect(untagged.json.data).toEqual({ untaggedCount: 1 });

    const asset = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${ids[1]}`));
    expect(asset.json.data.tags).toEqual(['landscape', 'nature', 'Landscape']);
  });

  test('list filters by any of the tags', async () => {
    const assets = await uploadSamples(emulator, ['brand/logo-128.png', 'brand/logo-256.png', 'brand/logo-text-128.png']);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [assets[0].id], tags: ['landscape'] } });
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [assets[1].id], tags: ['nature'] } });

    const commaSeparated = await raw(emulator, 'GET', libraryPath(emulator, '/assets?page=1&pageSize=20&tags=landscape,nature'));
    const repeated = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=landscape&tags=nature'));

    const expected = [assets[1].id, assets[0].id];
    expect(commaSeparated.json.data.map((asset: { id: string }) => asset.id)).toEqual(expected);
    expect(repeated.json.data.map((asset: { id: string }) => asset.id)).toEqual(expected);
  });

  test('tags lists counts highest first', async () => {
    const assets = await uploadSamples(emulator, ['brand/logo-128.png', 'brand/logo-256.png']);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
      body: { assetIds: assets.map((asset) => asset.id), tags: ['logo'] },
    });
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [assets[0].id], tags: ['small'] } });

    const response = await raw(emulator, 'GET', libraryPath(emulator, '/tags?limit=100'), { key: emulator.readKey });

    expect(response.status).toBe(200);
    expect(response.json.data).toEqual([
      { id: 'logo', count: 2, type: 'user' },
      { id: 'small', count: 1, type: 'user' },
    ]);
  });

  test('description is stored verbatim and cleared by empty string', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);
    const path = libraryPath(emulator, `/assets/${asset.id}/description`);

    const set = await raw(emulator, 'PATCH', path, { body: { description: '  Logo, dark  ' } });
    expect(set.status).toBe(200);
    expect(set.json.data).toEqual({ assetId: asset.id, description: '  Logo, dark  ' });
    const read = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    expect(read.json.data.description).toBe('  Logo, dark  ');

    const cleared = await raw(emulator, 'PATCH', path, { body: { description: '' } });
    expect(cleared.json.data).toEqual({ assetId: asset.id, description: '' });
    const after = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    expect(after.json.data.description).toBeNull();
  });

  test('transfer moves ids, urls, tags and descriptions', async () => {
    await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries`, { body: { name: 'Archive' } });
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [asset.id], tags: ['keep'] } });
    await raw(emulator, 'PATCH', libraryPath(emulator, `/assets/${asset.id}/description`), { body: { description: 'old logo' } });

    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets/transfer'), {
      body: { targetLibraryId: 'archive', assetIds: [asset.id] },
    });

    expect(response.status).toBe(200);
    expect(response.json.data).toEqual({ transferredCount: 1, sourceLibraryId: emulator.libraryId, targetLibraryId: 'archive' });
    const moved = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries/archive/assets/${asset.id}`);
    expect(moved.json.data).toMatchObject({ id: asset.id, url: asset.url, tags: ['keep'], description: 'old logo', libraryId: 'archive' });
    const source = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    expect(source.status).toBe(404);
  });
});

describe('anonymous library', () => {
  test('creates an organization, library and key', async () => {
    const response = await raw(emulator, 'POST', '/libraries', { key: null, body: { email: 'ada@example.com', name: 'Trial' } });

    expect(response.status).toBe(201);
    const data = response.json.data;
    expect(data.libraryId).toBe('trial');
    expect(data.apiKey).toMatch(/^pk_[A-Za-z0-9]+$/);
    expect(data.emailSent).toBe(false);
    expect(typeof data.claimUrl).toBe('string');
    expect(Date.parse(data.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);

    const me = await raw(emulator, 'GET', '/me', { key: data.apiKey });
    expect(me.json.data.organizationId).toBe(data.organizationId);
    expect(me.json.data.libraries).toEqual(['trial']);
  });
});
