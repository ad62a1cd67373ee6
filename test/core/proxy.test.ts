import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { inspect } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { RasterClient, RasterNetworkError, RasterUsageError } from '@raster-toolkit/core';
import { createUndiciTransport, type UndiciTransport } from '@raster-toolkit/core/node';

import { startForwardProxy } from './support/forward-proxy';
import { sendData, startServer, type LoopbackServer } from './support/loopback-server';

const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;
const savedEnvironment = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const name of PROXY_VARIABLES) {
    if (savedEnvironment[name] === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = savedEnvironment[name];
    }
  }
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

async function setup(
  environment: Partial<Record<(typeof PROXY_VARIABLES)[number], string>>,
  options: Record<string, string> = {},
  credentials?: string,
  retry = {},
) {
  const proxy = await startForwardProxy(credentials);
  const api = await startServer((request, response) =>
    sendData(response, { organizationId: 'acme', organizationName: null, plan: null, libraries: [request.headers.host ?? ''] }),
  );
  cleanups.push(() => proxy.close(), () => api.close());

  for (const name of PROXY_VARIABLES) {
    delete process.env[name];
  }
  for (const [name, value] of Object.entries(environment)) {
    process.env[name] = value.replace('$PROXY', proxy.url).replace('$AUTHENTICATED_PROXY', proxy.url.replace('//', '//robot:s3cret@'));
  }

  const withProxy = Object.fromEntries(Object.entries(options).map(([name, value]) => [name, value.replace('$PROXY', proxy.url)]));
  const transport: UndiciTransport = createUndiciTransport(withProxy);
  cleanups.unshift(() => transport.close());
  const client = new RasterClient({ transport, apiKey: 'pk_proxySecret3', baseUrl: api.url, retry });
  return { proxy, api, client, transport };
}

function hostOf(server: LoopbackServer): string {
  return `127.0.0.1:${server.port}`;
}

/**
 * Starts a TCP server on 127.0.0.1 that calls `onData` with each connection's socket at its first
 * data, and counts the connections.
 */
async function startRawProxy(onData: (socket: Socket) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => onData(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, connections: () => connections };
}

describe('undici transport proxies', () => {
  it('sends through the proxy in HTTP_PROXY', async () => {
    const { proxy, api, client } = await setup({ HTTP_PROXY: '$PROXY' });

    const me = await client.me();

    expect(me.organizationId).toBe('acme');
    expect(proxy.targets).toEqual([hostOf(api)]);
    expect(api.requests).toBe(1);
  });

  it('reads the lower-case http_proxy too', async () => {
    const { proxy, api, client } = await setup({ http_proxy: '$PROXY' });

    await client.me();

    expect(proxy.targets).toEqual([hostOf(api)]);
  });

  it('connects directly to a host in NO_PROXY', async () => {
    const { proxy, api, client } = await setup({ HTTP_PROXY: '$PROXY', NO_PROXY: 'example.com, 127.0.0.1' });

    await client.me();

    expect(proxy.targets).toEqual([]);
    expect(api.requests).toBe(1);
  });

  it('matches NO_PROXY by host and port', async () => {
    const other = await setup({ HTTP_PROXY: '$PROXY', NO_PROXY: '127.0.0.1:1' });

    await other.client.me();

    expect(other.proxy.targets).toEqual([hostOf(other.api)]);
  });

  it('connects directly when NO_PROXY is *', async () => {
    const { proxy, client } = await setup({ HTTP_PROXY: '$PROXY', NO_PROXY: '*' });

    await client.me();

    expect(proxy.targets).toEqual([]);
  });

  it('connects directly without proxy variables', async () => {
    const { proxy, api, client } = await setup({});

    await client.me();

    expect(proxy.targets).toEqual([]);
    expect(api.requests).toBe(1);
  });

  it('uses a proxy from options', async () => {
    const { proxy, api, client } = await setup({}, { httpProxy: '$PROXY' });

    await client.me();

    expect(proxy.targets).toEqual([hostOf(api)]);
  });

  it('lets an empty option override HTTP_PROXY', async () => {
    const { proxy, api, client } = await setup({ HTTP_PROXY: '$PROXY' }, { httpProxy: '' });

    await client.me();

    expect(proxy.targets).toEqual([]);
    expect(api.requests).toBe(1);
  });

  it('lets options override the environment', async () => {
    const { proxy, client } = await setup({ HTTP_PROXY: '$PROXY' }, { noProxy: '127.0.0.1' });

    await client.me();

    expect(proxy.targets).toEqual([]);
  });

  const NOT_A_URL = 'it is not an http:, https:, socks5: or socks: URL.';
  const BARE_PERCENT = 'its user name or password has a % that does not start an escape.';
  const WITH_PATH = 'a proxy URL has no path, query or fragment.';

  it.each([
    [{ https_proxy: 'proxy.example:8080' }, {}, 'https_proxy', NOT_A_URL],
    [{ HTTP_PROXY: 'not a url' }, {}, 'HTTP_PROXY', NOT_A_URL],
    [{ HTTP_PROXY: 'http://127.0.0.1:1' }, { httpProxy: 'ftp://robot:s3cret@proxy.example' }, 'httpProxy', NOT_A_URL],
    [{ HTTPS_PROXY: 'http://robot:50%off-s3cret@127.0.0.1:1' }, {}, 'HTTPS_PROXY', BARE_PERCENT],
    [{ HTTPS_PROXY: 'http://127.0.0.1:8888/proxy' }, {}, 'HTTPS_PROXY', WITH_PATH],
    [{ HTTP_PROXY: 'http://127.0.0.1:8888?x=1' }, {}, 'HTTP_PROXY', WITH_PATH],
    [{}, { httpsProxy: 'http://robot:s3cret@127.0.0.1:8888/#f' }, 'httpsProxy', WITH_PATH],
  ])('rejects an invalid proxy URL (%o, %o)', (environment, options, name, problem) => {
    for (const variable of PROXY_VARIABLES) delete process.env[variable];
    Object.assign(process.env, environment);

    const create = () => createUndiciTransport(options);

    expect(create).toThrow(RasterUsageError);
    expect(create).toThrow(`Invalid ${name}: ${problem}`);
    const error = (() => {
      try {
        return create();
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toMatchObject({ parameter: name });
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('accepts %25 in the password', async () => {
    const { proxy, api } = await setup({});
    const transport = createUndiciTransport({ httpProxy: proxy.url.replace('//', '//robot:50%25off@') });
    cleanups.unshift(() => transport.close());

    await new RasterClient({ transport, apiKey: 'pk_proxySecret3', baseUrl: api.url }).me();

    expect(proxy.targets).toEqual([hostOf(api)]);
  });

  it('authenticates with credentials in the proxy URL', async () => {
    const { proxy, api, client } = await setup({ HTTP_PROXY: '$AUTHENTICATED_PROXY' }, {}, 'robot:s3cret');

    await client.me();

    expect(proxy.targets).toEqual([hostOf(api)]);
    expect(api.requests).toBe(1);
  });

  it('fails without leaking the proxy password', async () => {
    const { proxy, api, client } = await setup({ HTTP_PROXY: '$AUTHENTICATED_PROXY' }, {}, 'robot:other', { maxAttempts: 1 });

    const error = await client.me().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as Error).message).toContain(
      'failed before the request was sent: The proxy rejected the tunnel with 407 Proxy Authentication Required. ' +
        'Check the user name and password in the proxy URL. (RASTER_PROXY_REJECTED)',
    );
    expect(inspect(error, { depth: 10 })).not.toContain('s3cret');
    expect(api.requests).toBe(0);
    expect(proxy.targets).toEqual([hostOf(api)]);
  });

  it('names a rejected tunnel status', async () => {
    const { proxy, api } = await setup({ HTTP_PROXY: '$PROXY' });
    const transport = createUndiciTransport();
    cleanups.unshift(() => transport.close());
    // The test proxy opens tunnels only to 127.0.0.1.
    const client = new RasterClient({ transport, apiKey: 'pk_proxySecret3', baseUrl: `http://localhost:${api.port}`, retry: { maxAttempts: 1 } });

    const error = await client.me().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as Error).message).toContain('The proxy rejected the tunnel to the service with status 403.');
    expect(proxy.targets).toEqual([`localhost:${api.port}`]);
  });

  it('fails at once on rejected credentials', async () => {
    const { proxy, api, client } = await setup({ HTTP_PROXY: '$AUTHENTICATED_PROXY' }, {}, 'robot:other', { maxAttempts: 3 });

    const error = await client.me().catch((caught: unknown) => caught);

    // Sending again cannot make wrong credentials valid.
    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).attempts).toBe(1);
    expect(proxy.targets).toEqual([hostOf(api)]);
  });

  it('fails when the proxy closes the tunnel request', async () => {
    const proxy = await startRawProxy((socket) => socket.destroy());
    const api = await startServer((_request, response) => sendData(response, {}));
    cleanups.push(() => api.close());
    const transport = createUndiciTransport({ httpProxy: proxy.url });
    cleanups.unshift(() => transport.close());
    const client = new RasterClient({ transport, apiKey: 'pk_proxySecret3', baseUrl: api.url, retry: { maxAttempts: 2, baseDelayMs: 0 } });

    const error = await client.me().catch((caught: unknown) => caught);

    // undici 7.30 alone would connect again without end.
    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as Error).message).toContain('The proxy closed the connection before it responded to the tunnel request. (RASTER_PROXY_CLOSED)');
    expect(proxy.connections()).toBe(2);
    expect(api.requests).toBe(0);
  });

  it.each([
    [429, 2, '(RASTER_PROXY_429)'],
    [408, 2, '(RASTER_PROXY_408)'],
    [501, 1, '(RASTER_PROXY_REJECTED)'],
  ])('tries a tunnel rejected with %i %i times', async (status, attempts, code) => {
    const proxy = await startRawProxy((socket) => socket.end(`HTTP/1.1 ${status} Status\r\n\r\n`));
    const transport = createUndiciTransport({ httpProxy: proxy.url });
    cleanups.unshift(() => transport.close());
    const client = new RasterClient({ transport, apiKey: 'pk_proxySecret3', baseUrl: 'http://127.0.0.1:9', retry: { maxAttempts: 2, baseDelayMs: 0 } });

    const error = await client.me().catch((caught: unknown) => caught);

    expect((error as Error).message).toContain(`The proxy rejected the tunnel to the service with status ${status}. ${code}`);
    expect(proxy.connections()).toBe(attempts);
  });

  it('trusts the ca option for an https proxy', async () => {
    const fixtures = new URL('./fixtures/tls/', import.meta.url);
    const certificate = readFileSync(new URL('loopback-cert.pem', fixtures), 'utf8');
    const key = readFileSync(new URL('loopback-key.pem', fixtures), 'utf8');
    const targets: string[] = [];
    const proxy = createHttpsServer({ key, cert: certificate });
    proxy.on('connect', (request, clientSocket: Socket) => {
      targets.push(request.url ?? '');
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });
    const httpsProxy = `https://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const send = async (options: { ca?: string }) => {
      const transport = createUndiciTransport({ httpProxy: httpsProxy, ...options });
      cleanups.unshift(() => transport.close());
      const client = new RasterClient({ transport, apiKey: 'pk_proxySecret3', baseUrl: 'http://127.0.0.1:9', retry: { maxAttempts: 1 } });
      return client.me().then(() => new Error('The request succeeded.'), (caught: unknown) => caught as Error);
    };

    const trusted = await send({ ca: certificate });
    const untrusted = await send({});

    // With the certificate, TLS to the proxy succeeds and the proxy's own 403 comes back.
    expect(trusted.message).toContain('with status 403');
    expect(untrusted.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(targets).toEqual(['127.0.0.1:9']);
  });

  it('retries a library creation the proxy could not deliver', async () => {
    const { proxy, api, transport } = await setup({ HTTP_PROXY: '$PROXY' });
    const client = new RasterClient({ transport, apiKey: 'pk_proxySecret3', organizationId: 'acme', baseUrl: api.url, retry: { maxAttempts: 2, baseDelayMs: 0 } });
    await api.close();

    const error = await client.createLibrary({ name: 'New' }).catch((caught: unknown) => caught);

    // The proxy returned 502, so the request never reached the service and is sent again.
    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as Error).message).toContain('The proxy rejected the tunnel to the service with status 502.');
    expect((error as RasterNetworkError).ambiguous).toBe(false);
    expect(proxy.targets).toEqual([hostOf(api), hostOf(api)]);
  });
});
