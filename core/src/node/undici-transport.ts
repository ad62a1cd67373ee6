/**
 * The Node transport: undici with a bounded keep-alive pool per origin, proxies from
 * `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, timeouts, and upload bodies streamed from disk.
 */

import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

import type { Client, Dispatcher } from 'undici';
// undici's main module also loads fetch, WebSocket, the cache and the mocks. Loading it made the
// CLI's first request come at 136 instead of 115 ms, and bundling it made the CLI's bundle 690
// instead of 450 kB, which Node parses on every start. The transport imports the modules it uses.
// NOTE: these paths are undici's internal layout. A release that moves them fails the bundle build.
import Agent from 'undici/lib/dispatcher/agent.js';

import { checkSecureUrl } from '../api/validate';
import { RasterNetworkError, RasterUsageError } from '../errors';
import { PROXY_REJECTED_CODE, RETRYABLE_STATUSES } from '../retry';
import type { HttpRequest, HttpResponse, RequestBody, Transport } from '../transport';
import corePackage from '../../package.json' with { type: 'json' };
import { createMultipartBody } from './multipart';

/** Name and version of the toolkit, the end of every `User-Agent` it sends. */
export const TOOLKIT_USER_AGENT = `raster-toolkit/${corePackage.version}`;

export interface UndiciTransportOptions {
  /** Connections kept open per origin (and per proxy); 8 by default. */
  connections?: number;
  /** Time to open a connection, TLS included, in milliseconds; 10,000 by default. */
  connectTimeoutMs?: number;
  /**
   * Time allowed from the end of the request to the response headers, in milliseconds;
   * 120,000 by default, because the service validates a whole upload before it responds.
   * undici 7 restarts this timer while a slow body is written, so long uploads do not hit it.
   */
  headersTimeoutMs?: number;
  /** Maximum pause between two chunks of a response body, in milliseconds; 60,000 by default. */
  bodyTimeoutMs?: number;
  /** How long an idle connection stays open for reuse, in milliseconds; 4,000 by default. */
  keepAliveTimeoutMs?: number;
  /** Product of the program using the toolkit, such as `raster-sync/1.2.0`; put before the toolkit's own. */
  userAgent?: string;
  /** Proxy URLs and exclusions; each one defaults to its environment variable. */
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
  /**
   * Certificate authorities to trust in PEM, replacing Node's bundled ones, for a service or
   * proxy behind a private CA. `NODE_EXTRA_CA_CERTS` adds to the bundled ones instead.
   */
  ca?: string | string[];
  /**
   * A dispatcher to use instead of the proxy-aware pool, such as undici's `MockAgent` in tests.
   * NOTE: `MockAgent` never reports a request as written, so every failure it injects into a
   * request without a streamed body counts as one that did not reach the service.
   */
  dispatcher?: Dispatcher;
}

export interface UndiciTransport extends Transport {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Closes idle connections and waits for requests in flight. */
  close(): Promise<void>;
}

const DEFAULTS = {
  connections: 8,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 120_000,
  bodyTimeoutMs: 60_000,
  keepAliveTimeoutMs: 4_000,
};

/** Creates the transport; `close()` it when done so its connections do not hold the process. */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  for (const name of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const value = settings[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new RasterUsageError(name, `Invalid ${name}: ${String(value)}. Pass an integer of at least 1.`);
    }
  }

  const userAgent = options.userAgent === undefined ? TOOLKIT_USER_AGENT : `${options.userAgent} ${TOOLKIT_USER_AGENT}`;
  let dispatcher = options.dispatcher ?? createDispatcher(settings, options);
  if (dispatcher instanceof Promise) {
    dispatcher.then((loaded) => {
      dispatcher = loaded;
    }, () => {});
  }

  return {
    send: (request) => dispatcher instanceof Promise
      ? dispatcher.then((loaded) => send(loaded, request, userAgent), (error: unknown) => {
        throw new RasterNetworkError({ method: request.method, path: pathOf(request.url), cause: error, bodySent: false });
      })
      : send(dispatcher, request, userAgent),
    sleep,
    close: async () => {
      // A proxy agent that failed to load has no connections to close.
      const loaded = await Promise.resolve(dispatcher).catch(() => undefined);
      await loaded?.close();
    },
  };
}

/** Returns the path and query of a URL, or the text itself when it is not a URL. */
function pathOf(url: string): string {
  const parsed = URL.parse(url);
  return parsed === null ? url : `${parsed.pathname}${parsed.search}`;
}

/**
 * Returns an undici `Agent` without a proxy, or else a promise of an `EnvHttpProxyAgent`, made
 * once its module has loaded. Checks the proxy URLs first, so a bad one fails here.
 */
function createDispatcher(settings: typeof DEFAULTS, options: UndiciTransportOptions): Dispatcher | Promise<Dispatcher> {
  const agentOptions = {
    connections: settings.connections,
    connectTimeout: settings.connectTimeoutMs,
    headersTimeout: settings.headersTimeoutMs,
    bodyTimeout: settings.bodyTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // `connect` applies to direct connections, `proxyTls` to an `https:` proxy and `requestTls` to
    // TLS inside a proxy tunnel.
    ...(options.ca === undefined ? {} : { connect: { ca: options.ca }, proxyTls: { ca: options.ca }, requestTls: { ca: options.ca } }),
  };
  // Without a proxy, EnvHttpProxyAgent sends every request through such an Agent, but first
  // parses each request's origin again to check NO_PROXY. Over the 1,056 requests of a cold
  // upload of 1,000 files, that cost the CLI about 20 ms of main-thread time (medians of 8 runs
  // against the emulator on 2 vCPUs). The variables are read here, as EnvHttpProxyAgent reads
  // them when it is created.
  const httpProxy = proxySetting('httpProxy', options.httpProxy, 'http_proxy', 'HTTP_PROXY');
  const httpsProxy = proxySetting('httpsProxy', options.httpsProxy, 'https_proxy', 'HTTPS_PROXY');
  if (!httpProxy && !httpsProxy) return new Agent(agentOptions);

  const modules = Promise.all([
    import('undici/lib/dispatcher/env-http-proxy-agent.js'),
    import('undici/lib/dispatcher/client.js'),
    import('undici/lib/api/api-connect.js'),
  ]);
  return modules.then(([{ default: EnvHttpProxyAgent }, { default: Client }, { default: connect }]) => new EnvHttpProxyAgent({
    ...agentOptions,
    clientFactory: (origin: URL, clientOptions: Client.Options) => proxyClient(new Client(origin, clientOptions), connect),
    ...(options.httpProxy === undefined ? {} : { httpProxy: options.httpProxy }),
    ...(options.httpsProxy === undefined ? {} : { httpsProxy: options.httpsProxy }),
    ...(options.noProxy === undefined ? {} : { noProxy: options.noProxy }),
  }));
}

/** Code of the failure when a proxy closes the connection before it responds to the tunnel request. */
const PROXY_CLOSED_CODE = 'RASTER_PROXY_CLOSED';

/** undici's `connect` API, which its main module adds to every dispatcher. */
type ConnectApi = (this: Dispatcher, options: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;

/**
 * Gives the client that opens tunnels through a proxy the `connect` method that the proxy agent
 * calls, which undici's main module would have added. When the proxy closes the connection before
 * it responds to the tunnel request, undici 7.30.3 treats the socket error as recoverable and
 * reconnects without end at full CPU. undici's fix for that is not in 7.30.3. The error is given
 * another code, so the request fails and the client's retry policy decides whether to send it
 * again.
 */
function proxyClient(client: Client, connect: ConnectApi): Client {
  const tunnel = (options: Dispatcher.ConnectOptions) => connect.call(client, options).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'UND_ERR_SOCKET') throw error;
    throw Object.assign(new Error('The proxy closed the connection before it responded to the tunnel request.', { cause: error }), { code: PROXY_CLOSED_CODE });
  });
  return Object.assign(client, { connect: tunnel });
}

/**
 * Returns a proxy URL from its option, else from its environment variables, lower case first.
 * Throws a `RasterUsageError` for a value that undici's `ProxyAgent` would reject, naming the
 * option or variable but not the value, which may contain a password.
 */
function proxySetting(option: string, value: string | undefined, ...variables: string[]): string | undefined {
  let name = option;
  let url = value;
  for (const variable of variables) {
    if (url !== undefined) break;
    name = variable;
    url = process.env[variable];
  }
  if (!url) return url;

  const parsed = URL.parse(url);
  if (parsed === null || !PROXY_PROTOCOLS.includes(parsed.protocol)) {
    throw new RasterUsageError(
      name,
      `Invalid ${name}: it is not an http:, https:, socks5: or socks: URL. Set it to the proxy's URL, such as http://proxy.example:8080.`,
    );
  }
  // undici rejects every request through a proxy URL with a path, a query or a fragment.
  if (parsed.pathname.length > 1 || parsed.search !== '' || parsed.hash !== '') {
    throw new RasterUsageError(
      name,
      `Invalid ${name}: a proxy URL has no path, query or fragment. Set it to the proxy's URL, such as http://proxy.example:8080.`,
    );
  }
  // ProxyAgent decodes the user name and password, and throws URIError for a bare `%`.
  if (!decodes(parsed.username) || !decodes(parsed.password)) {
    throw new RasterUsageError(
      name,
      `Invalid ${name}: its user name or password has a % that does not start an escape. Write a % in them as %25.`,
    );
  }
  return url;
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rewords undici's error for a proxy that rejected a tunnel, `Proxy response (407) !== 200 when HTTP
 * Tunneling`, to say what to check. Returns undefined for any other error.
 */
function proxyRejectionError(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/.exec(error.message)?.[1];
  if (status === undefined) return undefined;

  const message = status === '407'
    ? 'The proxy rejected the tunnel with 407 Proxy Authentication Required. Check the user name and password in the proxy URL.'
    : `The proxy rejected the tunnel to the service with status ${status}.`;
  // The statuses that the retry policy retries from the service, and 408, may succeed when sent
  // again. Their code names the status, which the retry lines print. undici's own code,
  // UND_ERR_ABORTED, does not name the proxy. Any other status, such as 407 for wrong
  // credentials, fails the request at once.
  const retryable = Number(status) === 408 || RETRYABLE_STATUSES.includes(Number(status));
  const code = retryable ? `RASTER_PROXY_${status}` : PROXY_REJECTED_CODE;
  return Object.assign(new Error(message, { cause: error }), { code });
}

/**
 * Proxy URL schemes that undici's `ProxyAgent` connects through.
 * NOTE: no test runs a SOCKS proxy. `socks5:` and `socks:` pass because undici's source handles them.
 */
const PROXY_PROTOCOLS = ['http:', 'https:', 'socks5:', 'socks:'];

async function send(dispatcher: Dispatcher, request: HttpRequest, userAgent: string): Promise<HttpResponse> {
  const url = checkSecureUrl('url', request.url);
  const body = await encodeBody(request.body);
  const path = `${url.pathname}${url.search}`;

  // A streamed body counts as sent once undici has taken its last byte. From then on, a failure
  // may come after the service received the whole request and acted on it.
  let streamEnded = false;
  body?.stream?.once('end', () => {
    streamEnded = true;
  });

  // undici writes the request head, with a body of bytes if there is one, and then calls the
  // handler's `onRequestSent`. A failure before that call, such as a refused connection, a proxy
  // that refused the tunnel, a TLS error or a closed transport, cannot have reached the service.
  let requestWritten = false;

  const headers: Record<string, string> = { ...request.headers, 'user-agent': userAgent };
  if (body !== undefined) {
    headers['content-type'] = body.contentType;
    headers['content-length'] = String(body.length);
  }

  try {
    return await exchange(
      dispatcher,
      { origin: url.origin, path, method: request.method as Dispatcher.HttpMethod, headers, body: body?.stream ?? body?.bytes ?? null },
      request.signal,
      () => {
        requestWritten = true;
      },
    );
  } catch (error) {
    if (request.signal?.aborted) {
      throw request.signal.reason;
    }
    // A file part that changed while it was read stops the body before its end, so the service
    // cannot have stored the upload.
    if (error instanceof RasterUsageError) {
      throw error;
    }

    const sent = body?.stream === undefined ? requestWritten : streamEnded;
    throw new RasterNetworkError({ method: request.method, path, cause: proxyRejectionError(error) ?? error, bodySent: sent });
  } finally {
    body?.stream?.destroy();
  }
}

/** A body to send: a stream, or the bytes of a JSON body. */
interface EncodedBody {
  contentType: string;
  length: number;
  stream?: Readable;
  bytes?: Uint8Array;
}

async function encodeBody(body: RequestBody | undefined): Promise<EncodedBody | undefined> {
  if (body === undefined) {
    return undefined;
  }
  if (body.kind === 'multipart') {
    return createMultipartBody(body.files);
  }

  // As bytes, undici writes the body with the request head in one system call. As a one-chunk
  // stream, the JSON bodies of the 1,000 tag calls of a cold upload cost the CLI about 50 ms more
  // of main-thread time (medians of 6 runs against the emulator on 2 vCPUs).
  const bytes = new TextEncoder().encode(JSON.stringify(body.value));
  return { contentType: 'application/json', length: bytes.byteLength, bytes };
}

/**
 * Sends one request through `dispatcher` and collects the whole response. undici's `request()`
 * gives the body as a stream. Over the 1,056 requests of a cold upload of 1,000 files, those
 * streams cost the CLI about 50 to 85 ms of main-thread time (medians of 10 runs against the
 * emulator on 2 vCPUs). Calls `onSent` when undici has written the whole request, a streamed body
 * included. Rejects with the signal's reason when it aborts before the request is written.
 */
function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal | undefined, onSent: () => void): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let abortRequest: ((reason: unknown) => void) | undefined;
    const settle = (): void => signal?.removeEventListener('abort', onAbort);
    const onAbort = (): void => {
      if (abortRequest !== undefined) {
        abortRequest(signal?.reason);
        return;
      }
      // The request still waits for a connection. undici passes `abort` only in `onConnect`, which
      // then aborts the request before writing it, so the promise can reject now.
      settle();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    let status = 0;
    let rawHeaders: ReadonlyArray<Buffer | string> = [];
    const chunks: Buffer[] = [];
    // undici's legacy handler methods, `onConnect` to `onError`, because undici 7.30 does not
    // pass `onRequestSent` on to a handler with the newer `onRequestStart` methods.
    const handler = {
      onConnect(abort: (reason: unknown) => void): void {
        abortRequest = abort;
        if (signal?.aborted) abort(signal.reason);
      },
      onRequestSent(): void {
        onSent();
      },
      onHeaders(statusCode: number, headers: ReadonlyArray<Buffer | string>): boolean {
        // An informational response, such as 103 Early Hints, comes first, and the final one replaces it.
        status = statusCode;
        rawHeaders = headers;
        return true;
      },
      onData(chunk: Buffer): boolean {
        chunks.push(chunk);
        return true;
      },
      onComplete(): void {
        settle();
        resolve({ status, headers: headersFrom(rawHeaders), text: decodeUtf8(Buffer.concat(chunks)) });
      },
      onError(error: Error): void {
        settle();
        reject(error);
      },
    };
    try {
      dispatcher.dispatch(options, handler as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      // A composed dispatcher, or a ProxyAgent given a `proxy-authorization` header, throws here
      // instead of calling `onError`. Without this catch the abort listener stays on the signal.
      handler.onError(error as Error);
    }
  });
}

/** Converts undici's raw header list to an object with lower-case names, joining repeats with ", ". */
function headersFrom(raw: ReadonlyArray<Buffer | string>): Record<string, string> {
  const headers = new Map<string, string>();
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index]!.toString('latin1').toLowerCase();
    const value = raw[index + 1]!.toString('latin1');
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  // fromEntries keeps a header named `__proto__` as a plain property.
  return Object.fromEntries(headers);
}

/** Decodes UTF-8 without a leading byte order mark, as undici's `text()` does. */
function decodeUtf8(bytes: Buffer): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  try {
    await delay(Math.max(0, ms), undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    if (signal?.aborted) {
      throw signal.reason;
    }
    throw error;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
