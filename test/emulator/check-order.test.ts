import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { libraryPath, raw, upload, uploadSamples, imageBytes } from './helpers';

let emulator: RunningEmulator;
let otherKey: string;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  await emulator.admin.reset();
  await emulator.admin.createOrganization({ id: 'other-org' });
  await emulator.admin.createLibrary({ organizationId: 'other-org', id: 'other-library', name: 'Other' });
  ({ key: otherKey } = await emulator.admin.createKey({
    organizationId: 'other-org',
    libraries: { 'other-library': 'write' },
  }));
  await emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: 'private', name: 'Private' });
});

function expectError(response: { status: number; json: any; headers: Headers }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.json.error.code).toBe(code);
  expect(typeof response.json.error.message).toBe('string');
  expect(response.json.error.message.length).toBeGreaterThan(0);
  expect(response.headers.get('vary')).toBe('Api-Version');
}

describe('route matching', () => {
  test('unknown path comes before Api-Version', async () => {
    const response = await raw(emulator, 'GET', '/organizations/demo-org/albums', { apiVersion: null, key: null });

    expectError(response, 404, 'ENDPOINT_NOT_FOUND');
  });

  test('known path with another method is not found', async () => {
    for (const [method, path] of [
      ['PUT', '/me'],
      ['DELETE', '/me'],
      ['PUT', libraryPath(emulator, '/assets')],
      ['PATCH', libraryPath(emulator, '/assets')],
      ['GET', libraryPath(emulator, '/assets/tag/extra')],
      ['DELETE', `/organizations/${emulator.organizationId}/libraries`],
    ] as const) {
      const response = await raw(emulator, method, path);
      expectError(response, 404, 'ENDPOINT_NOT_FOUND');
    }
  });

  test('root and trailing slash are not found', async () => {
    expectError(await raw(emulator, 'GET', '/'), 404, 'ENDPOINT_NOT_FOUND');
    expectError(await raw(emulator, 'GET', '/me/'), 404, 'ENDPOINT_NOT_FOUND');
    expectError(await raw(emulator, 'GET', libraryPath(emulator, '/assets/')), 404, 'ENDPOINT_NOT_FOUND');
  });

  test('literal tag route wins over asset id', async () => {
    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: ['x'], tags: ['a'] } });

    expectError(response, 404, 'RESOURCE_NOT_FOUND');
    expect(response.json.error.message).toContain('"x"');
  });
});

describe('Api-Version', () => {
  test('missing gives API_VERSION_REQUIRED', async () => {
    expectError(await raw(emulator, 'GET', '/me', { apiVersion: null, key: null }), 400, 'API_VERSION_REQUIRED');
  });

  test('empty gives API_VERSION_REQUIRED', async () => {
    expectError(await raw(emulator, 'GET', '/me', { apiVersion: '' }), 400, 'API_VERSION_REQUIRED');
  });

  test('unsupported value gives BAD_USER_INPUT', async () => {
    expectError(await raw(emulator, 'GET', '/me', { apiVersion: '2025-01-01' }), 400, 'BAD_USER_INPUT');
  });

  test('anonymous library still needs it', async () => {
    const response = await raw(emulator, 'POST', '/libraries', { apiVersion: null, key: null, body: { email: 'a@example.com' } });

    expectError(response, 400, 'API_VERSION_REQUIRED');
  });

  test('comes before authorization', async () => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets'), { apiVersion: null, key: null });

    expectError(response, 400, 'API_VERSION_REQUIRED');
  });
});

describe('Authorization', () => {
  test('missing gives UNAUTHENTICATED', async () => {
    expectError(await raw(emulator, 'GET', '/me', { key: null }), 401, 'UNAUTHENTICATED');
    expectError(await raw(emulator, 'GET', libraryPath(emulator, '/assets'), { key: null }), 401, 'UNAUTHENTICATED');
  });

  test('malformed header gives UNAUTHENTICATED', async () => {
    for (const header of [`Basic ${emulator.writeKey}`, 'Bearer', 'Bearer ', emulator.writeKey, `Bearer a b`]) {
      const response = await raw(emulator, 'GET', '/me', { key: null, headers: { Authorization: header } });
      expectError(response, 401, 'UNAUTHENTICATED');
    }
  });

  test('scheme is case-insensitive', async () => {
    const response = await raw(emulator, 'GET', '/me', { key: null, headers: { Authorization: `bearer ${emulator.writeKey}` } });

    expect(response.status).toBe(200);
  });

  test('format comes before organization', async () => {
    const response = await raw(emulator, 'GET', '/organizations/no-such-org/libraries', { key: null });

    expectError(response, 401, 'UNAUTHENTICATED');
  });

  test('unknown key on /me gives INVALID_API_KEY', async () => {
    expectError(await raw(emulator, 'GET', '/me', { key: 'pk_unknown' }), 401, 'INVALID_API_KEY');
  });
});

describe('organization and key', () => {
  test('unknown organization gives ORGANIZATION_NOT_FOUND', async () => {
    const response = await raw(emulator, 'GET', '/organizations/no-such-org/libraries/demo-library/assets');

    expectError(response, 404, 'ORGANIZATION_NOT_FOUND');
  });

  test('organization comes before the key', async () => {
    const response = await raw(emulator, 'GET', '/organizations/no-such-org/libraries', { key: 'pk_unknown' });

    expectError(response, 404, 'ORGANIZATION_NOT_FOUND');
  });

  test('unknown key gives INVALID_API_KEY', async () => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets'), { key: 'pk_unknown' });

    expectError(response, 401, 'INVALID_API_KEY');
  });

  test('key of another organization gives INVALID_API_KEY', async () => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets'), { key: otherKey });

    expectError(response, 401, 'INVALID_API_KEY');
  });

  test('key check comes before library access', async () => {
    const response = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries/nothing/assets`, {
      key: otherKey,
    });

    expectError(response, 401, 'INVALID_API_KEY');
  });
});

describe('library access', () => {
  const readRoutes = (library: string): Array<[string, string]> => [
    ['GET', `/organizations/demo-org/libraries/${library}/assets`],
    ['GET', `/organizations/demo-org/libraries/${library}/assets/some-id`],
    ['GET', `/organizations/demo-org/libraries/${library}/tags`],
  ];
  const writeRoutes = (library: string): Array<[string, string, unknown]> => [
    ['PATCH', `/organizations/demo-org/libraries/${library}`, { name: 'x' }],
    ['DELETE', `/organizations/demo-org/libraries/${library}/assets`, { ids: ['a'] }],
    ['POST', `/organizations/demo-org/libraries/${library}/assets/tag`, { assetIds: ['a'], tags: ['t'] }],
    ['POST', `/organizations/demo-org/libraries/${library}/assets/untag`, { assetIds: ['a'], tags: ['t'] }],
    ['PATCH', `/organizations/demo-org/libraries/${library}/assets/a/description`, { description: 'x' }],
    ['POST', `/organizations/demo-org/libraries/${library}/assets/transfer`, { targetLibraryId: 'private', assetIds: ['a'] }],
  ];

  test('missing library gives API_KEY_NOT_AUTHORIZED_FOR_LIBRARY', async () => {
    for (const [method, path] of readRoutes('no-such-library')) {
      expectError(await raw(emulator, method, path), 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
    for (const [method, path, body] of writeRoutes('no-such-library')) {
      expectError(await raw(emulator, method, path, { body }), 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
  });

  test('ungranted library gives the same 404', async () => {
    for (const [method, path] of readRoutes('private')) {
      expectError(await raw(emulator, method, path), 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
    for (const [method, path, body] of writeRoutes('private')) {
      expectError(await raw(emulator, method, path, { body }), 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
  });

  test('read key on write routes gives the same 404', async () => {
    for (const [method, path, body] of writeRoutes(emulator.libraryId)) {
      const response = await raw(emulator, method, path, { body, key: emulator.readKey });
      expectError(response, 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
    const uploaded = await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]], { key: emulator.readKey });
    expectError(uploaded, 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
  });

  test('read key reaches read routes', async () => {
    for (const [method, path] of readRoutes(emulator.libraryId).filter(([, path]) => !path.endsWith('some-id'))) {
      const response = await raw(emulator, method, path, { key: emulator.readKey });
      expect(response.status).toBe(200);
    }
  });

  test('read-only key cannot create a library', async () => {
    const response = await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries`, {
      key: emulator.readKey,
      body: { name: 'Nope' },
    });

    expectError(response, 403, 'API_KEY_READ_ONLY');
  });

  test('access comes before body validation', async () => {
    const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), {
      key: emulator.readKey,
      headers: { 'Content-Type': 'application/json' },
      rawBody: '{not json',
    });

    expectError(response, 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
  });

  test('access comes before query validation', async () => {
    const response = await raw(emulator, 'GET', '/organizations/demo-org/libraries/private/assets?pageSize=9999');

    expectError(response, 404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
  });

  test('library list shows only granted libraries', async () => {
    const response = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries`);

    expect(response.json.data.map((library: { id: string }) => library.id)).toEqual([emulator.libraryId]);
  });
});

describe('validation before the operation', () => {
  test('reserved tag fails before a missing asset', async () => {
    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
      body: { assetIds: ['missing'], tags: ['trash'] },
    });

    expectError(response, 400, 'BAD_USER_INPUT');
  });

  test('long description fails before a missing asset', async () => {
    const response = await raw(emulator, 'PATCH', libraryPath(emulator, '/assets/missing/description'), {
      body: { description: 'x'.repeat(5001) },
    });

    expectError(response, 400, 'BAD_USER_INPUT');
  });

  test('missing asset fails the tag call and writes nothing', async () => {
    const [asset] = await uploadSamples(emulator, ['brand/logo-128.png']);

    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), {
      body: { assetIds: [asset.id, 'missing'], tags: ['new'] },
    });

    expectError(response, 404, 'RESOURCE_NOT_FOUND');
    const read = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${asset.id}`));
    expect(read.json.data.tags).toEqual([]);
  });
});
