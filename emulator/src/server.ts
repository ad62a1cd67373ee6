import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { authorize } from './access';
import type { EmulatorAdmin } from './admin';
import { ADMIN_PREFIX, handleAdminRequest, type SeedInfo } from './admin-http';
import { ApiError, endpointNotFound } from './api-error';
import { RequestAbortedError } from './body';
import type { RouteContext, RouteDefinition, Services } from './context';
import type { ActiveFault, FaultInjector, RequestStats } from './faults';
import { FILES_PREFIX, serveFile } from './files';
import { sendData, sendError } from './respond';
import { matchRoute, splitPath } from './router';

/** One handled request, for an optional request log. */
export interface RequestLogEntry {
  method: string;
  /** Path and query string as requested. */
  url: string;
  /** Raster route name, `admin`, `file` or `unknown`. */
  route: string;
  /** Response status, or `reset` when the connection was reset on purpose or by the client. */
  status: number | 'reset';
  durationMs: number;
  /** The unexpected error behind a 500, if any. */
  error?: Error;
}

export interface ServerTimeouts {
  /** Time allowed to receive the request headers, in milliseconds. */
  headersTimeoutMs: number;
  /** Time allowed to receive the whole request, body included, in milliseconds. */
  requestTimeoutMs: number;
  /** Idle time before a kept-alive connection is closed, in milliseconds. */
  keepAliveTimeoutMs: number;
  /** Inactivity before any connection is closed, such as a client that stops reading, in milliseconds. */
  socketTimeoutMs: number;
}

export interface ServerDependencies {
  services: Services;
  routes: RouteDefinition[];
  faults: FaultInjector;
  stats: RequestStats;
  admin: EmulatorAdmin;
  info(): SeedInfo;
  timeouts: ServerTimeouts;
  onRequest?: ((entry: RequestLogEntry) => void) | undefined;
  /** Called with errors outside any request, such as a failed accept or a throwing `onRequest`. */
  onError?: ((error: Error) => void) | undefined;
}

/** Resolves once the request body has been read to its end (and discarded) or the client left. */
function drainRequest(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (request.complete || request.destroyed) {
      resolve();
      return;
    }
    request.on('end', resolve);
    request.on('close', resolve);
    request.resume();
  });
}

function defaultFaultCode(status: number): string {
  if (status === 429) {
    return 'TOO_MANY_REQUESTS';
  }
  return status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
}

function resetConnection(request: IncomingMessage): void {
  const socket = request.socket as Socket;
  if (typeof socket.resetAndDestroy === 'function') {
    socket.resetAndDestroy();
  } else {
    socket.destroy();
  }
}

/**
 * Applies latency faults, then sends the response of a terminal fault (or resets the connection)
 * and returns true. Returns false when the handler must still run: no fault, only latency, or a
 * reset that comes after the handler.
 */
async function applyFaultsBeforeHandler(
  request: IncomingMessage,
  response: ServerResponse,
  faults: ActiveFault[],
): Promise<boolean> {
  for (const fault of faults) {
    if (fault.kind === 'latency') {
      // An unreferenced timer, so that a stopped emulator exits without waiting out the delay.
      await sleep(fault.latencyMs ?? 0, undefined, { ref: false });
    }
  }
  const terminal = faults.find((fault) => fault.kind !== 'latency');
  if (terminal === undefined || terminal.kind === 'reset-after-store') {
    return false;
  }

  await drainRequest(request);
  if (terminal.kind === 'reset-before-store') {
    resetConnection(request);
  } else if (terminal.kind === 'rate-limit') {
    sendError(response, new ApiError(429, 'TOO_MANY_REQUESTS', 'Too many requests; retry after the Retry-After delay.'), {
      'Retry-After': String(terminal.retryAfter ?? 1),
    });
  } else {
    const status = terminal.status ?? 500;
    sendError(
      response,
      new ApiError(status, terminal.code ?? defaultFaultCode(status), 'The emulator injected this failure.'),
    );
  }
  return true;
}

async function handleRasterRequest(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  queryText: string,
  dependencies: ServerDependencies,
  log: { route: string; reset: boolean },
): Promise<void> {
  const method = request.method ?? '';
  const segments = splitPath(path);
  const match = segments === null ? null : matchRoute(dependencies.routes, method, segments);
  dependencies.stats.count(match?.route.name ?? 'unknown');
  if (match === null) {
    throw endpointNotFound(method, path);
  }
  log.route = match.route.name;

  const faults = dependencies.faults.take(match.route.name);
  if (await applyFaultsBeforeHandler(request, response, faults)) {
    log.reset = faults.some((fault) => fault.kind === 'reset-before-store');
    return;
  }

  const context: RouteContext = {
    request,
    services: dependencies.services,
    params: match.params,
    query: new URLSearchParams(queryText),
    key: null,
    organization: null,
    library: null,
  };
  authorize(match.route.access, context);
  const result = await match.route.handle(context);

  if (faults.some((fault) => fault.kind === 'reset-after-store')) {
    log.reset = true;
    resetConnection(request);
    return;
  }
  sendData(response, result.status, result.data);
}

/** Creates the emulator's HTTP server: Raster routes, the administration surface and stored files. */
export function createEmulatorServer(dependencies: ServerDependencies): Server {
  const { timeouts } = dependencies;
  const server = createServer({
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, timeouts.headersTimeoutMs),
  });
  server.setTimeout(timeouts.socketTimeoutMs);

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void handleRequest(request, response, dependencies);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(error, socket);
  });
  // Without a listener, an error such as EMFILE on accept would end the process.
  server.on('error', (error: Error) => {
    dependencies.onError?.(error);
  });
  return server;
}

async function handleRequest(request: IncomingMessage, response: ServerResponse, dependencies: ServerDependencies) {
  const started = performance.now();
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const queryText = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const log: { route: string; reset: boolean; error?: Error } = { route: 'unknown', reset: false };

  try {
    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      log.route = 'admin';
      await handleAdminRequest(request, response, path, dependencies.admin, dependencies.info);
    } else if (path.startsWith(FILES_PREFIX)) {
      log.route = 'file';
      await serveFile(request, response, path, dependencies.services);
    } else {
      await handleRasterRequest(request, response, path, queryText, dependencies, log);
    }
  } catch (error) {
    if (error instanceof ApiError) {
      sendError(response, error);
    } else if (error instanceof RequestAbortedError) {
      log.reset = true;
    } else {
      log.error = error instanceof Error ? error : new Error(String(error));
      sendError(response, new ApiError(500, 'INTERNAL_SERVER_ERROR', 'The emulator failed unexpectedly; retry with backoff.'));
    }
  }

  const entry: RequestLogEntry = {
    method: request.method ?? '',
    url,
    route: log.route,
    status: log.reset || !response.headersSent ? 'reset' : response.statusCode,
    durationMs: Math.round(performance.now() - started),
  };
  if (log.error !== undefined) {
    entry.error = log.error;
  }
  try {
    dependencies.onRequest?.(entry);
  } catch (error) {
    dependencies.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
}

const CLIENT_ERRORS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'BAD_USER_INPUT',
    message: 'The request headers are too large.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    code: 'REQUEST_TIMEOUT',
    message: 'The request did not arrive in time.',
  },
};

/** Sends the failure envelope for a request that Node's HTTP parser rejected, then closes the connection. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const known = CLIENT_ERRORS[error.code ?? ''] ?? {
    status: 400,
    reason: 'Bad Request',
    code: 'BAD_USER_INPUT',
    message: 'The request is not valid HTTP.',
  };
  const body = JSON.stringify({ error: { code: known.code, message: known.message } });
  socket.end(
    `HTTP/1.1 ${known.status} ${known.reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Vary: Api-Version\r\nConnection: close\r\n\r\n' +
      body,
  );
}
