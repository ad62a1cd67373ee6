import type { IncomingMessage } from 'node:http';
import { ApiError, badUserInput } from './api-error';
import { MAX_JSON_BODY_BYTES } from './limits';

/** Thrown when the client went away before its request body was complete. */
export class RequestAbortedError extends Error {
  constructor() {
    super('The client closed the connection before the request body was complete.');
    this.name = 'RequestAbortedError';
  }
}

function payloadTooLarge(): ApiError {
  return new ApiError(413, 'PAYLOAD_TOO_LARGE', `The JSON body is larger than ${MAX_JSON_BODY_BYTES} bytes.`);
}

/**
 * Reads a JSON object body of at most `MAX_JSON_BODY_BYTES`. Rejects with 400 `BAD_USER_INPUT`
 * for another content type, malformed JSON or a value that is not an object, and with 413
 * `PAYLOAD_TOO_LARGE` as soon as the body grows past the cap, without reading the rest.
 */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw badUserInput('The request body must be JSON with Content-Type: application/json.');
  }
  const declaredLength = Number(request.headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > MAX_JSON_BODY_BYTES) {
    throw payloadTooLarge();
  }

  const text = await readLimited(request, MAX_JSON_BODY_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badUserInput('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badUserInput('The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

function readLimited(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;

    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onAbort);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        cleanup();
        reject(payloadTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onAbort = () => {
      cleanup();
      reject(new RequestAbortedError());
    };
    const onClose = () => {
      if (!request.complete) {
        onAbort();
      }
    };

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onAbort);
    request.on('close', onClose);
  });
}
