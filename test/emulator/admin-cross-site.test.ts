/**
 * Administration requests that a web page can send to a loopback port: an HTML form post, which
 * needs no CORS preflight, and requests through a host name that resolves to loopback (DNS
 * rebinding). The routes take no key, so a page open while the emulator runs must not be able to
 * wipe its library or read its keys.
 */
import { request } from 'node:http';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';

import { imageBytes, libraryPath, raw, upload } from './helpers';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.stop();
});

/** Sends one request with exactly `headers`, Host included, which `fetch` would not allow. */
function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${emulator.url}${path}`, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function assetCount(): Promise<number> {
  const listed = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
  return (listed.json.data as unknown[]).length;
}

describe('admin routes from a web page', () => {
  test('form post keeps the assets', async () => {
    const stored = await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    expect(stored.status).toBe(200);

    const response = await send('POST', '/_emulator/reset', {
      origin: 'https://attacker.example',
      'content-type': 'application/x-www-form-urlencoded',
    }, 'x=1');

    expect(response.status).toBe(403);
    expect(response.text).toContain('Origin: https://attacker.example');
    expect(await assetCount()).toBe(1);
  });

  test('cross-site fetch metadata is refused', async () => {
    const response = await send('DELETE', '/_emulator/faults', { 'sec-fetch-site': 'cross-site' });

    expect(response.status).toBe(403);
    expect(response.text).toContain('Sec-Fetch-Site: cross-site');
  });

  test('host name does not read the keys', async () => {
    const port = new URL(emulator.url).port;
    const response = await send('GET', '/_emulator/info', { host: `rebound.example:${port}` });

    expect(response.status).toBe(403);
    expect(response.text).toContain(`the Host header \\"rebound.example:${port}\\" is a host name`);
    expect(response.text).not.toContain(emulator.writeKey);
  });

  test('same-origin page and localhost are served', async () => {
    const port = new URL(emulator.url).port;
    const page = await send('GET', '/_emulator/info', {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
      'sec-fetch-site': 'same-origin',
    });
    const address = await send('GET', '/_emulator/info', { host: `127.0.0.1:${port}` });

    expect(page.status).toBe(200);
    expect(address.status).toBe(200);
    expect(address.text).toContain(emulator.writeKey);
  });
});
