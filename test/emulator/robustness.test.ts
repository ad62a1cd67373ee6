import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { Persistence } from '../../emulator/src/store/persistence';

const originalStoreBlob = Persistence.prototype.storeBlob;
import { imageBytes, libraryPath, raw } from './helpers';

let emulator: RunningEmulator;
let dataDir: string;
let port: number;
let logo: Uint8Array;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'emulator-robustness-'));
  emulator = await startEmulator({ dataDir, headersTimeoutMs: 500, requestTimeoutMs: 1500 });
  port = Number(new URL(emulator.url).port);
  logo = await imageBytes('brand/logo-128.png');
});

afterAll(async () => {
  await emulator.stop();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await emulator.admin.reset();
});

/** Writes raw bytes on a new connection and collects everything until the server closes it. */
function exchange(
  chunks: Array<string | Buffer>,
  options: { pauseMs?: number; keepOpenMs?: number } = {},
): Promise<{ text: string; closedBy: 'server' | 'timeout' | 'error' }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (closedBy: 'server' | 'timeout' | 'error') => {
      if (!settled) {
        settled = true;
        socket.destroy();
        resolve({ text, closedBy });
      }
    };
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('close', () => finish('server'));
    socket.on('error', () => finish('error'));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) {
          return;
        }
        socket.write(chunk);
        if (options.pauseMs !== undefined) {
          await new Promise((resolveWait) => setTimeout(resolveWait, options.pauseMs));
        }
      }
    });
    setTimeout(() => finish('timeout'), options.keepOpenMs ?? 5000);
  });
}

async function expectHealthy(): Promise<void> {
  const response = await raw(emulator, 'GET', '/me');
  expect(response.status).toBe(200);
}

async function leftoverTemporaryFiles(): Promise<string[]> {
  return readdir(join(dataDir, 'tmp'));
}

const authHeaders = () => `Api-Version: 2026-05-20\r\nAuthorization: Bearer ${emulator.writeKey}\r\n`;

describe('malformed requests', () => {
  test('garbage gives 400 and a closed connection', async () => {
    const result = await exchange(['NOT HTTP AT ALL\r\n\r\n']);

    expect(result.closedBy).toBe('server');
    expect(result.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(result.text).toContain('"code":"BAD_USER_INPUT"');
    await expectHealthy();
  });

  test('oversized headers give 431', async () => {
    const result = await exchange([`GET /me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);

    expect(result.closedBy).not.toBe('timeout');
    expect(result.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(result.text).toContain('Vary: Api-Version');
    await expectHealthy();
  });

  test('malformed path escape is not found', async () => {
    const response = await raw(emulator, 'GET', '/organizations/%E0%A4%A/libraries');

    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('ENDPOINT_NOT_FOUND');
  });

  test('HEAD on an API route is not found', async () => {
    const response = await fetch(`${emulator.url}/me`, { method: 'HEAD', headers: { 'Api-Version': '2026-05-20' } });

    expect(response.status).toBe(404);
  });

  test('JSON body without end gives 413', async () => {
    const result = await exchange(
      [
        `DELETE ${libraryPath(emulator, '/assets')} HTTP/1.1\r\nHost: x\r\n${authHeaders()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ...Array.from({ length: 20 }, () => `10000\r\n${'x'.repeat(0x10000)}\r\n`),
      ],
      { keepOpenMs: 3000 },
    );

    expect(result.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(result.text).toContain('PAYLOAD_TOO_LARGE');
    await expectHealthy();
  });

  test('declared JSON length over the cap gives 413 at once', async () => {
    const result = await exchange(
      [
        `DELETE ${libraryPath(emulator, '/assets')} HTTP/1.1\r\nHost: x\r\n${authHeaders()}Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{"ids":`,
      ],
      { keepOpenMs: 1000 },
    );

    expect(result.text).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('slow clients', () => {
  test('headers that never finish are cut off', async () => {
    const started = Date.now();
    const result = await exchange(['GET /me HTTP/1.1\r\n', 'Host: x\r\n'], { pauseMs: 100, keepOpenMs: 5000 });

    expect(result.closedBy).toBe('server');
    expect(Date.now() - started).toBeLessThan(4000);
    await expectHealthy();
  });

  test('body that never finishes is cut off', async () => {
    const started = Date.now();
    const result = await exchange(
      [
        `POST ${libraryPath(emulator, '/assets')} HTTP/1.1\r\nHost: x\r\n${authHeaders()}Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n`,
        '--B\r\nContent-Disposition: form-data; name="files"; filename="slow.png"\r\n\r\n',
      ],
      { keepOpenMs: 6000 },
    );

    expect(result.closedBy).toBe('server');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await leftoverTemporaryFiles()).toEqual([]);
    await expectHealthy();
  });
});

describe('aborted uploads', () => {
  test('client leaving mid-upload stores nothing', async () => {
    const head = `--B\r\nContent-Disposition: form-data; name="files"; filename="cut.png"\r\nContent-Type: image/png\r\n\r\n`;
    await new Promise<void>((resolve) => {
      const request = httpRequest(`${emulator.url}${libraryPath(emulator, '/assets')}`, {
        method: 'POST',
        headers: {
          'Api-Version': '2026-05-20',
          Authorization: `Bearer ${emulator.writeKey}`,
          'Content-Type': 'multipart/form-data; boundary=B',
          'Content-Length': 10_000_000,
        },
      });
      request.on('error', () => resolve());
      request.write(head);
      request.write(Buffer.from(logo));
      request.write(Buffer.alloc(200_000));
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 200);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const list = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
    expect(list.json.data).toEqual([]);
    expect(await leftoverTemporaryFiles()).toEqual([]);
    expect(await readdir(join(dataDir, 'files'))).toEqual([]);
  });

  test('truncated multipart on a closed connection stores nothing', async () => {
    const head = `--B\r\nContent-Disposition: form-data; name="files"; filename="cut.png"\r\n\r\n`;
    const result = await exchange(
      [
        `POST ${libraryPath(emulator, '/assets')} HTTP/1.1\r\nHost: x\r\n${authHeaders()}Content-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n`,
        `${Buffer.byteLength(head).toString(16)}\r\n${head}\r\n`,
        '0\r\n\r\n',
      ],
      { keepOpenMs: 2000 },
    );

    expect(result.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(result.text).toContain('BAD_USER_INPUT');
    expect(await leftoverTemporaryFiles()).toEqual([]);
    await expectHealthy();
  });

  test('chunked upload without length works', async () => {
    const body = Buffer.concat([
      Buffer.from('--B\r\nContent-Disposition: form-data; name="files"; filename="chunked.png"\r\n\r\n'),
      Buffer.from(logo),
      Buffer.from('\r\n--B--\r\n'),
    ]);
    const result = await exchange(
      [
        `POST ${libraryPath(emulator, '/assets')} HTTP/1.1\r\nHost: x\r\n${authHeaders()}Content-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
        Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]),
      ],
      { keepOpenMs: 3000 },
    );

    expect(result.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(result.text).toContain('"name":"chunked"');
  });
});

describe('load', () => {
  test('many bad connections leave the server healthy', async () => {
    const attempts = Array.from({ length: 40 }, (_, index) =>
      exchange([index % 2 === 0 ? '\u0000\u0001\u0002garbage\r\n\r\n' : 'GET /me HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'], {
        keepOpenMs: 2000,
      }),
    );

    const results = await Promise.all(attempts);

    expect(results.every((result) => result.closedBy !== 'timeout')).toBe(true);
    await expectHealthy();
  });

  test('keep-alive connection serves several requests', async () => {
    const request = `GET /me HTTP/1.1\r\nHost: x\r\n${authHeaders()}\r\n`;
    const result = await exchange([request, request, `${request.slice(0, -2)}Connection: close\r\n\r\n`], {
      pauseMs: 50,
      keepOpenMs: 3000,
    });

    expect(result.text.match(/HTTP\/1\.1 200 /g)).toHaveLength(3);
  });
});

describe('unexpected failures', () => {
  test('storage failure gives 500 and the server goes on', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'emulator-broken-'));
    const entries: Array<{ status: number | string; error?: Error }> = [];
    const broken = await startEmulator({ dataDir: folder, onRequest: (entry) => entries.push(entry) });
    try {
      await rm(join(folder, 'files'), { recursive: true, force: true });

      const form = new FormData();
      form.append('files', new Blob([logo]), 'logo.png');
      const response = await raw(broken, 'POST', libraryPath(broken, '/assets'), { rawBody: form });

      expect(response.status).toBe(500);
      expect(response.json.error.code).toBe('INTERNAL_SERVER_ERROR');
      expect(entries.at(-1)?.error?.message).toMatch(/ENOENT/);
      expect(await readdir(join(folder, 'tmp'))).toEqual([]);
      expect((await raw(broken, 'GET', '/me')).status).toBe(200);
      expect((await raw(broken, 'GET', libraryPath(broken, '/assets'))).json.data).toEqual([]);

      await rm(join(folder, 'tmp'), { recursive: true, force: true });
      const noTemporaryFolder = await raw(broken, 'POST', libraryPath(broken, '/assets'), { rawBody: form });
      expect(noTemporaryFolder.status).toBe(500);
      expect(entries.at(-1)?.error?.message).toMatch(/ENOENT/);
      expect((await raw(broken, 'GET', '/me')).status).toBe(200);
    } finally {
      await broken.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('failed store leaves no file', async () => {
    // The file over 1 MiB fails to store at once, while the small one is still being written.
    // Nothing of the failed upload may stay in storage.
    const folder = await mkdtemp(join(tmpdir(), 'emulator-store-'));
    let smallStored: Promise<void> = Promise.resolve();
    const store = vi.spyOn(Persistence.prototype, 'storeBlob').mockImplementation(async function (this: Persistence, upload, assetId) {
      if (upload.tempPath !== null) {
        throw new Error('Storing the large file failed.');
      }
      // The small file is stored only after the failure, as a slow disk would.
      smallStored = new Promise((resolve) => setTimeout(resolve, 50)).then(() => originalStoreBlob.call(this, upload, assetId));
      return smallStored;
    });
    const emulator = await startEmulator({ dataDir: folder, maxFileSize: 4 * 1024 * 1024 });
    try {
      const large = new Uint8Array(1024 * 1024 + 1);
      large.set(logo);
      const form = new FormData();
      form.append('files', new Blob([logo]), 'logo.png');
      form.append('files', new Blob([large]), 'large.png');

      const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets'), { rawBody: form });

      expect(response.status).toBe(500);
      await smallStored;
      expect(await readdir(join(folder, 'files'))).toEqual([]);
      expect(await readdir(join(folder, 'tmp'))).toEqual([]);
    } finally {
      store.mockRestore();
      await emulator.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('request log hook', () => {
  test('throwing onRequest does not break requests', async () => {
    const errors: Error[] = [];
    const hooked = await startEmulator({
      onRequest: () => {
        throw new Error('log sink failed');
      },
      onError: (error) => errors.push(error),
    });
    try {
      const first = await raw(hooked, 'GET', '/me');
      const second = await raw(hooked, 'GET', '/me');

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(errors.map((error) => error.message)).toEqual(['log sink failed', 'log sink failed']);
    } finally {
      await hooked.stop();
    }
  });

  test('entries carry method, url, route and status', async () => {
    const entries: unknown[] = [];
    const hooked = await startEmulator({ onRequest: (entry) => entries.push(entry) });
    try {
      await raw(hooked, 'GET', `/organizations/${hooked.organizationId}/libraries?page=1`);
      await raw(hooked, 'GET', '/nowhere');

      expect(entries).toEqual([
        {
          method: 'GET',
          url: `/organizations/${hooked.organizationId}/libraries?page=1`,
          route: 'list-libraries',
          status: 200,
          durationMs: expect.any(Number),
        },
        { method: 'GET', url: '/nowhere', route: 'unknown', status: 404, durationMs: expect.any(Number) },
      ]);
    } finally {
      await hooked.stop();
    }
  });
});
