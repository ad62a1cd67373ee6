import { describe, expect, it } from 'vitest';

import {
  DEFAULT_UPLOAD_BATCH_BYTES,
  MAX_FILES_PER_UPLOAD,
  RasterClient,
  RasterUsageError,
  batchFileParts,
  chunk,
  type FilePart,
  type HttpRequest,
} from '@raster-toolkit/core';

import { fakeTransport, ok, type Scripted } from './support/fake-transport';

const ids = (count: number, prefix = 'a') => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

function jsonBodies(requests: HttpRequest[]): unknown[] {
  return requests.map((request) => (request.body?.kind === 'json' ? request.body.value : request.body));
}

function setup(...answers: Scripted[]) {
  const transport = fakeTransport(...answers);
  const client = new RasterClient({ transport, apiKey: 'pk_batchSecret1', organizationId: 'acme' });
  return { transport, client };
}

function part(name: string, size: number): FilePart {
  return { filename: name, contentType: 'image/png', size, source: { kind: 'path', path: `/files/${name}` } };
}

describe('deleteAssets batching', () => {
  it('splits 250 ids into requests of 100, 100 and 50', async () => {
    const all = ids(250);
    const { transport, client } = setup(
      (request) => ok({ success: true, message: 'Moved', ids: (request.body as { value: { ids: string[] } }).value.ids }),
      (request) => ok({ success: true, message: 'Moved', ids: (request.body as { value: { ids: string[] } }).value.ids }),
      (request) => ok({ success: true, message: 'Moved', ids: (request.body as { value: { ids: string[] } }).value.ids.slice(1) }),
    );

    const result = await client.deleteAssets('photos', all);

    expect(jsonBodies(transport.requests)).toEqual([{ ids: all.slice(0, 100) }, { ids: all.slice(100, 200) }, { ids: all.slice(200) }]);
    expect(result.ids).toHaveLength(249);
    expect(result.success).toBe(true);
    expect(result.message).toBe('Moved 249 assets to trash');
  });

  it('sends exactly 100 ids in one request', async () => {
    const { transport, client } = setup(ok({ success: true, message: 'Moved', ids: [] }));

    await client.deleteAssets('photos', ids(100));

    expect(transport.requests).toHaveLength(1);
  });

  it('removes duplicate ids', async () => {
    const { transport, client } = setup(ok({ success: true, message: 'Moved', ids: ['a', 'b'] }));

    await client.deleteAssets('photos', ['a', 'b', 'a']);

    expect(jsonBodies(transport.requests)).toEqual([{ ids: ['a', 'b'] }]);
  });

  it('sends nothing for an empty list', async () => {
    const { transport, client } = setup();

    await expect(client.deleteAssets('photos', [])).resolves.toEqual({ success: true, message: 'Moved 0 assets to trash', ids: [] });
    expect(transport.requests).toHaveLength(0);
  });
});

describe('tagAssets and untagAssets batching', () => {
  it('splits 150 ids and 25 tags into four requests', async () => {
    const allIds = ids(150);
    const allTags = ids(25, 'tag-');
    const { transport, client } = setup(ok({ taggedCount: 1 }), ok({ taggedCount: 2 }), ok({ taggedCount: 3 }), ok({ taggedCount: 4 }));

    const result = await client.tagAssets('photos', allIds, allTags);

    expect(result).toEqual({ taggedCount: 10 });
    expect(jsonBodies(transport.requests)).toEqual([
      { assetIds: allIds.slice(0, 100), tags: allTags.slice(0, 20) },
      { assetIds: allIds.slice(0, 100), tags: allTags.slice(20) },
      { assetIds: allIds.slice(100), tags: allTags.slice(0, 20) },
      { assetIds: allIds.slice(100), tags: allTags.slice(20) },
    ]);
  });

  it('sums untagged counts over batches', async () => {
    const { transport, client } = setup(ok({ untaggedCount: 100 }), ok({ untaggedCount: 1 }));

    await expect(client.untagAssets('photos', ids(101), ['red'])).resolves.toEqual({ untaggedCount: 101 });
    expect(transport.requests.map((request) => new URL(request.url).pathname)).toEqual([
      '/organizations/acme/libraries/photos/assets/untag',
      '/organizations/acme/libraries/photos/assets/untag',
    ]);
  });

  it('sends nothing for an empty id list', async () => {
    const { transport, client } = setup();

    await expect(client.tagAssets('photos', [], ['red'])).resolves.toEqual({ taggedCount: 0 });
    expect(transport.requests).toHaveLength(0);
  });
});

describe('transferAssets batching', () => {
  it('splits 201 ids into three requests and sums the counts', async () => {
    const all = ids(201);
    const answer = (count: number) => ok({ transferredCount: count, sourceLibraryId: 'photos', targetLibraryId: 'archive' });
    const { transport, client } = setup(answer(100), answer(100), answer(1));

    const result = await client.transferAssets('photos', 'archive', all);

    expect(result).toEqual({ transferredCount: 201, sourceLibraryId: 'photos', targetLibraryId: 'archive' });
    expect(jsonBodies(transport.requests)).toEqual([
      { targetLibraryId: 'archive', assetIds: all.slice(0, 100) },
      { targetLibraryId: 'archive', assetIds: all.slice(100, 200) },
      { targetLibraryId: 'archive', assetIds: all.slice(200) },
    ]);
  });
});

describe('uploadAssets limits', () => {
  it('sends 20 files in one request', async () => {
    const { transport, client } = setup(ok({ responseText: 'Uploaded 20 assets', assets: [] }));
    const files = Array.from({ length: 20 }, (_, index) => part(`f${index}.png`, 10));

    await client.uploadAssets('photos', files);

    expect(transport.requests).toHaveLength(1);
    expect(transport.requests[0]?.body).toEqual({ kind: 'multipart', files });
  });

  it('rejects 21 files before any request', async () => {
    const { transport, client } = setup();
    const files = Array.from({ length: 21 }, (_, index) => part(`f${index}.png`, 10));

    await expect(client.uploadAssets('photos', files)).rejects.toThrow(
      'Invalid files: 21 files, but one upload takes at most 20. Split them with batchFileParts().',
    );
    expect(transport.requests).toHaveLength(0);
  });
});

describe('batchFileParts', () => {
  it('fills batches of 20 files', () => {
    const files = Array.from({ length: 45 }, (_, index) => part(`f${index}.png`, 1));

    const batches = batchFileParts(files);

    expect(batches.map((batch) => batch.length)).toEqual([20, 20, 5]);
    expect(batches.flat()).toEqual(files);
    expect(MAX_FILES_PER_UPLOAD).toBe(20);
  });

  it('starts a new batch at the byte budget', () => {
    const files = [part('a', 40), part('b', 40), part('c', 30), part('d', 10), part('e', 1)];

    const batches = batchFileParts(files, { maxBytes: 100 });

    expect(batches.map((batch) => batch.map((file) => file.filename))).toEqual([['a', 'b'], ['c', 'd', 'e']]);
  });

  it('puts a file over the budget alone', () => {
    const files = [part('small', 10), part('huge', 500), part('tail', 10)];

    const batches = batchFileParts(files, { maxBytes: 100 });

    expect(batches.map((batch) => batch.map((file) => file.filename))).toEqual([['small'], ['huge'], ['tail']]);
  });

  it('uses 64 MiB by default', () => {
    const files = [part('a', DEFAULT_UPLOAD_BATCH_BYTES - 1), part('b', 2)];

    expect(batchFileParts(files)).toHaveLength(2);
    expect(DEFAULT_UPLOAD_BATCH_BYTES).toBe(64 * 1024 * 1024);
  });

  it('honours a smaller file count', () => {
    const files = Array.from({ length: 7 }, (_, index) => part(`f${index}`, 1));

    expect(batchFileParts(files, { maxFiles: 3 }).map((batch) => batch.length)).toEqual([3, 3, 1]);
  });

  it('returns no batch for no files', () => {
    expect(batchFileParts([])).toEqual([]);
  });

  it('rejects limits outside the API range', () => {
    expect(() => batchFileParts([], { maxFiles: 21 })).toThrow('Invalid maxFiles: 21. Pass an integer from 1 to 20.');
    expect(() => batchFileParts([], { maxFiles: 0 })).toThrow(RasterUsageError);
    expect(() => batchFileParts([], { maxBytes: 0 })).toThrow('Invalid maxBytes: 0. Pass a byte count of at least 1.');
  });
});

describe('chunk', () => {
  it('splits in order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it('rejects a size below 1', () => {
    expect(() => chunk([1], 0)).toThrow(RasterUsageError);
  });
});
