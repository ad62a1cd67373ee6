/**
 * One case per route of the Raster REST API: the client call, the request it must send and
 * the response that comes back. Shared by the fake-transport and the MockAgent route tests.
 */

import { RasterClient, type RasterClientOptions } from '@raster-toolkit/core';

import { asset, bytesPart, library } from './fake-transport';

export const API_KEY = 'pk_routeCaseSecret42';
export const ORGANIZATION = 'acme';

export interface ExpectedPart {
  filename: string;
  contentType: string;
  text: string;
}

export interface RouteCase {
  name: string;
  call: (client: RasterClient, options: Omit<RasterClientOptions, 'apiKey'>) => Promise<unknown>;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pathname: string;
  query?: Record<string, string>;
  /** JSON body the request must carry. */
  json?: unknown;
  /** Multipart parts, in order, every one named `files`. */
  parts?: ExpectedPart[];
  /** False for the anonymous route, which sends no `Authorization`. */
  authenticated?: boolean;
  status?: number;
  data: unknown;
  result: unknown;
}

const libraryPath = `/organizations/${ORGANIZATION}/libraries/photos`;

/** The asset the routes return, equal to its parsed form because every field is given. */
const assetA1 = asset('a1', { tags: ['red'], width: 640, height: 480, blurhash: 'LEHV6n' });

export const routeCases: RouteCase[] = [
  {
    name: 'GET /me',
    call: (client) => client.me(),
    method: 'GET',
    pathname: '/me',
    data: { organizationId: 'acme', organizationName: 'Acme', plan: 'pro', libraries: ['photos', 'docs'] },
    result: { organizationId: 'acme', organizationName: 'Acme', plan: 'pro', libraries: ['photos', 'docs'] },
  },
  {
    name: 'POST /libraries anonymous',
    call: (_client, options) =>
      RasterClient.createAnonymousLibrary(options, { email: 'someone@example.com', name: 'Trial' }),
    method: 'POST',
    pathname: '/libraries',
    json: { email: 'someone@example.com', name: 'Trial' },
    authenticated: false,
    status: 201,
    data: {
      organizationId: 'anon-1',
      libraryId: 'trial',
      apiKey: 'pk_anonymousKey1',
      claimUrl: 'https://raster.app/claim/1',
      expiresAt: '2026-07-01T00:00:00.000Z',
      emailSent: false,
    },
    result: {
      organizationId: 'anon-1',
      libraryId: 'trial',
      apiKey: 'pk_anonymousKey1',
      claimUrl: 'https://raster.app/claim/1',
      expiresAt: '2026-07-01T00:00:00.000Z',
      emailSent: false,
    },
  },
  {
    name: 'GET /libraries',
    call: (client) => client.listLibraries({ page: 2, pageSize: 10 }),
    method: 'GET',
    pathname: `/organizations/${ORGANIZATION}/libraries`,
    query: { page: '2', pageSize: '10' },
    data: [library('photos', { assetsCount: 3, tags: [{ id: 'red', count: 2, type: 'user' }] })],
    result: [library('photos', { assetsCount: 3, tags: [{ id: 'red', count: 2, type: 'user' }] })],
  },
  {
    name: 'POST /libraries',
    call: (client) => client.createLibrary({ name: 'Docs figures', slug: 'docs-figures' }),
    method: 'POST',
    pathname: `/organizations/${ORGANIZATION}/libraries`,
    json: { name: 'Docs figures', slug: 'docs-figures' },
    status: 201,
    data: library('docs-figures', { name: 'Docs figures' }),
    result: library('docs-figures', { name: 'Docs figures' }),
  },
  {
    name: 'PATCH /libraries/:lib',
    call: (client) => client.renameLibrary('photos', 'Photos 2026'),
    method: 'PATCH',
    pathname: libraryPath,
    json: { name: 'Photos 2026' },
    data: library('photos', { name: 'Photos 2026' }),
    result: library('photos', { name: 'Photos 2026' }),
  },
  {
    name: 'GET /libraries/:lib/assets',
    call: (client) => client.listAssets('photos', { page: 1, pageSize: 500, tags: ['red', 'sync:web'] }),
    method: 'GET',
    pathname: `${libraryPath}/assets`,
    query: { page: '1', pageSize: '500', tags: 'red,sync:web' },
    data: [assetA1],
    result: [assetA1],
  },
  {
    name: 'GET /libraries/:lib/assets/:assetId',
    call: (client) => client.getAsset('photos', 'a1/b c'),
    method: 'GET',
    pathname: `${libraryPath}/assets/a1%2Fb%20c`,
    data: assetA1,
    result: assetA1,
  },
  {
    name: 'GET /search/assets',
    call: (client) => client.searchAssets({ q: 'red car', libraries: ['photos', 'docs'], page: 3, pageSize: 20 }),
    method: 'GET',
    pathname: `/organizations/${ORGANIZATION}/search/assets`,
    query: { q: 'red car', libraries: 'photos,docs', page: '3', pageSize: '20' },
    data: { hits: [{ ...assetA1, score: 1.5, highlights: { name: '<mark>red</mark>', tags: ['red'] } }], found: 41, page: 3 },
    result: { hits: [{ ...assetA1, score: 1.5, highlights: { name: '<mark>red</mark>', tags: ['red'] } }], found: 41, page: 3 },
  },
  {
    name: 'GET /libraries/:lib/tags',
    call: (client) => client.listTags('photos', { limit: 10 }),
    method: 'GET',
    pathname: `${libraryPath}/tags`,
    query: { limit: '10' },
    data: [
      { id: 'red', count: 5, type: 'user' },
      { id: 'car', count: 2, type: 'ai' },
    ],
    result: [
      { id: 'red', count: 5, type: 'user' },
      { id: 'car', count: 2, type: 'ai' },
    ],
  },
  {
    name: 'POST /libraries/:lib/assets',
    call: (client) =>
      client.uploadAssets('photos', [bytesPart('home.png', 'first image'), bytesPart('docs/über.jpg', 'second', 'image/jpeg')]),
    method: 'POST',
    pathname: `${libraryPath}/assets`,
    parts: [
      { filename: 'home.png', contentType: 'image/png', text: 'first image' },
      { filename: 'docs/über.jpg', contentType: 'image/jpeg', text: 'second' },
    ],
    status: 201,
    data: { responseText: 'Uploaded 2 assets', assets: [asset('u1'), asset('u2')] },
    result: { responseText: 'Uploaded 2 assets', assets: [asset('u1'), asset('u2')] },
  },
  {
    name: 'DELETE /libraries/:lib/assets',
    call: (client) => client.deleteAssets('photos', ['a1', 'a2']),
    method: 'DELETE',
    pathname: `${libraryPath}/assets`,
    json: { ids: ['a1', 'a2'] },
    data: { success: true, message: 'Moved 2 assets to trash', ids: ['a1', 'a2'] },
    result: { success: true, message: 'Moved 2 assets to trash', ids: ['a1', 'a2'] },
  },
  {
    name: 'POST /libraries/:lib/assets/tag',
    call: (client) => client.tagAssets('photos', ['a1', 'a2'], ['red', 'blue']),
    method: 'POST',
    pathname: `${libraryPath}/assets/tag`,
    json: { assetIds: ['a1', 'a2'], tags: ['red', 'blue'] },
    data: { taggedCount: 3 },
    result: { taggedCount: 3 },
  },
  {
    name: 'POST /libraries/:lib/assets/untag',
    call: (client) => client.untagAssets('photos', ['a1'], ['red']),
    method: 'POST',
    pathname: `${libraryPath}/assets/untag`,
    json: { assetIds: ['a1'], tags: ['red'] },
    data: { untaggedCount: 1 },
    result: { untaggedCount: 1 },
  },
  {
    name: 'PATCH /libraries/:lib/assets/:assetId/description',
    call: (client) => client.setDescription('photos', 'a1', 'A red car at dusk'),
    method: 'PATCH',
    pathname: `${libraryPath}/assets/a1/description`,
    json: { description: 'A red car at dusk' },
    data: { assetId: 'a1', description: 'A red car at dusk' },
    result: { assetId: 'a1', description: 'A red car at dusk' },
  },
  {
    name: 'POST /libraries/:lib/assets/transfer',
    call: (client) => client.transferAssets('photos', 'archive', ['a1', 'a2']),
    method: 'POST',
    pathname: `${libraryPath}/assets/transfer`,
    json: { targetLibraryId: 'archive', assetIds: ['a1', 'a2'] },
    data: { transferredCount: 2, sourceLibraryId: 'photos', targetLibraryId: 'archive' },
    result: { transferredCount: 2, sourceLibraryId: 'photos', targetLibraryId: 'archive' },
  },
];

/** A parsed multipart part. */
export interface ReceivedPart {
  name: string | undefined;
  filename: string | undefined;
  contentType: string | undefined;
  text: string;
}

/** Splits a multipart body by the boundary of its content type; enough for the test bodies. */
export function parseMultipart(body: Uint8Array, contentType: string): ReceivedPart[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (boundary === undefined) {
    throw new Error(`no boundary in ${contentType}`);
  }

  const text = new TextDecoder().decode(body);
  const sections = text.split(`--${boundary}`);
  if (sections.at(-1) !== '--\r\n') {
    throw new Error(`multipart body does not end with the closing boundary: ${JSON.stringify(sections.at(-1))}`);
  }

  return sections.slice(1, -1).map((section) => {
    const [head = '', ...rest] = section.replace(/^\r\n/, '').split('\r\n\r\n');
    const content = rest.join('\r\n\r\n').replace(/\r\n$/, '');
    return {
      name: /name="([^"]*)"/.exec(head)?.[1],
      filename: /filename="([^"]*)"/.exec(head)?.[1],
      contentType: /content-type: *([^\r\n]+)/i.exec(head)?.[1],
      text: content,
    };
  });
}
