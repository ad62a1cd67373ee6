import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
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

/** Uploads `count` copies of a small PNG in batches of 20 and returns their ids, oldest first. */
async function uploadCopies(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 20) {
    const files: Array<[string, Uint8Array]> = [];
    for (let index = start; index < Math.min(count, start + 20); index += 1) {
      files.push([`copy-${index}.png`, logo]);
    }
    const response = await upload(emulator, files);
    expect(response.status).toBe(200);
    ids.push(...response.json.data.assets.map((asset: { id: string }) => asset.id));
  }
  return ids;
}

function ids(response: { json: any }): string[] {
  return response.json.data.map((item: { id: string }) => item.id);
}

describe('pagination', () => {
  test('pageSize defaults to 50', async () => {
    await uploadCopies(55);

    const first = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    const second = await raw(emulator, 'GET', libraryPath(emulator, '/assets?page=2'));

    expect(first.json.data).toHaveLength(50);
    expect(second.json.data).toHaveLength(5);
  });

  test.each([
    ['/assets?pageSize=0', 'Invalid pageSize "0"; expected one whole number from 1 to 500.'],
    ['/assets?pageSize=1.5', 'Invalid pageSize "1.5"; expected one whole number from 1 to 500.'],
    ['/assets?pageSize=501', 'Invalid pageSize "501"; expected one whole number from 1 to 500.'],
    ['/assets?page=-1', 'Invalid page "-1"; expected one whole number from 0 to 9007199254740991.'],
    ['/assets?page=99999999999999999999', 'Invalid page "99999999999999999999"; expected one whole number from 0 to 9007199254740991.'],
    ['/tags?limit=0', 'Invalid limit "0"; expected one whole number from 1 to 1000.'],
  ])('%s names the accepted range', async (path, message) => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, path));

    expect(response.status).toBe(400);
    expect(response.json.error.message).toBe(message);
  });

  test('pages are 1-based offsets, page 0 reads as 1', async () => {
    const uploaded = (await uploadCopies(5)).reverse();

    const page0 = await raw(emulator, 'GET', libraryPath(emulator, '/assets?page=0&pageSize=2'));
    const page1 = await raw(emulator, 'GET', libraryPath(emulator, '/assets?page=1&pageSize=2'));
    const page3 = await raw(emulator, 'GET', libraryPath(emulator, '/assets?page=3&pageSize=2'));
    const page4 = await raw(emulator, 'GET', libraryPath(emulator, '/assets?page=4&pageSize=2'));

    expect(ids(page0)).toEqual(uploaded.slice(0, 2));
    expect(ids(page1)).toEqual(uploaded.slice(0, 2));
    expect(ids(page3)).toEqual(uploaded.slice(4));
    expect(ids(page4)).toEqual([]);
  });

  test('pageSize 500 is allowed', async () => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets?pageSize=500'));

    expect(response.status).toBe(200);
  });

  test('invalid page values give BAD_USER_INPUT', async () => {
    const invalid = [
      'pageSize=501',
      'pageSize=0',
      'pageSize=-1',
      'pageSize=abc',
      'pageSize=1.5',
      'pageSize=',
      'page=-1',
      'page=1.5',
      'page=x',
      'page=1&page=2',
    ];
    for (const query of invalid) {
      const routes = [
        libraryPath(emulator, `/assets?${query}`),
        `/organizations/${emulator.organizationId}/libraries?${query}`,
        `/organizations/${emulator.organizationId}/search/assets?q=&${query}`,
      ];
      for (const path of routes) {
        const response = await raw(emulator, 'GET', path);
        expect(response.status, path).toBe(400);
        expect(response.json.error.code, path).toBe('BAD_USER_INPUT');
      }
    }
  });

  test('libraries paginate in creation order', async () => {
    for (const name of ['B', 'C', 'D']) {
      await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries`, { body: { name } });
    }

    const page2 = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries?page=2&pageSize=2`);

    expect(ids(page2)).toEqual(['c', 'd']);
  });
});

describe('tag listing limit', () => {
  async function tagOneAssetWith(count: number): Promise<void> {
    const [id] = await uploadCopies(1);
    for (let start = 0; start < count; start += 20) {
      const tags = Array.from({ length: Math.min(20, count - start) }, (_, index) => `tag-${start + index}`);
      const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [id], tags } });
      expect(response.status).toBe(200);
    }
  }

  test('limit defaults to 100', async () => {
    await tagOneAssetWith(120);

    const response = await raw(emulator, 'GET', libraryPath(emulator, '/tags'));

    expect(response.json.data).toHaveLength(100);
  });

  test('limit caps the list', async () => {
    await tagOneAssetWith(30);

    const response = await raw(emulator, 'GET', libraryPath(emulator, '/tags?limit=7'));

    expect(response.json.data).toHaveLength(7);
  });

  test('limit 1000 is allowed', async () => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, '/tags?limit=1000'));

    expect(response.status).toBe(200);
  });

  test('invalid limit gives BAD_USER_INPUT', async () => {
    for (const limit of ['1001', '0', '-5', 'ten', '2.5', '']) {
      const response = await raw(emulator, 'GET', libraryPath(emulator, `/tags?limit=${limit}`));
      expect(response.status, limit).toBe(400);
      expect(response.json.error.code, limit).toBe('BAD_USER_INPUT');
    }
  });
});

describe('tags filter', () => {
  test('five tags are allowed', async () => {
    const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=a,b,c,d,e'));

    expect(response.status).toBe(200);
  });

  test('six tags give BAD_USER_INPUT', async () => {
    const commaSeparated = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=a,b,c,d,e,f'));
    const repeated = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=a,b,c&tags=d,e&tags=f'));

    expect(commaSeparated.status).toBe(400);
    expect(commaSeparated.json.error.code).toBe('BAD_USER_INPUT');
    expect(repeated.status).toBe(400);
    expect(repeated.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('filter is case-sensitive', async () => {
    const [id] = await uploadCopies(1);
    await raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [id], tags: ['Nature'] } });

    const lower = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=nature'));
    const exact = await raw(emulator, 'GET', libraryPath(emulator, '/assets?tags=Nature'));

    expect(lower.json.data).toEqual([]);
    expect(ids(exact)).toEqual([id]);
  });
});

describe('delete limits', () => {
  const deletePath = () => libraryPath(emulator, '/assets');

  test('more than 100 ids gives MAX_ASSETS_EXCEEDED', async () => {
    const response = await raw(emulator, 'DELETE', deletePath(), { body: { ids: Array.from({ length: 101 }, (_, i) => `id-${i}`) } });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('MAX_ASSETS_EXCEEDED');
  });

  test('100 ids are allowed', async () => {
    const response = await raw(emulator, 'DELETE', deletePath(), { body: { ids: Array.from({ length: 100 }, (_, i) => `id-${i}`) } });

    expect(response.status).toBe(200);
    expect(response.json.data.ids).toEqual([]);
  });

  test('missing or empty ids give DELETE_ERROR', async () => {
    for (const body of [{}, { ids: [] }, { ids: null }]) {
      const response = await raw(emulator, 'DELETE', deletePath(), { body });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('DELETE_ERROR');
    }
  });

  test('DELETE without a body gives DELETE_ERROR', async () => {
    const response = await raw(emulator, 'DELETE', deletePath());

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('DELETE_ERROR');
  });

  test('ids of the wrong type give BAD_USER_INPUT', async () => {
    for (const body of [{ ids: 'abc' }, { ids: [1, 2] }]) {
      const response = await raw(emulator, 'DELETE', deletePath(), { body });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
  });

  test('ids of another library are skipped', async () => {
    await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries`, { body: { name: 'Second' } });
    const other = await upload(emulator, [['a.png', logo]], { libraryId: 'second' });
    const otherId = other.json.data.assets[0].id;

    const response = await raw(emulator, 'DELETE', deletePath(), { body: { ids: [otherId] } });

    expect(response.json.data.ids).toEqual([]);
    const still = await raw(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries/second/assets/${otherId}`);
    expect(still.status).toBe(200);
  });
});

describe('tag rules', () => {
  let assetId: string;
  const tagPath = () => libraryPath(emulator, '/assets/tag');
  const untagPath = () => libraryPath(emulator, '/assets/untag');

  beforeEach(async () => {
    [assetId] = (await uploadCopies(1)) as [string];
  });

  async function expectRejected(body: unknown, path = tagPath()) {
    const response = await raw(emulator, 'POST', path, { body });
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(response.json.error.code, JSON.stringify(body)).toBe('BAD_USER_INPUT');
    const asset = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${assetId}`));
    expect(asset.json.data.tags).toEqual([]);
  }

  test('reserved tags are rejected', async () => {
    for (const tag of ['index', 'trash', ' trash ', 'Index']) {
      await expectRejected({ assetIds: [assetId], tags: ['fine', tag] });
      await expectRejected({ assetIds: [assetId], tags: [tag] }, untagPath());
    }
  });

  test('length is 1 to 100 after trimming', async () => {
    await expectRejected({ assetIds: [assetId], tags: [''] });
    await expectRejected({ assetIds: [assetId], tags: ['   '] });
    await expectRejected({ assetIds: [assetId], tags: ['x'.repeat(101)] });

    const response = await raw(emulator, 'POST', tagPath(), { body: { assetIds: [assetId], tags: [` ${'x'.repeat(100)} `] } });
    expect(response.status).toBe(200);
    const asset = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${assetId}`));
    expect(asset.json.data.tags).toEqual(['x'.repeat(100)]);
  });

  test('comma and control characters are rejected', async () => {
    await expectRejected({ assetIds: [assetId], tags: ['a,b'] });
    await expectRejected({ assetIds: [assetId], tags: ['tab\there'] });
    await expectRejected({ assetIds: [assetId], tags: ['line\nbreak'] });
    await expectRejected({ assetIds: [assetId], tags: ['nul\u0000'] });
  });

  test('counts of ids and tags are checked', async () => {
    await expectRejected({ assetIds: [], tags: ['a'] });
    await expectRejected({ assetIds: Array.from({ length: 101 }, () => assetId), tags: ['a'] });
    await expectRejected({ assetIds: [assetId], tags: [] });
    await expectRejected({ assetIds: [assetId], tags: Array.from({ length: 21 }, (_, i) => `t${i}`) });
    await expectRejected({ assetIds: [assetId] });
    await expectRejected({ tags: ['a'] });
    await expectRejected({ assetIds: [assetId], tags: [5] });
    await expectRejected({ assetIds: [7], tags: ['a'] });
  });

  test('20 tags and 100 ids are allowed', async () => {
    const response = await raw(emulator, 'POST', tagPath(), {
      body: { assetIds: Array.from({ length: 100 }, () => assetId), tags: Array.from({ length: 20 }, (_, i) => `t${i}`) },
    });

    expect(response.status).toBe(200);
    expect(response.json.data.taggedCount).toBe(20);
  });

  test('tags are case-sensitive', async () => {
    const response = await raw(emulator, 'POST', tagPath(), { body: { assetIds: [assetId], tags: ['Nature', 'nature'] } });

    expect(response.json.data.taggedCount).toBe(2);
  });

  test('trashed asset fails tag and untag', async () => {
    await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), { body: { ids: [assetId] } });

    for (const path of [tagPath(), untagPath()]) {
      const response = await raw(emulator, 'POST', path, { body: { assetIds: [assetId], tags: ['a'] } });
      expect(response.status).toBe(404);
      expect(response.json.error.code).toBe('RESOURCE_NOT_FOUND');
    }
  });
});

describe('description', () => {
  test('5000 characters are allowed, 5001 are not', async () => {
    const [id] = await uploadCopies(1);
    const path = libraryPath(emulator, `/assets/${id}/description`);

    const allowed = await raw(emulator, 'PATCH', path, { body: { description: 'd'.repeat(5000) } });
    const tooLong = await raw(emulator, 'PATCH', path, { body: { description: 'd'.repeat(5001) } });

    expect(allowed.status).toBe(200);
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('non-string description gives BAD_USER_INPUT', async () => {
    const [id] = await uploadCopies(1);
    for (const body of [{}, { description: null }, { description: 5 }]) {
      const response = await raw(emulator, 'PATCH', libraryPath(emulator, `/assets/${id}/description`), { body });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
  });

  test('missing or trashed asset gives RESOURCE_NOT_FOUND', async () => {
    const [id] = await uploadCopies(1);
    await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), { body: { ids: [id] } });

    for (const target of [id, 'missing']) {
      const response = await raw(emulator, 'PATCH', libraryPath(emulator, `/assets/${target}/description`), {
        body: { description: 'x' },
      });
      expect(response.status).toBe(404);
      expect(response.json.error.code).toBe('RESOURCE_NOT_FOUND');
    }
  });
});

describe('library names and slugs', () => {
  const createPath = () => `/organizations/${emulator.organizationId}/libraries`;

  test('name is 1 to 100 characters', async () => {
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'n'.repeat(101) }, { name: 42 }]) {
      const response = await raw(emulator, 'POST', createPath(), { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
    const allowed = await raw(emulator, 'POST', createPath(), { body: { name: 'n'.repeat(100) } });
    expect(allowed.status).toBe(201);
  });

  test('slug must match the pattern', async () => {
    for (const slug of ['Upper', 'with space', '-leading', 'under_score', 's'.repeat(64), '', 7]) {
      const response = await raw(emulator, 'POST', createPath(), { body: { name: 'Valid', slug } });
      expect(response.status, String(slug)).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
    const allowed = await raw(emulator, 'POST', createPath(), { body: { name: 'Valid', slug: `a${'-'.repeat(62)}` } });
    expect(allowed.status).toBe(201);
  });

  test('default slug comes from the name', async () => {
    const response = await raw(emulator, 'POST', createPath(), { body: { name: '  Café Photos — 2026!  ' } });

    expect(response.json.data.id).toBe('cafe-photos-2026');
  });

  test('rename validates the name', async () => {
    const response = await raw(emulator, 'PATCH', libraryPath(emulator), { body: { name: '' } });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });
});

describe('transfer rules', () => {
  const transferPath = () => libraryPath(emulator, '/assets/transfer');

  beforeEach(async () => {
    await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries`, { body: { name: 'Target' } });
  });

  test('source equal to target gives BAD_USER_INPUT', async () => {
    const [id] = await uploadCopies(1);

    const response = await raw(emulator, 'POST', transferPath(), { body: { targetLibraryId: emulator.libraryId, assetIds: [id] } });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('unreachable or read-only target gives 404', async () => {
    const [id] = await uploadCopies(1);
    await emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: 'hidden', name: 'Hidden' });
    const { key } = await emulator.admin.createKey({
      organizationId: emulator.organizationId,
      libraries: { [emulator.libraryId]: 'write', target: 'read' },
    });

    const hidden = await raw(emulator, 'POST', transferPath(), { body: { targetLibraryId: 'hidden', assetIds: [id] } });
    const readOnly = await raw(emulator, 'POST', transferPath(), { key, body: { targetLibraryId: 'target', assetIds: [id] } });

    for (const response of [hidden, readOnly]) {
      expect(response.status).toBe(404);
      expect(response.json.error.code).toBe('API_KEY_NOT_AUTHORIZED_FOR_LIBRARY');
    }
  });

  test('foreign id fails the whole call', async () => {
    const [id] = await uploadCopies(1);

    const response = await raw(emulator, 'POST', transferPath(), { body: { targetLibraryId: 'target', assetIds: [id, 'foreign'] } });

    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('RESOURCE_NOT_FOUND');
    const still = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${id}`));
    expect(still.status).toBe(200);
  });

  test('invalid bodies give BAD_USER_INPUT', async () => {
    for (const body of [
      { assetIds: ['a'] },
      { targetLibraryId: 'target' },
      { targetLibraryId: 'target', assetIds: [] },
      { targetLibraryId: 'target', assetIds: Array.from({ length: 101 }, (_, i) => `a${i}`) },
    ]) {
      const response = await raw(emulator, 'POST', transferPath(), { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('anonymous library rules', () => {
  test('invalid email gives BAD_USER_INPUT', async () => {
    for (const body of [{}, { email: 'not-an-email' }, { email: 5 }, { email: 'a@b' }]) {
      const response = await raw(emulator, 'POST', '/libraries', { key: null, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
  });

  test('fourth unclaimed library for one email is rejected', async () => {
    for (let index = 0; index < 3; index += 1) {
      const response = await raw(emulator, 'POST', '/libraries', { key: null, body: { email: 'grace@example.com' } });
      expect(response.status).toBe(201);
    }

    const fourth = await raw(emulator, 'POST', '/libraries', { key: null, body: { email: 'GRACE@example.com' } });
    const otherEmail = await raw(emulator, 'POST', '/libraries', { key: null, body: { email: 'linus@example.com' } });

    expect(fourth.status).toBe(400);
    expect(fourth.json.error.code).toBe('BAD_USER_INPUT');
    expect(otherEmail.status).toBe(201);
  });
});

describe('JSON bodies', () => {
  test('malformed JSON gives BAD_USER_INPUT', async () => {
    const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), {
      headers: { 'Content-Type': 'application/json' },
      rawBody: '{"ids": [',
    });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('non-object JSON gives BAD_USER_INPUT', async () => {
    for (const text of ['[]', '"ids"', 'null', '42']) {
      const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), {
        headers: { 'Content-Type': 'application/json' },
        rawBody: text,
      });
      expect(response.status, text).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
  });

  test('other content type gives BAD_USER_INPUT', async () => {
    const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), {
      headers: { 'Content-Type': 'text/plain' },
      rawBody: '{"ids":["a"]}',
    });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('body over 1 MiB gives PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ ids: ['a'], padding: 'p'.repeat(1024 * 1024) });

    const response = await raw(emulator, 'DELETE', libraryPath(emulator, '/assets'), {
      headers: { 'Content-Type': 'application/json' },
      rawBody: big,
    });

    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
