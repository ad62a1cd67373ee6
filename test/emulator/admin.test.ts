import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { AdminError, startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { imageBytes, libraryPath, raw, upload } from './helpers';

let emulator: RunningEmulator;
let logo: Uint8Array;

beforeAll(async () => {
  emulator = await startEmulator();
  logo = await imageBytes('brand/logo-128.png');
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  await emulator.admin.reset();
});

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as any };
}

describe('programmatic administration', () => {
  test('creates organizations, libraries and keys', async () => {
    const organization = await emulator.admin.createOrganization({ id: 'acme', name: 'Acme' });
    const library = await emulator.admin.createLibrary({ organizationId: 'acme', id: 'photos', name: 'Photos' });
    await emulator.admin.createLibrary({ organizationId: 'acme', id: 'docs', name: 'Docs' });
    const { key } = await emulator.admin.createKey({ organizationId: 'acme', libraries: { photos: 'write', docs: 'read' } });

    expect(organization).toEqual({ id: 'acme', name: 'Acme', plan: null });
    expect(library).toEqual({ id: 'photos', name: 'Photos', assetsCount: 0, photosCount: 0, trashCount: 0, tags: [] });
    expect(key).toMatch(/^pk_[A-Za-z0-9]{20,}$/);

    const me = await raw(emulator, 'GET', '/me', { key });
    expect(me.json.data).toEqual({ organizationId: 'acme', organizationName: 'Acme', plan: null, libraries: ['photos', 'docs'] });

    const target = { url: emulator.url, writeKey: key, organizationId: 'acme', libraryId: 'photos' };
    expect((await upload(target, [['a.png', logo]])).status).toBe(200);
    const readOnly = await upload(target, [['a.png', logo]], { libraryId: 'docs' });
    expect(readOnly.status).toBe(404);
    expect(readOnly.json.error.code).toBe('API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
  });

  test('rejects duplicates and unknown references', async () => {
    await expect(emulator.admin.createOrganization({ id: emulator.organizationId })).rejects.toBeInstanceOf(AdminError);
    await expect(emulator.admin.createOrganization({ id: 'Bad Id' })).rejects.toThrow(/Invalid organization id/);
    await expect(emulator.admin.createLibrary({ organizationId: 'missing', id: 'x', name: 'X' })).rejects.toThrow(/does not exist/);
    await expect(
      emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: emulator.libraryId, name: 'X' }),
    ).rejects.toThrow(/already exists/);
    await expect(
      emulator.admin.createKey({ organizationId: emulator.organizationId, libraries: { missing: 'read' } }),
    ).rejects.toThrow(/does not exist/);
    await expect(
      emulator.admin.createKey({ organizationId: emulator.organizationId, libraries: { [emulator.libraryId]: 'admin' as 'read' } }),
    ).rejects.toThrow(/Invalid access level/);
  });

  test('reset keeps the seed keys and drops data', async () => {
    await upload(emulator, [['a.png', logo]]);
    await emulator.admin.createOrganization({ id: 'gone' });

    await emulator.admin.reset();

    expect(emulator.admin.stats().requests).toBe(0);
    const list = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    expect(list.status).toBe(200);
    expect(list.json.data).toEqual([]);
    await expect(emulator.admin.createOrganization({ id: 'gone' })).resolves.toMatchObject({ id: 'gone' });
  });

  test('stats count requests by route', async () => {
    await raw(emulator, 'GET', '/me');
    await raw(emulator, 'GET', '/me');
    await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    await upload(emulator, [['a.png', logo]]);
    await raw(emulator, 'GET', '/nowhere');
    await admin('GET', '/stats');

    expect(emulator.admin.stats()).toEqual({
      requests: 5,
      byRoute: { me: 2, 'list-assets': 1, upload: 1, unknown: 1 },
    });
  });

  test('configure rejects invalid values', () => {
    expect(() => emulator.admin.configure({ listingLagMs: -1 })).toThrow(/listingLagMs/);
    expect(() => emulator.admin.configure({ maxFileSize: 1.5 })).toThrow(/maxFileSize/);
    expect(() => emulator.admin.configure({ listingLag: 5 } as never)).toThrow(
      'Unknown setting "listingLag"; expected one of processingDelayMs, listingLagMs, maxFileSize.',
    );
    expect(emulator.admin.configure({ processingDelayMs: 5 })).toMatchObject({ processingDelayMs: 5 });
    emulator.admin.configure({ processingDelayMs: 0 });
  });
});

describe('HTTP administration', () => {
  test('mirrors the programmatic calls', async () => {
    const organization = await admin('POST', '/organizations', { id: 'web-org', name: 'Web' });
    const library = await admin('POST', '/libraries', { organizationId: 'web-org', id: 'web-lib', name: 'Web Library' });
    const key = await admin('POST', '/keys', { organizationId: 'web-org', libraries: { 'web-lib': 'read' } });

    expect(organization.status).toBe(201);
    expect(library.status).toBe(201);
    expect(key.status).toBe(201);
    const list = await raw(emulator, 'GET', '/organizations/web-org/libraries/web-lib/assets', { key: key.json.data.key });
    expect(list.status).toBe(200);
  });

  test('reports errors in the envelope', async () => {
    const duplicate = await admin('POST', '/organizations', { id: emulator.organizationId });
    const unknown = await admin('GET', '/nothing');
    const malformed = await fetch(`${emulator.url}/_emulator/organizations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });

    expect(duplicate.status).toBe(409);
    expect(typeof duplicate.json.error.message).toBe('string');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('ENDPOINT_NOT_FOUND');
    expect(malformed.status).toBe(400);
  });

  test('reads info, stats and config', async () => {
    await raw(emulator, 'GET', '/me');

    const info = await admin('GET', '/info');
    const stats = await admin('GET', '/stats');
    const config = await admin('POST', '/configure', { listingLagMs: 7 });
    const cleared = await admin('DELETE', '/stats');

    expect(info.json.data).toEqual({
      url: emulator.url,
      organizationId: emulator.organizationId,
      libraryId: emulator.libraryId,
      writeKey: emulator.writeKey,
      readKey: emulator.readKey,
    });
    expect(stats.json.data).toEqual({ requests: 1, byRoute: { me: 1 } });
    expect(config.json.data).toMatchObject({ listingLagMs: 7 });
    expect(cleared.json.data.requests).toBe(0);
    await admin('POST', '/configure', { listingLagMs: 0 });
  });

  test('injects and clears faults', async () => {
    const injected = await admin('POST', '/faults', { faults: [{ route: 'me', kind: 'status', status: 503, times: 1 }] });
    expect(injected.json.data).toHaveLength(1);

    const failed = await raw(emulator, 'GET', '/me');
    const recovered = await raw(emulator, 'GET', '/me');
    expect(failed.status).toBe(503);
    expect(recovered.status).toBe(200);

    await admin('POST', '/faults', { faults: [{ kind: 'status' }] });
    expect((await admin('GET', '/faults')).json.data).toHaveLength(1);
    await admin('DELETE', '/faults');
    expect((await raw(emulator, 'GET', '/me')).status).toBe(200);

    const invalid = await admin('POST', '/faults', { faults: [{ kind: 'explode' }] });
    expect(invalid.status).toBe(400);
  });

  test('reset over HTTP restores the seed', async () => {
    await upload(emulator, [['a.png', logo]]);

    const response = await admin('POST', '/reset');

    expect(response.status).toBe(200);
    expect((await raw(emulator, 'GET', libraryPath(emulator, '/assets'))).json.data).toEqual([]);
  });
});
