/**
 * Reading of response envelopes: `{ "data": ... }` on success, `{ "error": { code, message } }`
 * on failure, and a readable error for bodies that are neither (a proxy's HTML page, say).
 */

import { RasterApiError } from '../errors';
import { redactText } from '../redact';
import type { HttpResponse } from '../transport';

/** Characters of an unexpected body kept in an error message. */
const BODY_EXCERPT_LENGTH = 200;

export interface ResponseContext {
  method: string;
  /** Path and query, already redacted. */
  path: string;
  /** Secrets to remove from any text taken from the body. */
  secrets: readonly string[];
  retryAfterMs?: number | undefined;
  /** Number of the attempt that received this response, starting at 1. */
  attempt?: number;
}

/** Returns the `data` of a success envelope, or throws a `RasterApiError` for any failure. */
export function readEnvelope(response: HttpResponse, context: ResponseContext): unknown {
  const body = parseJson(response.text);

  if (response.status < 200 || response.status > 299) {
    throw apiErrorFromResponse(response, body, context);
  }

  if (!isObject(body) || !('data' in body)) {
    throw new RasterApiError({
      status: response.status,
      code: 'INVALID_RESPONSE',
      serviceMessage: `expected a JSON body with a "data" field, got ${describeBody(response.text, context.secrets)}`,
      method: context.method,
      path: context.path,
    });
  }
  return body.data;
}

/** Builds the error for a failure status from the error envelope, or from the status alone. */
export function apiErrorFromResponse(response: HttpResponse, body: unknown, context: ResponseContext): RasterApiError {
  const envelope = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = typeof envelope?.code === 'string' && envelope.code !== '' ? envelope.code : `HTTP_${response.status}`;
  const serviceMessage =
    typeof envelope?.message === 'string'
      ? redactText(envelope.message, context.secrets)
      : `no error envelope in the response: ${describeBody(response.text, context.secrets)}`;

  return new RasterApiError({
    status: response.status,
    code,
    serviceMessage,
    method: context.method,
    path: context.path,
    ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
    ...(context.attempt === undefined ? {} : { attempts: context.attempt }),
  });
}

/** Shows the start of an unexpected body on one line, without secrets. */
function describeBody(text: string, secrets: readonly string[]): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') {
    return 'an empty body';
  }

  const excerpt = oneLine.length > BODY_EXCERPT_LENGTH ? `${oneLine.slice(0, BODY_EXCERPT_LENGTH)}...` : oneLine;
  return JSON.stringify(redactText(excerpt, secrets));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
