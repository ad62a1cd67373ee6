import { describe, expect, it } from 'vitest';

import { RasterClient, type HttpRequest } from '@raster-toolkit/core';

import { asset, fakeTransport, library, ok, type Scripted } from './support/fake-transport';

const assets = (from: number, count: number) => Array.from({ length: count }, (_, index) => asset(`a${from + index}`));

function setup(...answers: Scripted[]) {
  const transport = fakeTransport(...answers);
  const client = new RasterClient({ transport, apiKey: 'pk_pageSecret2', organizationId: 'acme' });
  return { transport, client };
}

function queries(requests: HttpRequest[]): Array<Record<string, string>> {
  return requests.map((request) => Object.fromEntries(new URL(request.url).searchParams));
}

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) {
    items.push(item);
  }
  return items;
}

describe('assets iterator', () => {
  it('fetches pages of 500 until a short page', async () => {
    const { transport, client } = setup(ok(assets(0, 500)), ok(assets(500, 500)), ok(assets(1000, 7)));

    const all = await collect(client.assets('photos'));

    expect(all).toHaveLength(1007);
    expect(queries(transport.requests)).toEqual([
      { page: '1', pageSize: '500' },
      { page: '2', pageSize: '500' },
      { page: '3', pageSize: '500' },
    ]);
  });

  it('stops after an empty page', async () => {
    const { transport, client } = setup(ok(assets(0, 500)), ok([]));

    expect(await collect(client.assets('photos'))).toHaveLength(500);
    expect(transport.requests).toHaveLength(2);
  });

  it('removes ids that shift onto the next page', async () => {
    // Two uploads between the requests push a0 and a1's neighbours onto page 2.
    const pageTwo = [...assets(498, 2), ...assets(500, 3)];
    const { client } = setup(ok(assets(0, 500)), ok(pageTwo));

    const all = await collect(client.assets('photos'));

    expect(all.map((item) => item.id)).toEqual(assets(0, 503).map((item) => item.id));
  });

  it('continues past a page shifted by a whole page', async () => {
    // 500 uploads between the first two requests push page 1 onto page 2.
    const { transport, client } = setup(ok(assets(0, 500)), ok(assets(0, 500)), ok(assets(500, 500)), ok(assets(1000, 1)));

    expect(await collect(client.assets('photos'))).toHaveLength(1001);
    expect(transport.requests).toHaveLength(4);
  });

  it('stops when the service ignores the page', async () => {
    const { transport, client } = setup(ok(assets(0, 500)), ok(assets(0, 500)), ok(assets(0, 500)), ok(assets(0, 500)));

    expect(await collect(client.assets('photos'))).toHaveLength(500);
    expect(transport.requests).toHaveLength(4);
  });

  it('passes the tag filter and a smaller page size', async () => {
    const { transport, client } = setup(ok(assets(0, 2)), ok(assets(2, 1)));

    const all = await collect(client.assets('photos', { tags: ['sync:web', 'red'], pageSize: 2 }));

    expect(all).toHaveLength(3);
    expect(queries(transport.requests)).toEqual([
      { page: '1', pageSize: '2', tags: 'sync:web,red' },
      { page: '2', pageSize: '2', tags: 'sync:web,red' },
    ]);
  });

  it('stops early when the caller breaks', async () => {
    const { transport, client } = setup(ok(assets(0, 500)), ok(assets(500, 500)));

    for await (const item of client.assets('photos')) {
      if (item.id === 'a3') {
        break;
      }
    }

    expect(transport.requests).toHaveLength(1);
  });
});

describe('libraries iterator', () => {
  it('fetches every page', async () => {
    const full = Array.from({ length: 500 }, (_, index) => library(`lib-${index}`));
    const { transport, client } = setup(ok(full), ok([library('last')]));

    const all = await collect(client.libraries());

    expect(all).toHaveLength(501);
    expect(all.at(-1)?.id).toBe('last');
    expect(queries(transport.requests)).toEqual([
      { page: '1', pageSize: '500' },
      { page: '2', pageSize: '500' },
    ]);
  });
});

describe('search iterator', () => {
  it('fetches hits page by page with the query', async () => {
    const hit = (id: string) => ({ ...asset(id), score: 1, highlights: { name: null, tags: [] } });
    const pageOne = Array.from({ length: 500 }, (_, index) => hit(`h${index}`));
    const { transport, client } = setup(
      ok({ hits: pageOne, found: 502, page: 1 }),
      ok({ hits: [hit('h499'), hit('h500'), hit('h501')], found: 502, page: 2 }),
    );

    const all = await collect(client.search({ q: 'car', libraries: ['photos'] }));

    expect(all.map((item) => item.id)).toHaveLength(502);
    expect(new Set(all.map((item) => item.id)).size).toBe(502);
    expect(queries(transport.requests)).toEqual([
      { q: 'car', libraries: 'photos', page: '1', pageSize: '500' },
      { q: 'car', libraries: 'photos', page: '2', pageSize: '500' },
    ]);
  });

  it('sends an empty query for recent assets', async () => {
    const { transport, client } = setup(ok({ hits: [], found: 0, page: 1 }));

    expect(await collect(client.search({ q: '' }))).toEqual([]);
    expect(queries(transport.requests)).toEqual([{ q: '', page: '1', pageSize: '500' }]);
  });
});
