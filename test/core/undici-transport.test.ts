import { createHash, randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { RasterApiError, RasterClient, RasterNetworkError, RasterUsageError, type FilePart } from '@raster-toolkit/core';
import { TOOLKIT_USER_AGENT, createUndiciTransport, type UndiciTransport } from '@raster-toolkit/core/node';

import { asset, fakeClock } from './support/fake-transport';
import { readRequestBody, sendData, startServer, type LoopbackServer } from './support/loopback-server';

const API_KEY = 'pk_transportSecret5';
const MiB = 1024 * 1024;

let folder: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'raster-transport-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<LoopbackServer> {
  const server = await startServer(handler);
  cleanups.push(() => server.close());
  return server;
}

function transport(options: Parameters<typeof createUndiciTransport>[0] = {}): UndiciTransport {
  const created = createUndiciTransport(options);
  cleanups.push(() => created.close());
  return created;
}

function clientFor(server: LoopbackServer, sending: UndiciTransport, extra: Partial<ConstructorParameters<typeof RasterClient>[0]> = {}) {
  const clock = fakeClock();
  const client = new RasterClient({
    transport: sending,
    apiKey: API_KEY,
    organizationId: 'acme',
    baseUrl: server.url,
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    ...extra,
  });
  return { client, clock };
}

async function fileOf(name: string, bytes: Uint8Array): Promise<FilePart> {
  const path = join(folder, name);
  await writeFile(path, bytes);
  return { filename: name, contentType: 'image/png', size: bytes.byteLength, source: { kind: 'path', path } };
}

/** Creates a file of `size` zero bytes that takes no disk space. */
async function sparseFile(name: string, size: number): Promise<FilePart> {
  const path = join(folder, name);
  const handle = await open(path, 'w');
  await handle.truncate(size);
  await handle.close();
  return { filename: name, contentType: 'image/png', size, source: { kind: 'path', path } };
}

/** Splits a multipart body into the header text and content bytes of each part. */
function splitParts(body: Buffer, contentType: string): Array<{ head: string; content: Buffer }> {
  const boundary = Buffer.from(`--${/boundary=(.+)$/.exec(contentType)?.[1] ?? ''}`);
  const parts: Array<{ head: string; content: Buffer }> = [];
  let start = body.indexOf(boundary);

  while (start !== -1) {
    const next = body.indexOf(boundary, start + boundary.length);
    if (next === -1) {
      break;
    }
    const section = body.subarray(start + boundary.length + 2, next - 2);
    const headEnd = section.indexOf('\r\n\r\n');
    parts.push({ head: section.subarray(0, headEnd).toString('utf8'), content: section.subarray(headEnd + 4) });
    start = next;
  }
  return parts;
}

/** Reads the request headers, then destroys the socket without reading the body. */
function destroyOnHeaders(request: IncomingMessage): void {
  request.socket.destroy();
}

describe('undici transport uploads', () => {
  it('streams files from disk as parts named files', async () => {
    const first = await fileOf('first.png', randomBytes(3 * MiB + 17));
    const second = await fileOf('zweite größe.png', randomBytes(1000));
    let received: Array<{ head: string; content: Buffer }> = [];
    let contentLength = '';
    const server = await serve(async (request, response) => {
      const body = await readRequestBody(request);
      contentLength = request.headers['content-length'] ?? '';
      expect(body.byteLength).toBe(Number(contentLength));
      received = splitParts(body, request.headers['content-type'] ?? '');
      sendData(response, { responseText: 'Uploaded 2 assets', assets: [asset('u1'), asset('u2')] }, 201);
    });
    const { client } = clientFor(server, transport());

    const result = await client.uploadAssets('photos', [first, second]);

    expect(result.assets.map((item) => item.id)).toEqual(['u1', 'u2']);
    expect(received).toHaveLength(2);
    expect(received[0]!.head).toBe(
      'Content-Disposition: form-data; name="files"; filename="first.png"\r\nContent-Type: image/png',
    );
    expect(received[1]!.head).toContain('name="files"; filename="zweite größe.png"');
    const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(digest(received[0]!.content)).toBe(digest(await import('node:fs/promises').then((fs) => fs.readFile((first.source as { path: string }).path))));
    expect(received[1]!.content.byteLength).toBe(1000);
  });

  it('sends whole-read and chunked parts intact', async () => {
    // Parts up to 256 KiB are read with one call, and larger ones in 16 KiB chunks.
    const sizes = [1, 1000, 256 * 1024, 256 * 1024 + 1, 16 * 1024 * 20, MiB + 5];
    const parts = await Promise.all(sizes.map((size, index) => fileOf(`part-${index}.png`, randomBytes(size))));
    let received: Array<{ head: string; content: Buffer }> = [];
    const server = await serve(async (request, response) => {
      received = splitParts(await readRequestBody(request), request.headers['content-type'] ?? '');
      sendData(response, { responseText: 'Uploaded', assets: parts.map((_, index) => asset(`u${index}`)) }, 201);
    });
    const { client } = clientFor(server, transport());

    await client.uploadAssets('photos', parts);

    const fs = await import('node:fs/promises');
    const expected = await Promise.all(parts.map((part) => fs.readFile((part.source as { path: string }).path)));
    expect(received.map((part) => part.content.byteLength)).toEqual(sizes);
    expect(received.map((part, index) => part.content.equals(expected[index]!))).toEqual(sizes.map(() => true));
  });

  it('keeps memory flat while uploading a large file', async () => {
    const size = 256 * MiB;
    const large = await sparseFile('large.png', size);
    let receivedBytes = 0;
    const server = await serve(async (request, response) => {
      for await (const chunk of request) {
        receivedBytes += (chunk as Buffer).byteLength;
      }
      sendData(response, { responseText: 'Uploaded 1 assets', assets: [asset('big')] }, 201);
    });
    const { client } = clientFor(server, transport());
    // A first upload loads and compiles the code on the path, which costs memory once.
    await client.uploadAssets('photos', [await sparseFile('warm-up.png', 16 * MiB)]);
    receivedBytes = 0;

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      await client.uploadAssets('photos', [large]);
    } finally {
      clearInterval(sampler);
    }

    expect(receivedBytes).toBeGreaterThan(size);
    // Reading the file into memory would add at least 256 MiB; streaming stays far below.
    expect(peak - before).toBeLessThan(96 * MiB);
  });

  it('aborts an upload while streaming', async () => {
    const part = await sparseFile('aborted.png', 128 * MiB);
    let serverSawAbort = false;
    const server = await serve((request) => {
      request.resume();
      request.socket.on('close', () => {
        serverSawAbort = !request.complete;
      });
    });
    const { client } = clientFor(server, transport());
    const controller = new AbortController();
    const reason = new Error('upload cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();

    await expect(client.uploadAssets('photos', [part], { signal: controller.signal })).rejects.toBe(reason);

    expect(Date.now() - started).toBeLessThan(5000);
    await expect.poll(() => serverSawAbort, { timeout: 2000 }).toBe(true);
    expect(server.requests).toBe(1);
  });

  it('reads an early 413 sent before the body', async () => {
    const part = await sparseFile('too-large.png', 64 * MiB);
    const server = await serve((_request, response) => {
      response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      response.end(JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'too-large.png is over 100 MiB' } }));
    });
    const { client } = clientFor(server, transport());

    const error = await client.uploadAssets('photos', [part]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterApiError);
    expect((error as RasterApiError).code).toBe('PAYLOAD_TOO_LARGE');
    expect(server.requests).toBe(1);
  });

  it('reports a connection broken after the whole body as ambiguous', async () => {
    const part = await fileOf('stored-maybe.png', randomBytes(512 * 1024));
    let bodyBytes = 0;
    const server = await serve(async (request) => {
      bodyBytes = (await readRequestBody(request)).byteLength;
      request.socket.destroy();
    });
    const { client, clock } = clientFor(server, transport());

    const error = await client.uploadAssets('photos', [part]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect((error as RasterNetworkError).method).toBe('POST');
    expect((error as RasterNetworkError).path).toBe('/organizations/acme/libraries/photos/assets');
    expect(bodyBytes).toBeGreaterThan(512 * 1024);
    expect(server.requests).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it('retries an upload whose body was cut off', async () => {
    const part = await sparseFile('cut-off.png', 64 * MiB);
    const server = await serve(async (request, response, index) => {
      if (index === 0) {
        destroyOnHeaders(request);
        return;
      }
      await readRequestBody(request);
      sendData(response, { responseText: 'Uploaded 1 assets', assets: [asset('u1')] }, 201);
    });
    const retries: string[] = [];
    const { client } = clientFor(server, transport(), { onRetry: (info) => retries.push(info.reason) });

    const result = await client.uploadAssets('photos', [part]);

    expect(result.assets[0]?.id).toBe('u1');
    expect(server.requests).toBe(2);
    expect(retries).toHaveLength(1);
  });

  it('retries an upload after a refused connection', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const part = await fileOf('refused.png', randomBytes(100));
    const { client, clock } = clientFor(closed, transport(), { retry: { maxAttempts: 2 } });

    const error = await client.uploadAssets('photos', [part]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).code).toBe('ECONNREFUSED');
    expect((error as RasterNetworkError).ambiguous).toBe(false);
    expect(clock.waits).toEqual([250]);
  });

  it('reports a JSON write broken after its body as ambiguous', async () => {
    let received = '';
    const server = await serve(async (request) => {
      received = (await readRequestBody(request)).toString('utf8');
      request.socket.destroy();
    });
    const { client, clock } = clientFor(server, transport());

    const error = await client.transferAssets('photos', 'archive', ['a1']).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect(JSON.parse(received)).toEqual({ targetLibraryId: 'archive', assetIds: ['a1'] });
    expect(server.requests).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it('retries an idempotent JSON write broken after its body', async () => {
    const server = await serve(async (request, response, index) => {
      await readRequestBody(request);
      if (index === 0) {
        request.socket.destroy();
        return;
      }
      sendData(response, { success: true, message: 'Moved 1 assets to trash', ids: ['a1'] });
    });
    const { client } = clientFor(server, transport());

    const result = await client.deleteAssets('photos', ['a1']);

    expect(result.ids).toEqual(['a1']);
    expect(server.requests).toBe(2);
  });

  it('retries a library creation after a refused connection', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const { client, clock } = clientFor(closed, transport(), { retry: { maxAttempts: 3 } });

    const error = await client.createLibrary({ name: 'New' }).catch((caught: unknown) => caught);

    expect((error as RasterNetworkError).code).toBe('ECONNREFUSED');
    expect((error as RasterNetworkError).ambiguous).toBe(false);
    expect(clock.waits).toEqual([250, 500]);
  });

  it('retries JSON writes when closed', async () => {
    const server = await serve((_request, response) => sendData(response, {}));
    const closed = createUndiciTransport();
    await closed.close();
    const { client, clock } = clientFor(server, closed, { retry: { maxAttempts: 2 } });

    const error = await client.transferAssets('photos', 'archive', ['a1']).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).ambiguous).toBe(false);
    expect(clock.waits).toEqual([250]);
    expect(server.requests).toBe(0);
  });

  it('rejects a file whose size changed', async () => {
    const part = await fileOf('changed.png', randomBytes(100));
    const server = await serve((_request, response) => sendData(response, {}));
    const { client } = clientFor(server, transport());

    const error = await client.uploadAssets('photos', [{ ...part, size: 99 }]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterUsageError);
    expect((error as Error).message).toBe(
      `Invalid files[0].size: 99, but ${(part.source as { path: string }).path} has 100 bytes. Pass the current size.`,
    );
    expect(server.requests).toBe(0);
  });

  it('reports the first wrong part', async () => {
    const good = await fileOf('good.png', randomBytes(10));
    const changed = await fileOf('changed.png', randomBytes(100));
    const missing: FilePart = { filename: 'missing.png', contentType: 'image/png', size: 1, source: { kind: 'path', path: join(folder, 'gone.png') } };
    const server = await serve((_request, response) => sendData(response, {}));
    const { client } = clientFor(server, transport());

    const error = await client.uploadAssets('photos', [good, { ...changed, size: 99 }, missing]).catch((caught: unknown) => caught);

    expect((error as RasterUsageError).parameter).toBe('files[1].size');
    expect(server.requests).toBe(0);
  });

  it('rejects a part whose bytes changed', async () => {
    const part = await fileOf('changed.png', randomBytes(300 * 1024));
    const server = await serve(async (request, response) => {
      await readRequestBody(request).catch(() => undefined);
      sendData(response, {});
    });
    const { client } = clientFor(server, transport());

    const error = await client.uploadAssets('photos', [{ ...part, sha256: 'a'.repeat(64) }]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterUsageError);
    expect((error as RasterUsageError).parameter).toBe('files[0].sha256');
    expect(server.requests).toBeLessThanOrEqual(1);
  });

  it('rejects a folder as a file', async () => {
    const server = await serve((_request, response) => sendData(response, {}));
    const { client } = clientFor(server, transport());

    const error = await client
      .uploadAssets('photos', [{ filename: 'folder.png', contentType: 'image/png', size: 0, source: { kind: 'path', path: folder } }])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterUsageError);
    expect((error as Error).message).toBe(`Invalid files[0].source: ${folder} is not a regular file. Pass a file, not a folder or device.`);
    expect(server.requests).toBe(0);
  });

  it('rejects a missing file', async () => {
    const server = await serve((_request, response) => sendData(response, {}));
    const { client } = clientFor(server, transport());
    const path = join(folder, 'missing.png');

    const error = await client
      .uploadAssets('photos', [{ filename: 'missing.png', contentType: 'image/png', size: 1, source: { kind: 'path', path } }])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterUsageError);
    expect((error as Error).message).toContain(`${path} cannot be read (ENOENT)`);
    expect(server.requests).toBe(0);
  });
});

describe('undici transport requests', () => {
  it('sends the toolkit User-Agent', async () => {
    let userAgent: string | undefined;
    const server = await serve((request, response) => {
      userAgent = request.headers['user-agent'];
      sendData(response, []);
    });
    const { client } = clientFor(server, transport());

    await client.listLibraries();

    expect(userAgent).toBe(TOOLKIT_USER_AGENT);
    expect(TOOLKIT_USER_AGENT).toMatch(/^raster-toolkit\/\d+\.\d+\.\d+/);
  });

  it('reuses kept-alive connections', async () => {
    const server = await serve((_request, response) => sendData(response, []));
    const { client } = clientFor(server, transport());

    for (let index = 0; index < 10; index += 1) {
      await client.listLibraries();
    }

    expect(server.requests).toBe(10);
    // undici 7 can open a second socket when a request follows the previous response before the
    // first socket is marked idle. After that, both sockets are reused.
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  it('bounds the connections per origin', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await serve(async (_request, response) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight -= 1;
      sendData(response, []);
    });
    const { client } = clientFor(server, transport({ connections: 2 }));

    await Promise.all(Array.from({ length: 8 }, () => client.listLibraries()));

    expect(server.requests).toBe(8);
    expect(server.connections).toBeLessThanOrEqual(2);
    expect(maxInFlight).toBe(2);
  });

  it('does not follow redirects', async () => {
    let redirectedRequests = 0;
    const elsewhere = await serve((_request, response) => {
      redirectedRequests += 1;
      sendData(response, []);
    });
    const server = await serve((_request, response) => {
      response.writeHead(302, { location: `${elsewhere.url}/organizations/acme/libraries` });
      response.end();
    });
    const { client } = clientFor(server, transport());

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterApiError);
    expect((error as RasterApiError).status).toBe(302);
    expect((error as RasterApiError).code).toBe('HTTP_302');
    expect(redirectedRequests).toBe(0);
  });

  it('reads Retry-After from a real response', async () => {
    const server = await serve((_request, response, index) => {
      if (index === 0) {
        response.writeHead(429, { 'content-type': 'application/json', 'Retry-After': '3' });
        response.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Slow down' } }));
        return;
      }
      sendData(response, []);
    });
    const { client, clock } = clientFor(server, transport());

    await client.listLibraries();

    expect(server.requests).toBe(2);
    expect(clock.waits).toEqual([3000]);
  });

  it('times out waiting for response headers', async () => {
    const server = await serve(() => undefined);
    const { client, clock } = clientFor(server, transport({ headersTimeoutMs: 200 }), { retry: { maxAttempts: 2 } });

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(server.requests).toBe(2);
    expect(clock.waits).toEqual([250]);
  });

  it('times out a stalled response body', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data":');
    });
    const { client } = clientFor(server, transport({ bodyTimeoutMs: 200 }), { retry: { maxAttempts: 1 } });

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).code).toBe('UND_ERR_BODY_TIMEOUT');
    expect((error as RasterNetworkError).ambiguous).toBe(true);
  });

  it('aborts a request in flight', async () => {
    const server = await serve(() => undefined);
    const { client } = clientFor(server, transport());
    const controller = new AbortController();
    const reason = new Error('stopped');
    setTimeout(() => controller.abort(reason), 50);

    await expect(client.listLibraries({ signal: controller.signal })).rejects.toBe(reason);
    expect(server.requests).toBe(1);
  });

  it('rejects a request aborted early', async () => {
    const server = await serve((_request, response) => sendData(response, []));
    const controller = new AbortController();
    const reason = new Error('stopped');
    controller.abort(reason);

    await expect(transport().send({ method: 'GET', url: server.url, headers: {}, signal: controller.signal })).rejects.toBe(reason);
    expect(server.requests).toBe(0);
    expect(server.connections).toBe(0);
  });

  it('removes abort listeners after requests', async () => {
    const server = await serve((request, response) => {
      if (request.url === '/reset') {
        request.socket.destroy();
        return;
      }
      if (request.url === '/stall') {
        return;
      }
      sendData(response, [], request.url === '/missing' ? 404 : 200);
    });
    const sending = transport();
    const shared = new AbortController();

    await Promise.all(Array.from({ length: 20 }, () => sending.send({ method: 'GET', url: server.url, headers: {}, signal: shared.signal })));
    await sending.send({ method: 'GET', url: `${server.url}/missing`, headers: {}, signal: shared.signal });
    await expect(sending.send({ method: 'GET', url: `${server.url}/reset`, headers: {}, signal: shared.signal })).rejects.toBeInstanceOf(RasterNetworkError);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);

    const stopping = new AbortController();
    const stalled = sending.send({ method: 'GET', url: `${server.url}/stall`, headers: {}, signal: stopping.signal });
    setTimeout(() => stopping.abort(new Error('stopped')), 50);
    await expect(stalled).rejects.toThrow('stopped');
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(0);
  });

  it('aborts a queued request', async () => {
    const server = await serve(() => undefined);
    const sending = transport({ connections: 1 });
    const first = new AbortController();
    const stalled = sending.send({ method: 'GET', url: `${server.url}/stall`, headers: {}, signal: first.signal }).catch((caught: unknown) => caught);
    const waiting = new AbortController();
    const reason = new Error('stopped');

    const queued = sending.send({ method: 'GET', url: server.url, headers: {}, signal: waiting.signal });
    setTimeout(() => waiting.abort(reason), 50);

    // The first request never gets a response, so the second settles only if the abort ends it.
    await expect(queued).rejects.toBe(reason);
    expect(server.requests).toBe(1);
    first.abort(new Error('done'));
    await stalled;
  });

  it('removes abort listener on throw', async () => {
    const agent = new Agent();
    const throwing = agent.compose(() => () => {
      throw new Error('interceptor failed');
    });
    const server = await serve((_request, response) => sendData(response, []));
    const controller = new AbortController();

    const error = await transport({ dispatcher: throwing }).send({ method: 'GET', url: server.url, headers: {}, signal: controller.signal }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('joins repeated response headers', async () => {
    const server = await serve((_request, response) => {
      response.setHeader('X-Trace', ['a', 'b']);
      response.end('ok');
    });

    const response = await transport().send({ method: 'GET', url: server.url, headers: {} });

    expect(response.headers['x-trace']).toBe('a, b');
    expect(response.text).toBe('ok');
  });

  it('skips an informational response', async () => {
    const server = await serve((_request, response) => {
      response.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      sendData(response, []);
    });

    const response = await transport().send({ method: 'GET', url: server.url, headers: {} });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ data: [] });
  });

  it('drops a byte order mark', async () => {
    const server = await serve((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":[]}')]));
    });

    const response = await transport().send({ method: 'GET', url: server.url, headers: {} });

    expect(response.text).toBe('{"data":[]}');
  });

  it('rejects invalid pool options', () => {
    expect(() => createUndiciTransport({ connections: 0 })).toThrow('Invalid connections: 0. Pass an integer of at least 1.');
  });
});

describe('plain HTTP', () => {
  it.each(['http://127.0.0.1:9/x', 'http://127.8.9.10/x', 'http://localhost:8080/x', 'http://[::1]:8080/x'])(
    'is allowed for loopback %s',
    (url) => {
      expect(() => new RasterClient({ transport: transport(), apiKey: API_KEY, baseUrl: new URL(url).origin })).not.toThrow();
    },
  );

  it.each(['http://api.raster.app', 'http://10.0.0.8:8080', 'http://128.0.0.1', 'http://localhost.example.com'])(
    'is rejected for %s',
    async (baseUrl) => {
      expect(() => new RasterClient({ transport: transport(), apiKey: API_KEY, baseUrl })).toThrow(RasterUsageError);
      expect(() => new RasterClient({ transport: transport(), apiKey: API_KEY, baseUrl })).toThrow(
        /uses plain http:\/\/ to a host that is not loopback, which would send the API key unencrypted\. Use https:\/\//,
      );

      const error = await transport()
        .send({ method: 'GET', url: `${baseUrl}/me`, headers: { authorization: `Bearer ${API_KEY}` } })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RasterUsageError);
      expect((error as Error).message).toContain(new URL(baseUrl).origin);
    },
  );

  it('rejects other schemes', () => {
    expect(() => new RasterClient({ transport: transport(), apiKey: API_KEY, baseUrl: 'ftp://api.raster.app' })).toThrow(
      'Invalid baseUrl: ftp://api.raster.app. Pass an https:// URL.',
    );
  });
});
