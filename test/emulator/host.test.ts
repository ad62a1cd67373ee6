import { request as httpRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { startEmulator } from '@raster-toolkit/emulator';
import { raw } from './helpers';

describe('startEmulator host', () => {
  test('defaults to 127.0.0.1 and a free port', async () => {
    const emulator = await startEmulator();
    try {
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Number(new URL(emulator.url).port)).toBeGreaterThan(0);
    } finally {
      await emulator.stop();
    }
  });

  test('binds IPv6 loopback with a bracketed url', async () => {
    const emulator = await startEmulator({ host: '::1' });
    try {
      expect(emulator.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await raw(emulator, 'GET', '/me')).status).toBe(200);
    } finally {
      await emulator.stop();
    }
  });

  test('asset urls use the emulator host and port', async () => {
    const emulator = await startEmulator({ host: 'localhost' });
    try {
      const form = new FormData();
      form.append('files', new Blob([new TextEncoder().encode('<svg width="2" height="2"/>')]), 'dot.svg');
      const response = await raw(emulator, 'POST', `/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets`, {
        rawBody: form,
      });
      expect(response.json.data.assets[0].url.startsWith(`${emulator.url}/files/`)).toBe(true);
      expect(emulator.url).toMatch(/^http:\/\/localhost:\d+$/);
    } finally {
      await emulator.stop();
    }
  });

  test('non-loopback host is refused', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      await expect(startEmulator({ host }), host).rejects.toThrow(/not a loopback address/);
    }
  });

  test('stop is idempotent', async () => {
    const emulator = await startEmulator();

    await emulator.stop();
    await emulator.stop();

    await expect(fetch(`${emulator.url}/me`)).rejects.toThrow();
  });
});

describe('startEmulator options', () => {
  test('seed fixes ids and keys', async () => {
    const seed = { organizationId: 'fixed-org', libraryId: 'fixed-library', writeKey: 'pk_FixedWrite1', readKey: 'pk_FixedRead1' };
    const emulator = await startEmulator({ seed });
    try {
      expect(emulator).toMatchObject(seed);
      const me = await raw(emulator, 'GET', '/me', { key: 'pk_FixedRead1' });
      expect(me.json.data).toMatchObject({ organizationId: 'fixed-org', libraries: ['fixed-library'] });
    } finally {
      await emulator.stop();
    }
  });

  test('invalid settings are rejected', async () => {
    await expect(startEmulator({ listingLagMs: -1 })).rejects.toThrow(/listingLagMs/);
    await expect(startEmulator({ maxFileSize: 0.5 })).rejects.toThrow(/maxFileSize/);
    await expect(startEmulator({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).rejects.toThrow(/headersTimeoutMs/);
  });

  test('stop cuts uploads in flight and cleans up', async () => {
    const emulator = await startEmulator();
    const folders = async () => (await readdir(tmpdir())).filter((name) => name.startsWith(`raster-emulator-${process.pid}-`));
    const failed = new Promise<string>((resolve) => {
      const request = httpRequest(`${emulator.url}/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets`, {
        method: 'POST',
        headers: {
          'Api-Version': '2026-05-20',
          Authorization: `Bearer ${emulator.writeKey}`,
          'Content-Type': 'multipart/form-data; boundary=B',
          'Content-Length': 1_000_000,
        },
      });
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      request.write('--B\r\nContent-Disposition: form-data; name="files"; filename="slow.png"\r\n\r\n\u0089PNG');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await emulator.stop();

    expect(Date.now() - started).toBeLessThan(2000);
    expect(await failed).toMatch(/ECONNRESET|EPIPE/);
    expect(await folders()).toEqual([]);
  });
});
