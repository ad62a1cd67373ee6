import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { RasterClient, RasterNetworkError } from '@raster-toolkit/core';
import { createUndiciTransport, type UndiciTransportOptions } from '@raster-toolkit/core/node';

import { asset, bytesPart, fakeClock } from './support/fake-transport';
import { startForwardProxy } from './support/forward-proxy';
import { readRequestBody, sendData } from './support/loopback-server';

const API_KEY = 'pk_httpsSecret4242';
const fixtures = new URL('./fixtures/tls/', import.meta.url);
const certificate = readFileSync(new URL('loopback-cert.pem', fixtures), 'utf8');
const privateKey = readFileSync(new URL('loopback-key.pem', fixtures), 'utf8');

const cleanups: Array<() => Promise<void>> = [];
const savedProxy = { HTTPS_PROXY: process.env.HTTPS_PROXY, https_proxy: process.env.https_proxy };

afterEach(async () => {
  for (const [name, value] of Object.entries(savedProxy)) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

async function startHttpsServer(
  handler: (request: IncomingMessage, response: ServerResponse, index: number) => void | Promise<void>,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: certificate, key: privateKey }, (request, response) => {
    requests += 1;
    void handler(request, response, requests - 1);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const { port } = server.address() as { port: number };
  return { url: `https://127.0.0.1:${port}`, requests: () => requests };
}

function clientFor(url: string, options: UndiciTransportOptions = {}, retry = {}) {
  const transport = createUndiciTransport(options);
  cleanups.unshift(() => transport.close());
  const clock = fakeClock();
  const client = new RasterClient({
    transport,
    apiKey: API_KEY,
    organizationId: 'acme',
    baseUrl: url,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    retry,
  });
  return { client, clock };
}

describe('undici transport over HTTPS', () => {
  it('trusts a private CA given in ca', async () => {
    const server = await startHttpsServer((request, response) => {
      sendData(response, [{ id: 'photos', name: request.headers.authorization === `Bearer ${API_KEY}` ? 'authorized' : 'no key' }]);
    });
    const { client } = clientFor(server.url, { ca: certificate });

    const libraries = await client.listLibraries();

    expect(libraries.map((library) => library.name)).toEqual(['authorized']);
  });

  it('rejects an untrusted certificate before sending', async () => {
    const server = await startHttpsServer((_request, response) => sendData(response, []));
    const { client } = clientFor(server.url, {}, { maxAttempts: 1 });

    const error = await client.uploadAssets('photos', [bytesPart('a.png', 'x')]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect((error as RasterNetworkError).ambiguous).toBe(false);
    expect(server.requests()).toBe(0);
  });

  it('times out a TLS handshake that never completes', async () => {
    const silent = new Set<Socket>();
    const tcp = createTcpServer((socket) => {
      silent.add(socket);
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of silent) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    });
    const { port } = tcp.address() as { port: number };
    const { client, clock } = clientFor(`https://127.0.0.1:${port}`, { connectTimeoutMs: 200 }, { maxAttempts: 2 });

    const error = await client.uploadAssets('photos', [bytesPart('a.png', 'x')]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).code).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect((error as RasterNetworkError).ambiguous).toBe(false);
    expect(silent.size).toBe(2);
    expect(clock.waits).toEqual([250]);
  });

  it('reports a reset after the whole upload as ambiguous', async () => {
    const server = await startHttpsServer(async (request) => {
      await readRequestBody(request);
      request.socket.destroy();
    });
    const { client, clock } = clientFor(server.url, { ca: certificate });

    const error = await client.uploadAssets('photos', [bytesPart('a.png', 'x'.repeat(100_000))]).catch((caught: unknown) => caught);

    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect(server.requests()).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it('tunnels through HTTPS_PROXY without exposing the key', async () => {
    const proxy = await startForwardProxy();
    cleanups.push(() => proxy.close());
    const server = await startHttpsServer(async (request, response) => {
      await readRequestBody(request);
      sendData(response, { responseText: 'Uploaded 1 assets', assets: [asset('u1')] }, 201);
    });
    process.env.HTTPS_PROXY = proxy.url;
    const { client } = clientFor(server.url, { ca: certificate });

    const result = await client.uploadAssets('photos', [bytesPart('tunnelled.png', 'image bytes')]);

    expect(result.assets[0]?.id).toBe('u1');
    expect(proxy.targets).toEqual([new URL(server.url).host]);
    expect(proxy.tunnelledText().length).toBeGreaterThan(0);
    expect(proxy.tunnelledText()).not.toContain(API_KEY);
    expect(proxy.tunnelledText()).not.toContain('tunnelled.png');
  });
});
