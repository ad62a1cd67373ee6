import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error';

/** Sends `body` as JSON with the headers every emulator response carries. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) {
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    Vary: 'Api-Version',
    ...headers,
  });
  response.end(text);
}

/** Sends the success envelope `{ data }`. */
export function sendData(response: ServerResponse, status: number, data: unknown): void {
  sendJson(response, status, { data });
}

/** Sends the failure envelope `{ error: { code, message } }` with the error's status. */
export function sendError(response: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(response, error.status, { error: { code: error.code, message: error.message } }, headers);
}
