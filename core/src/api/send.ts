/**
 * The path of one API call: build the URL and headers, send through the transport, read the
 * envelope, and retry by the shared policy. A failed request leaves as a `RasterError` without
 * secrets, or as the abort reason of the caller's signal.
 */

import { RasterApiError, RasterError, RasterNetworkError } from '../errors';
import { redactError, redactText } from '../redact';
import { parseRetryAfter, type RetryFailure, type RetryPolicy } from '../retry';
import type { HttpRequest, HttpResponse, RequestBody, Transport } from '../transport';
import { readEnvelope } from './envelope';
import { API_VERSION } from './limits';
import { ResponseShapeError } from './parse';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Passed to `onRequest` before every attempt, retries included. */
export interface RequestInfo {
  method: string;
  /** Path and query, without the host; never contains the API key. */
  path: string;
  /** 1 for the first attempt of a call, 2 for its first retry, and so on. */
  attempt: number;
}

/** Passed to `onResponse` when an attempt received an HTTP response of any status. */
export interface ResponseInfo extends RequestInfo {
  status: number;
  durationMs: number;
}

/** Passed to `onRetry` before the client waits to send a failed request again. */
export interface RetryInfo extends RequestInfo {
  delayMs: number;
  /** Cause of the failure, such as `status 503` or `network error ECONNRESET`. */
  reason: string;
}

export interface SendHooks {
  onRequest?: ((info: RequestInfo) => void) | undefined;
  onResponse?: ((info: ResponseInfo) => void) | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
}

export interface SenderOptions extends SendHooks {
  transport: Transport;
  /** Origin and optional base path, without a trailing slash. */
  baseUrl: string;
  /** Undefined for the anonymous routes. */
  apiKey: string | undefined;
  retryPolicy: RetryPolicy;
  sleep: Sleep;
  now: () => number;
}

export type QueryValue = string | number | readonly string[] | undefined;

export interface RequestSpec<T> {
  method: HttpRequest['method'];
  /** Path below the base URL with every id already encoded, starting with `/`. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: RequestBody;
  /** True when sending the request twice has the same effect as once; see `RetryContext`. */
  idempotent: boolean;
  /** Sends `Authorization`; false only for the anonymous library route. */
  authenticated?: boolean;
  signal?: AbortSignal | undefined;
  parse: (data: unknown) => T;
}

/** Sends and counts the requests of one client, keeping the API key in a private field. */
export class RequestSender {
  readonly #options: SenderOptions;
  readonly #secrets: readonly string[];
  #requestCount = 0;

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#secrets = options.apiKey === undefined ? [] : [options.apiKey];
  }

  /** Requests handed to the transport so far, retries included. */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** Sends a request, retrying by the policy, and returns the parsed `data`. */
  async send<T>(spec: RequestSpec<T>): Promise<T> {
    const target = buildTarget(this.#options.baseUrl, spec.path, spec.query);
    const path = redactText(target.path, this.#secrets);
    let previousDelayMs = 0;

    for (let attempt = 1; ; attempt += 1) {
      spec.signal?.throwIfAborted();

      const outcome = await this.#attempt(spec, target.url, path, attempt);
      if (outcome.ok) {
        return outcome.value;
      }

      const decision = this.#options.retryPolicy.decide({
        attempt,
        idempotent: spec.idempotent,
        previousDelayMs,
        failure: outcome.failure,
      });
      if (!decision.retry) {
        throw outcome.error;
      }

      this.#options.onRetry?.({ method: spec.method, path, attempt, delayMs: decision.delayMs, reason: decision.reason });
      await this.#options.sleep(decision.delayMs, spec.signal);
      previousDelayMs = decision.delayMs;
    }
  }

  async #attempt<T>(spec: RequestSpec<T>, url: string, path: string, attempt: number): Promise<AttemptOutcome<T>> {
    const request: HttpRequest = {
      method: spec.method,
      url,
      headers: this.#headers(spec),
      ...(spec.body === undefined ? {} : { body: spec.body }),
      ...(spec.signal === undefined ? {} : { signal: spec.signal }),
    };

    this.#requestCount += 1;
    this.#options.onRequest?.({ method: spec.method, path, attempt });
    const started = this.#options.now();

    let response: HttpResponse;
    try {
      response = await this.#options.transport.send(request);
    } catch (error) {
      if (spec.signal?.aborted) {
        throw spec.signal.reason;
      }
      if (error instanceof RasterError && !(error instanceof RasterNetworkError)) {
        throw error;
      }

      const networkError = this.#networkError(error, spec.method, path, attempt);
      return {
        ok: false,
        error: networkError,
        failure: { kind: 'network', bodySent: networkError.bodySent, code: networkError.code },
      };
    }

    this.#options.onResponse?.({
      method: spec.method,
      path,
      attempt,
      status: response.status,
      durationMs: this.#options.now() - started,
    });
    return this.#read(spec, response, path, attempt);
  }

  #read<T>(spec: RequestSpec<T>, response: HttpResponse, path: string, attempt: number): AttemptOutcome<T> {
    const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), this.#options.now());
    const context = { method: spec.method, path, secrets: this.#secrets, retryAfterMs, attempt };

    let data: unknown;
    try {
      data = readEnvelope(response, context);
    } catch (error) {
      if (error instanceof RasterApiError && response.status >= 300) {
        return { ok: false, error, failure: { kind: 'status', status: response.status, retryAfterMs } };
      }
      throw error;
    }

    try {
      return { ok: true, value: spec.parse(data) };
    } catch (error) {
      if (!(error instanceof ResponseShapeError)) {
        throw error;
      }
      throw new RasterApiError({
        status: response.status,
        code: 'INVALID_RESPONSE',
        serviceMessage: redactText(error.message, this.#secrets),
        method: spec.method,
        path,
        attempts: attempt,
      });
    }
  }

  #headers(spec: RequestSpec<unknown>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'api-version': API_VERSION };
    if (spec.authenticated !== false && this.#options.apiKey !== undefined) {
      headers.authorization = `Bearer ${this.#options.apiKey}`;
    }
    if (spec.body?.kind === 'json') {
      headers['content-type'] = 'application/json';
    }
    return headers;
  }

  /** Turns whatever the transport threw into a `RasterNetworkError` without secrets. */
  #networkError(error: unknown, method: string, path: string, attempts: number): RasterNetworkError {
    const cause = error instanceof RasterNetworkError ? error.cause : error;
    // A transport that does not report `bodySent` gives no proof that the service did not act,
    // so its failures count as sent: the ambiguous case is the safe one to assume.
    const bodySent = readBodySent(error) ?? true;
    return new RasterNetworkError({ method, path, cause: redactError(cause, this.#secrets), bodySent, attempts });
  }
}

type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: RasterError; failure: RetryFailure };

function readBodySent(error: unknown): boolean | undefined {
  const value = typeof error === 'object' && error !== null ? (error as { bodySent?: unknown }).bodySent : undefined;
  return typeof value === 'boolean' ? value : undefined;
}

/** Reads a header by its lower-case name, also when a transport kept the original case. */
function header(response: HttpResponse, name: string): string | undefined {
  const exact = response.headers[name];
  if (exact !== undefined) {
    return exact;
  }
  return Object.entries(response.headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Joins the base URL, the encoded path and the query; list values are comma-separated. */
export function buildTarget(
  baseUrl: string,
  path: string,
  query: Record<string, QueryValue> = {},
): { url: string; path: string } {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) {
      continue;
    }
    search.set(key, typeof value === 'object' ? value.join(',') : String(value));
  }

  const queryText = search.toString();
  const pathAndQuery = queryText === '' ? path : `${path}?${queryText}`;
  return { url: `${baseUrl}${pathAndQuery}`, path: pathAndQuery };
}
