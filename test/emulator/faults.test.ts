import { request as httpRequest } from 'node:http';
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

async function listedIds(): Promise<string[]> {
  const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
  return response.json.data.map((asset: { id: string }) => asset.id);
}

/**
 * Posts a multipart upload with node:http and reports whether the whole body was written before
 * the connection failed, which is what makes a failure ambiguous for the client.
 */
function uploadWithNodeHttp(): Promise<{ status?: number; error?: NodeJS.ErrnoException; bodySent: boolean }> {
  const boundary = 'FaultBoundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="logo.png"\r\nContent-Type: image/png\r\n\r\n`),
    Buffer.from(logo),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return new Promise((resolve) => {
    let bodySent = false;
    const request = httpRequest(`${emulator.url}${libraryPath(emulator, '/assets')}`, {
      method: 'POST',
      headers: {
        'Api-Version': '2026-05-20',
        Authorization: `Bearer ${emulator.writeKey}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': body.length,
      },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ ...(response.statusCode === undefined ? {} : { status: response.statusCode }), bodySent }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error, bodySent }));
    request.end(body, () => {
      bodySent = true;
    });
  });
}

describe('status faults', () => {
  test('500 for the given times, then success', async () => {
    emulator.admin.injectFaults([{ route: 'list-assets', kind: 'status', times: 2 }]);

    const first = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    const second = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    const third = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));

    expect(first.status).toBe(500);
    expect(first.json.error.code).toBe('INTERNAL_SERVER_ERROR');
    expect(first.headers.get('vary')).toBe('Api-Version');
    expect(second.status).toBe(500);
    expect(third.status).toBe(200);
  });

  test('any status can be injected', async () => {
    const cases: Array<[number, string]> = [
      [502, 'INTERNAL_SERVER_ERROR'],
      [503, 'INTERNAL_SERVER_ERROR'],
      [504, 'INTERNAL_SERVER_ERROR'],
      [429, 'TOO_MANY_REQUESTS'],
      [400, 'BAD_USER_INPUT'],
    ];
    for (const [status, code] of cases) {
      emulator.admin.injectFaults([{ route: 'me', kind: 'status', status, times: 1 }]);
      const response = await raw(emulator, 'GET', '/me');
      expect(response.status).toBe(status);
      expect(response.json.error.code).toBe(code);
    }
  });

  test('status fault can name its code', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'status', status: 403, code: 'STORAGE_LIMIT_EXCEEDED', times: 1 }]);

    const response = await upload(emulator, [['a.png', logo]]);

    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('STORAGE_LIMIT_EXCEEDED');
  });

  test('fault on upload stores nothing', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'status', status: 500, times: 1 }]);

    const failed = await upload(emulator, [['a.png', logo]]);
    const retried = await upload(emulator, [['a.png', logo]]);

    expect(failed.status).toBe(500);
    expect(retried.status).toBe(200);
    expect(await listedIds()).toHaveLength(1);
  });

  test('fault targets only its route', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'status' }]);

    const me = await raw(emulator, 'GET', '/me');
    emulator.admin.clearFaults();

    expect(me.status).toBe(200);
  });

  test('wildcard route applies everywhere', async () => {
    emulator.admin.injectFaults([{ route: '*', kind: 'status', times: 2 }]);

    const me = await raw(emulator, 'GET', '/me');
    const list = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));

    expect(me.status).toBe(500);
    expect(list.status).toBe(500);
  });
});

describe('rate limit faults', () => {
  test('429 carries Retry-After seconds', async () => {
    emulator.admin.injectFaults([{ route: 'list-assets', kind: 'rate-limit', retryAfter: 3, times: 1 }]);

    const limited = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.json.error.code).toBe('TOO_MANY_REQUESTS');
  });

  test('Retry-After can be an HTTP date', async () => {
    const date = new Date(Date.now() + 2000).toUTCString();
    emulator.admin.injectFaults([{ route: 'me', kind: 'rate-limit', retryAfter: date, times: 1 }]);

    const limited = await raw(emulator, 'GET', '/me');

    expect(limited.headers.get('retry-after')).toBe(date);
  });

  test('Retry-After defaults to one second', async () => {
    emulator.admin.injectFaults([{ route: 'me', kind: 'rate-limit', times: 1 }]);

    const limited = await raw(emulator, 'GET', '/me');

    expect(limited.headers.get('retry-after')).toBe('1');
  });
});

describe('latency faults', () => {
  test('delay the response', async () => {
    emulator.admin.injectFaults([{ route: 'me', kind: 'latency', latencyMs: 300, times: 1 }]);

    const started = performance.now();
    const slow = await raw(emulator, 'GET', '/me');
    const slowMs = performance.now() - started;
    const fastStarted = performance.now();
    await raw(emulator, 'GET', '/me');
    const fastMs = performance.now() - fastStarted;

    expect(slow.status).toBe(200);
    expect(slowMs).toBeGreaterThanOrEqual(290);
    expect(fastMs).toBeLessThan(250);
  });

  test('combine with a status fault', async () => {
    emulator.admin.injectFaults([
      { route: 'me', kind: 'latency', latencyMs: 200, times: 1 },
      { route: 'me', kind: 'status', status: 502, times: 1 },
    ]);

    const started = performance.now();
    const response = await raw(emulator, 'GET', '/me');

    expect(response.status).toBe(502);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('connection resets', () => {
  test('reset before store loses the upload', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-before-store', times: 1 }]);

    const result = await uploadWithNodeHttp();

    expect(result.error?.code).toBe('ECONNRESET');
    expect(result.bodySent).toBe(true);
    expect(await listedIds()).toEqual([]);
  });

  test('reset after store keeps the upload', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);

    const result = await uploadWithNodeHttp();

    expect(result.error?.code).toBe('ECONNRESET');
    expect(result.bodySent).toBe(true);
    const ids = await listedIds();
    expect(ids).toHaveLength(1);
    const asset = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${ids[0]}`));
    expect(asset.json.data.name).toBe('logo');
  });

  test('fetch sees a network error', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);

    await expect(upload(emulator, [['a.png', logo]])).rejects.toThrow();
    expect(await listedIds()).toHaveLength(1);
  });

  test('reset after store applies to other writes', async () => {
    const response = await upload(emulator, [['a.png', logo]]);
    const id = response.json.data.assets[0].id;
    emulator.admin.injectFaults([{ route: 'tag-assets', kind: 'reset-after-store', times: 1 }]);

    await expect(
      raw(emulator, 'POST', libraryPath(emulator, '/assets/tag'), { body: { assetIds: [id], tags: ['kept'] } }),
    ).rejects.toThrow();
    const asset = await raw(emulator, 'GET', libraryPath(emulator, `/assets/${id}`));
    expect(asset.json.data.tags).toEqual(['kept']);
  });

  test('server keeps serving after resets', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-before-store', times: 3 }]);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await uploadWithNodeHttp();
    }

    const response = await upload(emulator, [['a.png', logo]]);

    expect(response.status).toBe(200);
  });
});

describe('probability', () => {
  async function outcomes(count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let index = 0; index < count; index += 1) {
      statuses.push((await raw(emulator, 'GET', '/me')).status);
    }
    return statuses;
  }

  test('same seed gives the same sequence', async () => {
    emulator.admin.seedFaults(42);
    emulator.admin.injectFaults([{ route: 'me', kind: 'status', probability: 0.5 }]);
    const first = await outcomes(40);

    emulator.admin.clearFaults();
    emulator.admin.seedFaults(42);
    emulator.admin.injectFaults([{ route: 'me', kind: 'status', probability: 0.5 }]);
    const second = await outcomes(40);
    emulator.admin.clearFaults();

    expect(second).toEqual(first);
    const failures = first.filter((status) => status === 500).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
  });

  test('probability 0 never fires', async () => {
    emulator.admin.injectFaults([{ route: 'me', kind: 'status', probability: 0 }]);

    const statuses = await outcomes(20);
    emulator.admin.clearFaults();

    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  test('times counts only fired faults', async () => {
    emulator.admin.seedFaults(7);
    emulator.admin.injectFaults([{ route: 'me', kind: 'status', probability: 0.3, times: 2 }]);

    const statuses = await outcomes(60);

    expect(statuses.filter((status) => status === 500)).toHaveLength(2);
    expect(emulator.admin.listFaults()).toEqual([]);
  });
});

test('invalid faults are rejected', () => {
  expect(() => emulator.admin.injectFaults([{ route: 'me', kind: 'status', status: 200 }])).toThrow(/status/);
  expect(() => emulator.admin.injectFaults([{ route: 'me', kind: 'status', probability: 2 }])).toThrow(/probability/);
  expect(() => emulator.admin.injectFaults([{ route: 'me', kind: 'status', times: 0 }])).toThrow(/times/);
  expect(() => emulator.admin.injectFaults([{ route: 'me', kind: 'latency', latencyMs: -5 }])).toThrow(/latencyMs/);
  expect(() => emulator.admin.injectFaults([{ route: 'uploads' as 'upload', kind: 'status' }])).toThrow(/route/);
  expect(() => emulator.admin.injectFaults([{ route: 'me', kind: 'status' }, { kind: 'boom' as 'status' }])).toThrow(/kind/);
  expect(emulator.admin.listFaults()).toEqual([]);
});
