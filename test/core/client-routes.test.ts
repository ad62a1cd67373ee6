import { describe, expect, it } from 'vitest';

import { RasterClient, type HttpRequest } from '@raster-toolkit/core';

import { fakeTransport, ok } from './support/fake-transport';
import { API_KEY, ORGANIZATION, routeCases } from './support/route-cases';

function decode(request: HttpRequest): { pathname: string; query: Record<string, string> } {
  const url = new URL(request.url);
  return { pathname: url.pathname, query: Object.fromEntries(url.searchParams) };
}

describe('RasterClient routes through a fake transport', () => {
  for (const route of routeCases) {
    it(`${route.name} sends the request and parses the result`, async () => {
      const transport = fakeTransport(ok(route.data, route.status ?? 200));
      const options = { transport, organizationId: ORGANIZATION, baseUrl: 'https://api.raster.test' };
      const client = new RasterClient({ ...options, apiKey: API_KEY });

      const result = await route.call(client, options);

      expect(result).toEqual(route.result);
      expect(transport.requests).toHaveLength(1);
      const request = transport.requests[0]!;
      const { pathname, query } = decode(request);

      expect(request.method).toBe(route.method);
      expect(request.url.startsWith('https://api.raster.test/')).toBe(true);
      expect(pathname).toBe(route.pathname);
      expect(query).toEqual(route.query ?? {});
      expect(request.headers['api-version']).toBe('2026-05-20');
      if (route.authenticated === false) {
        expect(request.headers.authorization).toBeUndefined();
      } else {
        expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
      }

      if (route.json !== undefined) {
        expect(request.body).toEqual({ kind: 'json', value: route.json });
        expect(request.headers['content-type']).toBe('application/json');
      } else if (route.parts !== undefined) {
        expect(request.body?.kind).toBe('multipart');
        const files = request.body?.kind === 'multipart' ? request.body.files : [];
        const received = files.map((file) => ({
          filename: file.filename,
          contentType: file.contentType,
          text: file.source.kind === 'bytes' ? new TextDecoder().decode(file.source.bytes) : `path ${file.source.path}`,
        }));
        expect(received).toEqual(route.parts);
      } else {
        expect(request.body).toBeUndefined();
      }
    });
  }

  it('covers every route of the API', () => {
    const routes = routeCases.map((route) => `${route.method} ${route.pathname}`);

    expect(routes).toHaveLength(15);
    expect(new Set(routes).size).toBe(15);
  });
});

describe('RasterClient organization lookup', () => {
  const me = { organizationId: 'from-key', organizationName: null, plan: null, libraries: ['photos'] };

  it('reads the organization once from GET /me', async () => {
    const transport = fakeTransport(ok(me), ok([]), ok([]));
    const client = new RasterClient({ transport, apiKey: API_KEY });

    await client.listAssets('photos');
    await client.listTags('photos');

    expect(transport.requests.map((request) => new URL(request.url).pathname)).toEqual([
      '/me',
      '/organizations/from-key/libraries/photos/assets',
      '/organizations/from-key/libraries/photos/tags',
    ]);
  });

  it('shares one GET /me between concurrent calls', async () => {
    let releaseMe: (() => void) | undefined;
    const meAnswered = new Promise<void>((resolve) => {
      releaseMe = resolve;
    });
    const transport = fakeTransport(async () => {
      await meAnswered;
      return ok(me);
    }, ok([]), ok([]), ok([]));
    const client = new RasterClient({ transport, apiKey: API_KEY });

    const calls = [client.listAssets('photos'), client.listTags('photos'), client.listLibraries()];
    releaseMe?.();
    await Promise.all(calls);

    const paths = transport.requests.map((request) => new URL(request.url).pathname);
    expect(paths.filter((path) => path === '/me')).toHaveLength(1);
    expect(paths).toHaveLength(4);
    expect(client.requestCount).toBe(4);
  });

  it('lets one caller abort a shared lookup', async () => {
    let releaseMe: (() => void) | undefined;
    const meAnswered = new Promise<void>((resolve) => {
      releaseMe = resolve;
    });
    const transport = fakeTransport(async () => {
      await meAnswered;
      return ok(me);
    }, ok([]));
    const client = new RasterClient({ transport, apiKey: API_KEY });
    const controller = new AbortController();
    const reason = new Error('first caller stopped');

    const aborted = client.listAssets('photos', { signal: controller.signal });
    const waiting = client.listTags('photos');
    controller.abort(reason);
    releaseMe?.();

    await expect(aborted).rejects.toBe(reason);
    await expect(waiting).resolves.toEqual([]);
    expect(transport.requests.map((request) => new URL(request.url).pathname)).toEqual([
      '/me',
      '/organizations/from-key/libraries/photos/tags',
    ]);
  });

  it('tries GET /me again after a failed lookup', async () => {
    const transport = fakeTransport(
      { status: 401, headers: {}, text: JSON.stringify({ error: { code: 'INVALID_API_KEY', message: 'Invalid key' } }) },
      ok(me),
      ok([]),
    );
    const client = new RasterClient({ transport, apiKey: API_KEY });

    await expect(client.organizationId()).rejects.toMatchObject({ code: 'INVALID_API_KEY' });
    await expect(client.listAssets('photos')).resolves.toEqual([]);
    expect(transport.requests).toHaveLength(3);
  });

  it('skips GET /me when the organization is given', async () => {
    const transport = fakeTransport(ok([]));
    const client = new RasterClient({ transport, apiKey: API_KEY, organizationId: 'acme' });

    await expect(client.organizationId()).resolves.toBe('acme');
    await client.listLibraries();

    expect(transport.requests).toHaveLength(1);
    expect(new URL(transport.requests[0]!.url).pathname).toBe('/organizations/acme/libraries');
  });

  it('keeps a base path of the base URL', async () => {
    const transport = fakeTransport(ok([]));
    const client = new RasterClient({
      transport,
      apiKey: API_KEY,
      organizationId: 'acme',
      baseUrl: 'https://gateway.example/raster/',
    });

    await client.listLibraries();

    expect(transport.requests[0]!.url).toBe('https://gateway.example/raster/organizations/acme/libraries');
  });
});
