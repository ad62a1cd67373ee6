import { describe, expect, it } from 'vitest';

import { RasterClient, RasterUsageError } from '@raster-toolkit/core';

import { bytesPart, fakeTransport } from './support/fake-transport';

function setup() {
  const transport = fakeTransport();
  const client = new RasterClient({ transport, apiKey: 'pk_validSecret8', organizationId: 'acme' });
  return { transport, client };
}

async function usageError(call: Promise<unknown>): Promise<RasterUsageError> {
  const error = await call.then(
    (value: unknown) => {
      throw new Error(`expected a RasterUsageError, got ${JSON.stringify(value)}`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RasterUsageError);
  return error as RasterUsageError;
}

describe('RasterClient options', () => {
  it('requires an API key', () => {
    expect(() => new RasterClient({ transport: fakeTransport(), apiKey: '' })).toThrow(
      'Missing apiKey. Pass a Raster API key; it starts with pk_.',
    );
  });

  it('requires a transport', () => {
    expect(() => new RasterClient({ transport: undefined as never, apiKey: 'pk_x1' })).toThrow(/Missing transport/);
  });

  it('rejects an organization that is not a slug', () => {
    expect(() => new RasterClient({ transport: fakeTransport(), apiKey: 'pk_x1', organizationId: 'Acme Inc' })).toThrow(
      'Invalid organizationId: "Acme Inc". Pass the slug from the Raster URL: lower-case letters, digits and "-", ' +
        'starting with a letter or digit, at most 63 characters.',
    );
  });

  it('rejects a base URL that is not a URL', () => {
    expect(() => new RasterClient({ transport: fakeTransport(), apiKey: 'pk_x1', baseUrl: 'api.raster.app' })).toThrow(
      'Invalid baseUrl: "api.raster.app". Pass an absolute https:// URL.',
    );
  });

  it('rejects a base URL with credentials or a query', () => {
    const make = (baseUrl: string) => () => new RasterClient({ transport: fakeTransport(), apiKey: 'pk_x1', baseUrl });

    expect(make('https://user:secret@api.example.test')).toThrow(
      'Invalid baseUrl: the URL for https://api.example.test contains a user name or password. Pass the URL without them; the API key has a setting of its own.',
    );
    expect(make('https://user:secret@api.example.test:99999')).toThrow('Invalid baseUrl: "https://***@api.example.test:99999". Pass an absolute https:// URL.');
    expect(make('https://user:secret@api.example.test')).not.toThrow(/secret/);
    expect(make('https://api.example.test/v1?x=1')).toThrow(
      'Invalid baseUrl: https://api.example.test/v1 has a query or a fragment, which the client would drop. Pass the URL without them.',
    );
    expect(make('https://api.example.test/v1#top')).toThrow(/has a query or a fragment/);
    expect(make('https://api.example.test/v1/')).not.toThrow();
  });

  it('rejects invalid retry options', () => {
    expect(() => new RasterClient({ transport: fakeTransport(), apiKey: 'pk_x1', retry: { maxAttempts: -1 } })).toThrow(
      RasterUsageError,
    );
  });
});

describe('RasterClient arguments', () => {
  it.each([
    ['empty', ''],
    ['upper case', 'Photos'],
    ['a slash', 'photos/../admin'],
    ['a leading dash', '-photos'],
    ['64 characters', 'a'.repeat(64)],
  ])('rejects a library id with %s', async (_case, libraryId) => {
    const { transport, client } = setup();

    const error = await usageError(client.listAssets(libraryId));

    expect(error.parameter).toBe('libraryId');
    expect(transport.requests).toHaveLength(0);
  });

  it('accepts a library id of 63 characters', async () => {
    const transport = fakeTransport({ status: 200, headers: {}, text: '{"data":[]}' });
    const client = new RasterClient({ transport, apiKey: 'pk_x1', organizationId: 'acme' });

    await client.listAssets('a'.repeat(63));

    expect(transport.requests).toHaveLength(1);
  });

  it('rejects page sizes above 500', async () => {
    const { client } = setup();

    const error = await usageError(client.listAssets('photos', { pageSize: 501 }));

    expect(error.message).toBe('Invalid pageSize: 501. Pass an integer from 1 to 500.');
  });

  it.each([0, -1, 1.5])('rejects page %s', async (page) => {
    const { client } = setup();

    expect((await usageError(client.listLibraries({ page }))).parameter).toBe('page');
  });

  it('rejects a tag limit above 1000', async () => {
    const { client } = setup();

    expect((await usageError(client.listTags('photos', { limit: 1001 }))).message).toBe(
      'Invalid limit: 1001. Pass an integer from 1 to 1000.',
    );
  });

  it('rejects more than 5 tags in a listing filter', async () => {
    const { client } = setup();

    expect((await usageError(client.listAssets('photos', { tags: ['a', 'b', 'c', 'd', 'e', 'f'] }))).message).toBe(
      'Invalid tags: pass at most 5 tags to filter a listing.',
    );
  });

  it('rejects a comma in a listing filter', async () => {
    const { client } = setup();

    expect((await usageError(client.listAssets('photos', { tags: ['a,b'] }))).parameter).toBe('tags[0]');
  });

  it.each([
    ['a reserved tag', 'trash', 'is reserved by Raster'],
    ['a comma', 'a,b', 'without commas'],
    ['a control character', 'a\u0007', 'without commas or control characters'],
    ['only spaces', '   ', 'Pass 1 to 100 characters'],
    ['101 characters', 'x'.repeat(101), 'Pass 1 to 100 characters'],
  ])('rejects a tag with %s', async (_case, tag, message) => {
    const { transport, client } = setup();

    const error = await usageError(client.tagAssets('photos', ['a1'], [tag]));

    expect(error.parameter).toBe('tags[0]');
    expect(error.message).toContain(message);
    expect(transport.requests).toHaveLength(0);
  });

  it('rejects an empty tag list', async () => {
    const { client } = setup();

    expect((await usageError(client.untagAssets('photos', ['a1'], []))).message).toBe(
      'Invalid tags: the list is empty. Pass at least one tag to untag.',
    );
  });

  it('rejects an empty asset id', async () => {
    const { client } = setup();

    expect((await usageError(client.getAsset('photos', ''))).parameter).toBe('assetId');
    expect((await usageError(client.deleteAssets('photos', ['a1', '']))).parameter).toBe('assetIds[1]');
  });

  it('rejects a description over 5000 characters', async () => {
    const { client } = setup();

    expect((await usageError(client.setDescription('photos', 'a1', 'x'.repeat(5001)))).message).toBe(
      'Invalid description: 5001 characters. Pass a string of at most 5000 characters; "" clears it.',
    );
  });

  it('rejects a library name over 100 characters', async () => {
    const { client } = setup();

    expect((await usageError(client.createLibrary({ name: 'x'.repeat(101) }))).parameter).toBe('name');
    expect((await usageError(client.renameLibrary('photos', ''))).parameter).toBe('name');
  });

  it('rejects a library slug that is not a slug', async () => {
    const { client } = setup();

    expect((await usageError(client.createLibrary({ name: 'Docs', slug: 'Docs Figures' }))).parameter).toBe('slug');
  });

  it('rejects a transfer to the same library', async () => {
    const { client } = setup();

    expect((await usageError(client.transferAssets('photos', 'photos', ['a1']))).message).toBe(
      'Invalid targetLibraryId: "photos" is the source library. Pass another library of the organization.',
    );
  });

  it('rejects search libraries that are not slugs', async () => {
    const { client } = setup();

    expect((await usageError(client.searchAssets({ q: 'x', libraries: ['ok', 'Not OK'] }))).parameter).toBe('libraries[1]');
  });

  it('rejects an upload without files', async () => {
    const { client } = setup();

    expect((await usageError(client.uploadAssets('photos', []))).message).toBe(
      'Missing files. Pass at least one FilePart to upload.',
    );
  });

  it('rejects a part whose size differs from its bytes', async () => {
    const { client } = setup();
    const part = { ...bytesPart('a.png', 'abc'), size: 4 };

    expect((await usageError(client.uploadAssets('photos', [part]))).message).toBe(
      'Invalid files[0].size: 4, but source.bytes has 3 bytes. Pass its byteLength.',
    );
  });

  it('rejects a part without a name', async () => {
    const { client } = setup();

    expect((await usageError(client.uploadAssets('photos', [bytesPart(' ', 'abc')]))).parameter).toBe('files[0].filename');
  });

  it('rejects a malformed SHA-256 of a part', async () => {
    const { client } = setup();
    const part = { ...bytesPart('a.png', 'abc'), sha256: 'abc' };

    expect((await usageError(client.uploadAssets('photos', [part]))).message).toBe(
      'Invalid files[0].sha256: "abc". Pass the SHA-256 of the bytes as 64 hex digits, or leave it out.',
    );
  });

  it('rejects an invalid email for an anonymous library', async () => {
    const error = await usageError(RasterClient.createAnonymousLibrary({ transport: fakeTransport() }, { email: 'nobody' }));

    expect(error.message).toBe('Invalid email: "nobody". Pass an address such as name@example.com.');
  });
});
