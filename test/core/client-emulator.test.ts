import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  RasterApiError,
  RasterClient,
  RasterNetworkError,
  isLibraryNotReachable,
  isLibrarySlugTaken,
  isOrganizationNotFound,
  isReadOnlyKey,
  isResourceNotFound,
  isUnauthorized,
  type Asset,
  type FilePart,
  type RasterClientOptions,
} from '@raster-toolkit/core';
import { createUndiciTransport, type UndiciTransport } from '@raster-toolkit/core/node';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';

import { fakeClock } from './support/fake-transport';

/** Sample images committed with the tests, so the file runs on any clone. */
const IMAGES = fileURLToPath(new URL('../fixtures/images/', import.meta.url));
/** Files made per run: a copy with a non-ASCII name and a file that is not an image. */
let scratch: string;

let emulator: RunningEmulator;
let transport: UndiciTransport;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'raster-client-emulator-'));
  await copyFile(join(IMAGES, 'brand/logo-128.png'), join(scratch, 'café-menu.png'));
  await writeFile(join(scratch, 'fake.png'), 'this text only pretends to be a PNG');
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  transport = createUndiciTransport();
});

afterAll(async () => {
  await transport.close();
  await emulator.stop();
  await rm(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
  await emulator.admin.reset();
  emulator.admin.clearFaults();
});

function client(options: Partial<RasterClientOptions> = {}): RasterClient {
  return new RasterClient({ transport, apiKey: emulator.writeKey, baseUrl: emulator.url, ...options });
}

/** Describes a sample image, or a scratch file when `folder` is `scratch`. */
async function filePart(relativePath: string, contentType: string, folder = IMAGES): Promise<FilePart> {
  const path = join(folder, relativePath);
  return { filename: basename(path), contentType, size: (await stat(path)).size, source: { kind: 'path', path } };
}

function bytesPart(filename: string, bytes: Uint8Array, contentType = 'image/png'): FilePart {
  return { filename, contentType, size: bytes.byteLength, source: { kind: 'bytes', bytes } };
}

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) {
    items.push(item);
  }
  return items;
}

/** Uploads three sample images and returns their assets. */
async function uploadSamples(raster: RasterClient): Promise<Asset[]> {
  const files = [
    await filePart('brand/logo-128.png', 'image/png'),
    await filePart('café-menu.png', 'image/png', scratch),
    await filePart('photos/vnc-l.webp', 'image/webp'),
  ];
  const result = await raster.uploadAssets(emulator.libraryId, files);
  return result.assets;
}

describe('RasterClient against the emulator', () => {
  it('GET /me returns the organization of the key', async () => {
    const me = await client().me();

    expect(me.organizationId).toBe(emulator.organizationId);
    expect(me.libraries).toContain(emulator.libraryId);
  });

  it('resolves the organization from the key alone', async () => {
    const raster = client();

    const libraries = await raster.listLibraries();

    expect(libraries.map((library) => library.id)).toContain(emulator.libraryId);
    expect(emulator.admin.stats().byRoute).toMatchObject({ me: 1, 'list-libraries': 1 });
  });

  it('lists library summaries with the asset count', async () => {
    const raster = client();
    await uploadSamples(raster);

    const full = (await raster.listLibraries()).find((library) => library.id === emulator.libraryId);
    const summaries = await raster.listLibrarySummaries({ pageSize: 500 });

    expect(summaries).toContainEqual({ id: emulator.libraryId, name: full!.name, assetsCount: full!.assetsCount });
    expect(full!.assetsCount).toBeGreaterThan(0);
  });

  it('POST /libraries anonymous creates a usable key', async () => {
    const anonymous = await RasterClient.createAnonymousLibrary(
      { transport, baseUrl: emulator.url },
      { email: 'trial@example.com', name: 'Trial' },
    );

    expect(anonymous.apiKey).toMatch(/^pk_/);
    const raster = client({ apiKey: anonymous.apiKey });
    await expect(raster.me()).resolves.toMatchObject({ organizationId: anonymous.organizationId });
    await expect(raster.listAssets(anonymous.libraryId)).resolves.toEqual([]);
  });

  it('creates, renames and lists libraries', async () => {
    const raster = client({ organizationId: emulator.organizationId });

    const created = await raster.createLibrary({ name: 'Docs figures', slug: 'docs-figures' });
    const renamed = await raster.renameLibrary('docs-figures', 'Figures');
    const all = await collect(raster.libraries());

    expect(created).toMatchObject({ id: 'docs-figures', name: 'Docs figures', assetsCount: 0 });
    expect(renamed).toMatchObject({ id: 'docs-figures', name: 'Figures' });
    expect(all.map((library) => library.id)).toEqual([emulator.libraryId, 'docs-figures']);
  });

  it('uploads files from disk in order and lists them', async () => {
    const raster = client();

    const assets = await uploadSamples(raster);
    const listed = await collect(raster.assets(emulator.libraryId));

    expect(assets.map((item) => item.name)).toEqual(['logo-128', 'café-menu', 'vnc-l']);
    expect(assets.map((item) => item.contentType)).toEqual(['image/png', 'image/png', 'image/webp']);
    expect(assets[0]?.size).toBe((await stat(join(IMAGES, 'brand/logo-128.png'))).size);
    expect(assets.every((item) => typeof item.url === 'string')).toBe(true);
    expect(listed.map((item) => item.id).sort()).toEqual(assets.map((item) => item.id).sort());
  });

  it('lists every asset once while uploads shift the pages', async () => {
    const raster = client();
    const logo = new Uint8Array(await readFile(join(IMAGES, 'brand/logo-128.png')));
    const first = await raster.uploadAssets(
      emulator.libraryId,
      ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => bytesPart(`${name}.png`, logo)),
    );

    const seen: string[] = [];
    for await (const item of raster.assets(emulator.libraryId, { pageSize: 2 })) {
      seen.push(item.id);
      if (seen.length === 2) {
        // Newest first: these two go to page 1 and push every listed asset two places down.
        await raster.uploadAssets(emulator.libraryId, [bytesPart('g.png', logo), bytesPart('h.png', logo)]);
      }
    }

    expect(new Set(seen).size).toBe(seen.length);
    for (const item of first.assets) {
      expect(seen).toContain(item.id);
    }
    expect(emulator.admin.stats().byRoute['list-assets']).toBeGreaterThanOrEqual(4);
  });

  it('searches page by page', async () => {
    const raster = client();
    const logo = new Uint8Array(await readFile(join(IMAGES, 'brand/logo-128.png')));
    const uploaded = await raster.uploadAssets(
      emulator.libraryId,
      ['sunset-1', 'sunset-2', 'sunset-3', 'sunset-4', 'sunset-5'].map((name) => bytesPart(`${name}.png`, logo)),
    );

    const hits = await collect(raster.search({ q: 'sunset', pageSize: 2 }));

    expect(hits.map((hit) => hit.id).sort()).toEqual(uploaded.assets.map((item) => item.id).sort());
    expect(emulator.admin.stats().byRoute['search-assets']).toBe(3);
  });

  it('lists asset summaries with the sync fields', async () => {
    const raster = client();
    const [logo] = await uploadSamples(raster);
    await raster.tagAssets(emulator.libraryId, [logo!.id], ['brand']);

    const [full] = await raster.listAssets(emulator.libraryId, { tags: ['brand'] });
    const summaries = await raster.listAssetSummaries(emulator.libraryId, { tags: ['brand'], pageSize: 1 });

    expect(summaries).toEqual([{
      id: full!.id, name: full!.name, url: full!.url, thumbUrl: full!.thumbUrl, size: full!.size, created: full!.created, tags: ['brand'],
    }]);
  });

  it('gets, describes, tags, untags and searches assets', async () => {
    const raster = client();
    const [logo, menu] = await uploadSamples(raster);

    const tagged = await raster.tagAssets(emulator.libraryId, [logo!.id, menu!.id], ['brand', 'blue']);
    const untagged = await raster.untagAssets(emulator.libraryId, [menu!.id], ['blue']);
    const described = await raster.setDescription(emulator.libraryId, logo!.id, 'The logo, 128 pixels');
    const fetched = await raster.getAsset(emulator.libraryId, logo!.id);
    const tags = await raster.listTags(emulator.libraryId, { limit: 10 });
    const filtered = await raster.listAssets(emulator.libraryId, { tags: ['blue'] });
    const found = await raster.searchAssets({ q: 'logo', libraries: [emulator.libraryId] });
    const hits = await collect(raster.search({ q: 'brand' }));

    expect(tagged).toEqual({ taggedCount: 4 });
    expect(untagged).toEqual({ untaggedCount: 1 });
    expect(described).toEqual({ assetId: logo!.id, description: 'The logo, 128 pixels' });
    expect(fetched.tags.sort()).toEqual(['blue', 'brand']);
    expect(fetched.description).toBe('The logo, 128 pixels');
    expect(tags).toEqual([
      { id: 'brand', count: 2, type: 'user' },
      { id: 'blue', count: 1, type: 'user' },
    ]);
    expect(filtered.map((item) => item.id)).toEqual([logo!.id]);
    expect(found.hits.map((hit) => hit.id)).toContain(logo!.id);
    expect(found.found).toBeGreaterThanOrEqual(1);
    expect(hits.map((hit) => hit.id).sort()).toEqual([logo!.id, menu!.id].sort());
  });

  it('transfers assets to another library', async () => {
    const raster = client({ organizationId: emulator.organizationId });
    const [logo] = await uploadSamples(raster);
    await raster.createLibrary({ name: 'Archive', slug: 'archive' });

    const result = await raster.transferAssets(emulator.libraryId, 'archive', [logo!.id]);

    expect(result).toEqual({ transferredCount: 1, sourceLibraryId: emulator.libraryId, targetLibraryId: 'archive' });
    await expect(raster.getAsset('archive', logo!.id)).resolves.toMatchObject({ id: logo!.id });
  });

  it('deletes assets into the trash', async () => {
    const raster = client();
    const assets = await uploadSamples(raster);

    const result = await raster.deleteAssets(emulator.libraryId, assets.map((item) => item.id));
    const again = await raster.deleteAssets(emulator.libraryId, [assets[0]!.id]);
    const error = await raster.getAsset(emulator.libraryId, assets[0]!.id).catch((caught: unknown) => caught);

    expect(result.ids.sort()).toEqual(assets.map((item) => item.id).sort());
    expect(again.ids).toEqual([]);
    expect(isResourceNotFound(error)).toBe(true);
    expect(await raster.listAssets(emulator.libraryId)).toEqual([]);
  });
});

describe('RasterClient errors from the emulator', () => {
  it('a read key on a write route cannot reach the library', async () => {
    const error = await client({ apiKey: emulator.readKey })
      .tagAssets(emulator.libraryId, ['a1'], ['x'])
      .catch((caught: unknown) => caught);

    expect(isLibraryNotReachable(error)).toBe(true);
    expect((error as RasterApiError).status).toBe(404);
  });

  it('a read key cannot create a library', async () => {
    const error = await client({ apiKey: emulator.readKey, organizationId: emulator.organizationId })
      .createLibrary({ name: 'Nope' })
      .catch((caught: unknown) => caught);

    expect(isReadOnlyKey(error)).toBe(true);
  });

  it('an unknown key is unauthorized', async () => {
    const error = await client({ apiKey: 'pk_unknownKey000', organizationId: emulator.organizationId })
      .listLibraries()
      .catch((caught: unknown) => caught);

    expect(isUnauthorized(error)).toBe(true);
    expect((error as Error).message).not.toContain('pk_unknownKey000');
  });

  it('an unknown organization is not found', async () => {
    const error = await client({ organizationId: 'no-such-org' })
      .listLibraries()
      .catch((caught: unknown) => caught);

    expect(isOrganizationNotFound(error)).toBe(true);
  });

  it('a used slug is taken', async () => {
    const raster = client({ organizationId: emulator.organizationId });
    await raster.createLibrary({ name: 'Once', slug: 'once' });

    const error = await raster.createLibrary({ name: 'Twice', slug: 'once' }).catch((caught: unknown) => caught);

    expect(isLibrarySlugTaken(error)).toBe(true);
    expect((error as RasterApiError).status).toBe(409);
  });

  it('a file over the size limit fails with 413', async () => {
    emulator.admin.configure({ maxFileSize: 64 * 1024 });
    const large = new Uint8Array(8 * 1024 * 1024);
    large.set(new Uint8Array(await readFile(join(IMAGES, 'brand/logo-128.png'))));
    const retries: string[] = [];

    try {
      const error = await client({ onRetry: (info) => retries.push(info.reason) })
        .uploadAssets(emulator.libraryId, [bytesPart('large.png', large)])
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(RasterApiError);
      expect((error as RasterApiError).status).toBe(413);
      expect((error as RasterApiError).code).toBe('PAYLOAD_TOO_LARGE');
      expect(retries).toEqual([]);
    } finally {
      emulator.admin.configure({ maxFileSize: 100 * 1024 * 1024 });
    }
  });

  it('a file that is not an image fails the upload', async () => {
    const error = await client()
      .uploadAssets(emulator.libraryId, [await filePart('fake.png', 'image/png', scratch)])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterApiError);
    expect((error as RasterApiError).code).toBe('BAD_USER_INPUT');
    expect((error as RasterApiError).serviceMessage).toContain('fake.png');
  });
});

describe('RasterClient retries against emulator faults', () => {
  const png = async () => bytesPart('retry.png', new Uint8Array(await readFile(join(IMAGES, 'brand/logo-128.png'))));

  function retrying(): { raster: RasterClient; waits: number[] } {
    const clock = fakeClock();
    const raster = client({
      organizationId: emulator.organizationId,
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0.5,
    });
    return { raster, waits: clock.waits };
  }

  it('retries an upload after 503 and 429', async () => {
    emulator.admin.injectFaults([
      { route: 'upload', kind: 'status', status: 503, times: 1 },
      { route: 'upload', kind: 'rate-limit', retryAfter: 2, times: 1 },
    ]);
    const { raster, waits } = retrying();

    const result = await raster.uploadAssets(emulator.libraryId, [await png()]);

    expect(result.assets).toHaveLength(1);
    expect(emulator.admin.stats().byRoute.upload).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits).toContain(2000);
    expect(await raster.listAssets(emulator.libraryId)).toHaveLength(1);
  });

  it('surfaces a reset after the upload was stored as ambiguous', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);
    const { raster, waits } = retrying();

    const error = await raster.uploadAssets(emulator.libraryId, [await png()]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect(emulator.admin.stats().byRoute.upload).toBe(1);
    expect(waits).toEqual([]);
    expect(await raster.listAssets(emulator.libraryId)).toHaveLength(1);
  });

  it('surfaces a reset before the upload was stored as ambiguous too', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-before-store', times: 1 }]);
    const { raster } = retrying();

    const error = await raster.uploadAssets(emulator.libraryId, [await png()]).catch((caught: unknown) => caught);

    // The whole body was sent in both cases, so the client cannot tell them apart.
    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect(await raster.listAssets(emulator.libraryId)).toHaveLength(0);
  });

  it('retries a listing after a reset', async () => {
    emulator.admin.injectFaults([{ route: 'list-assets', kind: 'reset-before-store', times: 1 }]);
    const { raster, waits } = retrying();

    await expect(raster.listAssets(emulator.libraryId)).resolves.toEqual([]);
    expect(waits).toHaveLength(1);
    expect(raster.requestCount).toBe(2);
  });
});
