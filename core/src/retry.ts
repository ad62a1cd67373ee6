/**
 * The retry policy of every request the client sends, whatever the transport: which failures
 * retry, how long to wait, and when to give up. The policy only decides. The client waits with
 * the injected `sleep`, so tests run it with a fake clock.
 */

import { RasterUsageError } from './errors';

/** Statuses that mean the service did not act on the request, so sending it again is safe. */
export const RETRYABLE_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

/**
 * Code of a network failure where a proxy rejected the tunnel with a status that sending again
 * cannot change, such as 407 for wrong credentials.
 */
export const PROXY_REJECTED_CODE = 'RASTER_PROXY_REJECTED';

/** Codes of network failures that sending the request again cannot fix. */
export const PERMANENT_NETWORK_CODES: readonly string[] = [PROXY_REJECTED_CODE];

/** Returns true when a network failure with `code` cannot be fixed by sending the request again. */
export function isPermanentNetworkCode(code: string | undefined): boolean {
  return code !== undefined && PERMANENT_NETWORK_CODES.includes(code);
}

export type Jitter = 'full' | 'decorrelated' | 'none';

export interface RetryOptions {
  /** Attempts in total, the first one included; 1 turns retries off. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry, before jitter, in milliseconds. Default 500. */
  baseDelayMs?: number;
  /** Upper bound of a computed backoff delay, in milliseconds. Default 20,000. */
  maxDelayMs?: number;
  /**
   * Maximum `Retry-After` the client waits for, in milliseconds; a longer one fails the request
   * at once with the delay in `RasterApiError.retryAfterMs`. Default 60,000.
   */
  maxRetryAfterMs?: number;
  /**
   * `full`: a uniform delay between 0 and the exponential backoff. `decorrelated`: a uniform
   * delay between the base and three times the previous delay. `none`: the backoff itself.
   * Default `full`.
   */
  jitter?: Jitter;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<Required<RetryOptions>> = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  jitter: 'full',
};

/** One failed attempt, the input of the policy. */
export type RetryFailure =
  | { kind: 'status'; status: number; retryAfterMs?: number | undefined }
  | { kind: 'network'; bodySent: boolean; code?: string | undefined };

export interface RetryContext {
  /** The attempt that failed, starting at 1. */
  attempt: number;
  /**
   * True when sending the request twice has the same effect as sending it once. A request that
   * is not idempotent is sent again only when the service cannot have acted on it.
   */
  idempotent: boolean;
  /** Delay before the previous retry, or 0; decorrelated jitter grows from it. */
  previousDelayMs: number;
  failure: RetryFailure;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: string };

export interface RetryPolicy {
  readonly options: Readonly<Required<RetryOptions>>;
  decide(context: RetryContext): RetryDecision;
}

/** Validates retry options and returns the policy; `random` returns a number in [0, 1). */
export function createRetryPolicy(options: RetryOptions = {}, random: () => number = Math.random): RetryPolicy {
  const resolved: Required<RetryOptions> = { ...DEFAULT_RETRY_OPTIONS, ...definedOnly(options) };
  checkOptions(resolved);

  return {
    options: resolved,
    decide: (context) => decideRetry(context, resolved, random),
  };
}

function decideRetry(context: RetryContext, options: Required<RetryOptions>, random: () => number): RetryDecision {
  const { failure } = context;
  const reason = describeFailure(failure);

  if (failure.kind === 'status' && !RETRYABLE_STATUSES.includes(failure.status)) {
    return { retry: false, reason: `${reason} is not retryable` };
  }
  if (failure.kind === 'network' && isPermanentNetworkCode(failure.code)) {
    return { retry: false, reason: `${reason} is not retryable` };
  }
  if (failure.kind === 'network' && failure.bodySent && !context.idempotent) {
    return { retry: false, reason: `${reason} after the request was sent; the outcome is unknown` };
  }
  if (context.attempt >= options.maxAttempts) {
    return { retry: false, reason: `${reason}; gave up after ${context.attempt} attempts` };
  }

  if (failure.kind === 'status' && failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > options.maxRetryAfterMs) {
      return {
        retry: false,
        reason: `${reason} with Retry-After ${failure.retryAfterMs} ms, over the maximum of ${options.maxRetryAfterMs} ms`,
      };
    }
    return { retry: true, delayMs: failure.retryAfterMs, reason };
  }

  return { retry: true, delayMs: backoffDelay(context, options, random), reason };
}

/** Computes the wait before the retry that follows `context.attempt`, in whole milliseconds. */
export function backoffDelay(
  context: Pick<RetryContext, 'attempt' | 'previousDelayMs'>,
  options: Required<RetryOptions>,
  random: () => number,
): number {
  const { baseDelayMs, maxDelayMs, jitter } = options;

  if (jitter === 'decorrelated') {
    const upper = Math.max(baseDelayMs, context.previousDelayMs * 3);
    return Math.round(Math.min(maxDelayMs, baseDelayMs + random() * (upper - baseDelayMs)));
  }

  const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (context.attempt - 1));
  return Math.round(jitter === 'full' ? random() * exponential : exponential);
}

/**
 * Parses `Retry-After` as delay seconds or an HTTP date and returns milliseconds from `nowMs`,
 * never negative. Returns undefined for a missing or unreadable value.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') {
    return undefined;
  }

  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }

  // An HTTP date names its month. Without this check, Date.parse reads "-3" as a year.
  const date = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - nowMs);
}

function describeFailure(failure: RetryFailure): string {
  if (failure.kind === 'status') {
    return `status ${failure.status}`;
  }
  return `network error${failure.code === undefined ? '' : ` ${failure.code}`}`;
}

function checkOptions(options: Required<RetryOptions>): void {
  const counts: Array<[keyof RetryOptions, number, number]> = [
    ['maxAttempts', options.maxAttempts, 1],
    ['baseDelayMs', options.baseDelayMs, 0],
    ['maxDelayMs', options.maxDelayMs, 0],
    ['maxRetryAfterMs', options.maxRetryAfterMs, 0],
  ];

  for (const [name, value, minimum] of counts) {
    if (!Number.isFinite(value) || value < minimum || (name === 'maxAttempts' && !Number.isInteger(value))) {
      throw new RasterUsageError(
        `retry.${name}`,
        `Invalid retry.${name}: ${String(value)}. Pass ${name === 'maxAttempts' ? 'an integer' : 'a number'} of at least ${minimum}.`,
      );
    }
  }
  if (!['full', 'decorrelated', 'none'].includes(options.jitter)) {
    throw new RasterUsageError(
      'retry.jitter',
      `Invalid retry.jitter: ${String(options.jitter)}. Pass full, decorrelated or none.`,
    );
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
