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
