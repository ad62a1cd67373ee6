import { Readable } from 'node:stream';

import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { RasterClient } from '@raster-toolkit/core';
import { TOOLKIT_USER_AGENT, createUndiciTransport, type UndiciTransport } from '@raster-toolkit/core/node';

import { API_KEY, ORGANIZATION, parseMultipart, routeCases } from './support/route-cases';

const ORIGIN = 'https://api.raster.test';

interface Captured {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) {
    return new Uint8Array();
  }
  if (typeof body === 'string') {
    return new TextEncoder().encode(body);
  }
  if (body instanceof Uint8Array) {
    return body;
  }

  const chunks: Uint8Array[] = [];
  for await (const chunk of body as Readable) {
    chunks.push(chunk as Uint8Array);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

describe('RasterClient routes through the undici transport and MockAgent', () => {
  let agent: MockAgent;
  let transport: UndiciTransport;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    transport = createUndiciTransport({ dispatcher: agent, userAgent: 'route-test/1.0' });
  });

  afterEach(async () => {
    await transport.close();
  });

  for (const route of routeCases) {
    it(`${route.name} sends the request and parses the result`, async () => {
      const captured: Captured[] = [];
      agent
        .get(ORIGIN)
        .intercept({ path: () => true, method: route.method })
        .reply(route.status ?? 200, async (options) => {
          captured.push({
            method: options.method,
            path: options.path,
            headers: options.headers as Record<string, string>,
            body: await readBody(options.body),
          });
          return { data: route.data };
        }, { headers: { 'content-type': 'application/json' } });

      const options = { transport, organizationId: ORGANIZATION, baseUrl: ORIGIN };
      const client = new RasterClient({ ...options, apiKey: API_KEY });
      const result = await route.call(client, options);

      expect(result).toEqual(route.result);
      expect(captured).toHaveLength(1);
      const request = captured[0]!;
      const url = new URL(request.path, ORIGIN);

      expect(request.method).toBe(route.method);
      expect(url.pathname).toBe(route.pathname);
      expect(Object.fromEntries(url.searchParams)).toEqual(route.query ?? {});
      expect(request.headers['api-version']).toBe('2026-05-20');
      expect(request.headers['user-agent']).toBe(`route-test/1.0 ${TOOLKIT_USER_AGENT}`);
      if (route.authenticated === false) {
        expect(request.headers.authorization).toBeUndefined();
      } else {
        expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
      }

      if (route.json !== undefined) {
        expect(request.headers['content-type']).toBe('application/json');
        expect(JSON.parse(new TextDecoder().decode(request.body))).toEqual(route.json);
        expect(request.headers['content-length']).toBe(String(request.body.byteLength));
      } else if (route.parts !== undefined) {
        const contentType = request.headers['content-type'] ?? '';
        expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
        expect(request.headers['content-length']).toBe(String(request.body.byteLength));
        const parts = parseMultipart(request.body, contentType);
        expect(parts.map((part) => part.name)).toEqual(route.parts.map(() => 'files'));
        expect(parts.map(({ filename, contentType: type, text }) => ({ filename, contentType: type, text }))).toEqual(
          route.parts,
        );
      } else {
        expect(request.body.byteLength).toBe(0);
      }
    });
  }
});
