/** A Transport that records every request and responds from a queue of scripted responses. */

import type { FilePart, HttpRequest, HttpResponse, Transport } from '@raster-toolkit/core';

export type Scripted = HttpResponse | Error | ((request: HttpRequest) => HttpResponse | Promise<HttpResponse>);

export interface FakeTransport extends Transport {
  requests: HttpRequest[];
  /** Appends scripted responses, consumed one per request in order. */
  reply(...answers: Scripted[]): void;
}

export function fakeTransport(...answers: Scripted[]): FakeTransport {
  const queue: Scripted[] = [...answers];
  const requests: HttpRequest[] = [];

  return {
    requests,
    reply: (...more) => queue.push(...more),
    async send(request) {
      requests.push(request);
      const next = queue.shift();
      if (next === undefined) {
        throw new Error(`no scripted answer for ${request.method} ${request.url}`);
      }
      if (next instanceof Error) {
        throw next;
      }
      return typeof next === 'function' ? next(request) : next;
    },
  };
}

/** Builds a success envelope. */
export function ok(data: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, text: JSON.stringify({ data }) };
}

/** Builds an error envelope. */
export function fail(status: number, code: string, message = `${code} message`, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    text: JSON.stringify({ error: { code, message } }),
  };
}

/** Builds a network failure as a transport reports it. */
export function networkFailure(code: string, bodySent: boolean): Error {
  return Object.assign(new Error(`socket failed: ${code}`), { code, bodySent });
}

export function asset(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `name-${id}`,
    libraryId: 'photos',
    description: null,
    type: 'main',
    contentType: 'image/png',
    url: `https://cdn.example/${id}.png`,
    thumbUrl: null,
    thumbHighUrl: null,
    thumbUrlBlurred: null,
    blurhash: null,
    width: null,
    height: null,
    size: 3,
    created: 1_760_000_000_000,
    updated: 1_760_000_000_000,
    tags: [],
    views: [],
    uploadedBy: { name: 'API' },
    ...extra,
  };
}

export function library(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: `Library ${id}`, assetsCount: 0, photosCount: 0, trashCount: 0, tags: [], ...extra };
}

export function bytesPart(filename: string, text: string, contentType = 'image/png'): FilePart {
  const bytes = new TextEncoder().encode(text);
  return { filename, contentType, size: bytes.byteLength, source: { kind: 'bytes', bytes } };
}

/** Creates a fake clock whose sleep records each wait and advances time at once. */
export function fakeClock(start = 1_760_000_000_000) {
  let time = start;
  const waits: number[] = [];
  return {
    waits,
    now: () => time,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      waits.push(ms);
      time += ms;
    },
  };
}
