import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError, resourceNotFound } from './api-error';
import type { Services } from './context';
import { sendError } from './respond';

/** Path prefix of stored files; asset urls point here. */
export const FILES_PREFIX = '/files/';

/**
 * Serves an asset's stored bytes with its detected `Content-Type` at `/files/<id>.<ext>` and the
 * thumbnail paths `/files/<id>/<variant>.<ext>`, which serve the original as well. Like a CDN url,
 * it needs no key and keeps working after the asset is moved to the trash.
 */
export async function serveFile(request: IncomingMessage, response: ServerResponse, path: string, services: Services) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendError(response, new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint matches ${request.method ?? ''} ${path}.`));
    return;
  }
  const match = /^\/files\/([A-Za-z0-9]+)(?:\/(?:thumb|thumb-high|blurred))?\.[a-z0-9]+$/.exec(path);
  const asset = match?.[1] === undefined ? undefined : services.store.assets.get(match[1]);
  if (asset === undefined) {
    sendError(response, resourceNotFound(`No stored file at ${path}.`));
    return;
  }

  const blob = await services.persistence.findBlob(asset.id);
  if (blob === null) {
    sendError(response, resourceNotFound(`The file of asset "${asset.id}" is missing from storage.`));
    return;
  }

  const range = parseRange(request.headers.range, asset.size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'Content-Range': `bytes */${asset.size}`, Vary: 'Api-Version' });
    response.end();
    return;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': asset.contentType,
    'Content-Length': range === null ? asset.size : range.end - range.start + 1,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
    // An SVG can carry scripts; a sandbox keeps them from running when the url is opened.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    Vary: 'Api-Version',
  };
  if (range !== null) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${asset.size}`;
  }
  response.writeHead(range === null ? 200 : 206, headers);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  if (blob.bytes !== undefined) {
    response.end(range === null ? blob.bytes : blob.bytes.subarray(range.start, range.end + 1));
    return;
  }
  try {
    await pipeline(createReadStream(blob.path, range === null ? {} : range), response);
  } catch {
    response.destroy();
  }
}

/**
 * Reads a single `bytes=` range, as video players send to seek. Returns null to serve the whole
 * file (no header, several ranges or another unit) and `unsatisfiable` for a range past the end.
 */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) {
    return null;
  }
  const first = match[1] ?? '';
  const last = match[2] ?? '';
  if (first === '') {
    // A suffix range: the last N bytes.
    const length = Math.min(Number(last), size);
    return length === 0 ? 'unsatisfiable' : { start: size - length, end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) {
    return 'unsatisfiable';
  }
  return { start, end };
}
