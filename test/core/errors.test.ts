import { describe, expect, it } from 'vitest';

import {
  RasterApiError,
  RasterClient,
  RasterError,
  RasterNetworkError,
  RasterUsageError,
  classifyApiFailure,
  isAmbiguousFailure,
  isBadInput,
  isLibraryNotReachable,
  isLibrarySlugTaken,
  isOrganizationNotFound,
  isPayloadTooLarge,
  isPlanLimit,
  isRateLimited,
  isReadOnlyKey,
  isResourceNotFound,
  isUnauthorized,
  type RasterErrorKind,
} from '@raster-toolkit/core';

import { fail, fakeTransport, ok } from './support/fake-transport';

const predicates = {
  isUnauthorized,
  isLibraryNotReachable,
  isResourceNotFound,
  isOrganizationNotFound,
  isReadOnlyKey,
  isBadInput,
  isPayloadTooLarge,
  isLibrarySlugTaken,
  isPlanLimit,
  isRateLimited,
} as const;

type PredicateName = keyof typeof predicates;

interface CodeCase {
  status: number;
  code: string;
  kind: RasterErrorKind;
  /** The predicates that must hold; every other one must not. */
  matches: PredicateName[];
}

/** Every code of the API's error table, in both generations where the documentation has two. */
const codeCases: CodeCase[] = [
  { status: 401, code: 'UNAUTHENTICATED', kind: 'unauthenticated', matches: ['isUnauthorized'] },
  { status: 401, code: 'API_KEY_NOT_PROVIDED', kind: 'unauthenticated', matches: ['isUnauthorized'] },
  { status: 401, code: 'INVALID_API_KEY', kind: 'invalid-api-key', matches: ['isUnauthorized'] },
  { status: 400, code: 'API_VERSION_REQUIRED', kind: 'api-version-required', matches: ['isBadInput'] },
  { status: 404, code: 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY', kind: 'library-not-reachable', matches: ['isLibraryNotReachable'] },
  { status: 401, code: 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY', kind: 'library-not-reachable', matches: ['isLibraryNotReachable'] },
  { status: 403, code: 'API_KEY_READ_ONLY', kind: 'read-only-key', matches: ['isReadOnlyKey'] },
  { status: 404, code: 'ORGANIZATION_NOT_FOUND', kind: 'organization-not-found', matches: ['isOrganizationNotFound'] },
  { status: 404, code: 'RESOURCE_NOT_FOUND', kind: 'resource-not-found', matches: ['isResourceNotFound'] },
  { status: 404, code: 'ENDPOINT_NOT_FOUND', kind: 'endpoint-not-found', matches: [] },
  { status: 400, code: 'BAD_USER_INPUT', kind: 'bad-input', matches: ['isBadInput'] },
  { status: 413, code: 'PAYLOAD_TOO_LARGE', kind: 'payload-too-large', matches: ['isPayloadTooLarge'] },
  { status: 400, code: 'MAX_ASSETS_EXCEEDED', kind: 'too-many-assets', matches: ['isBadInput'] },
  { status: 400, code: 'UPLOAD_ERROR_NO_FILES', kind: 'no-files', matches: ['isBadInput'] },
  { status: 400, code: 'DELETE_ERROR', kind: 'no-ids', matches: ['isBadInput'] },
  { status: 409, code: 'LIBRARY_URL_TAKEN', kind: 'library-slug-taken', matches: ['isLibrarySlugTaken'] },
  { status: 403, code: 'STORAGE_LIMIT_EXCEEDED', kind: 'plan-limit', matches: ['isPlanLimit'] },
  { status: 403, code: 'LIBRARY_LOCKED', kind: 'plan-limit', matches: ['isPlanLimit'] },
  { status: 403, code: 'PRO_PLAN_CANCELED', kind: 'plan-limit', matches: ['isPlanLimit'] },
  { status: 500, code: 'INTERNAL_SERVER_ERROR', kind: 'server-error', matches: [] },
  { status: 429, code: 'TOO_MANY_REQUESTS', kind: 'rate-limited', matches: ['isRateLimited'] },
];

function unexpected(value: unknown): never {
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

function client(...answers: Parameters<typeof fakeTransport>) {
  return new RasterClient({
    transport: fakeTransport(...answers),
    apiKey: 'pk_errorsSecret7',
    organizationId: 'acme',
    retry: { maxAttempts: 1 },
  });
}

describe('RasterApiError for each documented code', () => {
  for (const testCase of codeCases) {
    it(`${testCase.status} ${testCase.code}`, async () => {
      const message = `Service says ${testCase.code.toLowerCase()}`;
      const error = await client(fail(testCase.status, testCase.code, message))
        .getAsset('photos', 'a1')
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(RasterApiError);
      expect(error).toBeInstanceOf(RasterError);
      const apiError = error as RasterApiError;
      expect(apiError.name).toBe('RasterApiError');
      expect(apiError.status).toBe(testCase.status);
      expect(apiError.code).toBe(testCase.code);
      expect(apiError.serviceMessage).toBe(message);
      expect(apiError.method).toBe('GET');
      expect(apiError.path).toBe('/organizations/acme/libraries/photos/assets/a1');
      expect(apiError.kind).toBe(testCase.kind);
      expect(apiError.message).toContain(
        `GET /organizations/acme/libraries/photos/assets/a1 failed with ${testCase.status} ${testCase.code}: ${message}`,
      );

      const holding = Object.entries(predicates)
        .filter(([, predicate]) => predicate(error))
        .map(([name]) => name);
      expect(holding).toEqual(testCase.matches);
    });
  }

  it('covers every code of the error table', () => {
    const codes = new Set(codeCases.map((testCase) => testCase.code));
    for (const code of [
      'UNAUTHENTICATED',
      'API_KEY_NOT_PROVIDED',
      'INVALID_API_KEY',
      'API_VERSION_REQUIRED',
      'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY',
      'API_KEY_READ_ONLY',
      'ORGANIZATION_NOT_FOUND',
      'RESOURCE_NOT_FOUND',
      'ENDPOINT_NOT_FOUND',
      'BAD_USER_INPUT',
      'PAYLOAD_TOO_LARGE',
      'MAX_ASSETS_EXCEEDED',
      'UPLOAD_ERROR_NO_FILES',
      'DELETE_ERROR',
      'LIBRARY_URL_TAKEN',
      'STORAGE_LIMIT_EXCEEDED',
      'LIBRARY_LOCKED',
      'PRO_PLAN_CANCELED',
      'INTERNAL_SERVER_ERROR',
    ]) {
      expect(codes.has(code), code).toBe(true);
    }
  });

  it('adds advice a person can act on', async () => {
    const error = await client(fail(404, 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY', 'Not authorized'))
      .listAssets('photos')
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.message).toMatch(/Check the library id and that the API key holds access to it/);
  });
});

describe('classifyApiFailure without a known code', () => {
  it.each([
    [401, 'unauthenticated'],
    [404, 'resource-not-found'],
    [413, 'payload-too-large'],
    [429, 'rate-limited'],
    [400, 'bad-input'],
    [422, 'bad-input'],
    [502, 'server-error'],
    [503, 'server-error'],
    [418, 'unknown'],
    [409, 'unknown'],
  ])('status %i is %s', (status, kind) => {
    expect(classifyApiFailure(status, `HTTP_${status}`)).toBe(kind);
  });
});

describe('responses that are not envelopes', () => {
  it('reads an HTML error page from a proxy', async () => {
    const error = await client({ status: 502, headers: {}, text: '<html>\n<body>Bad   Gateway</body></html>' })
      .listLibraries()
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error).toBeInstanceOf(RasterApiError);
    expect(error.code).toBe('HTTP_502');
    expect(error.kind).toBe('server-error');
    expect(error.serviceMessage).toBe('no error envelope in the response: "<html> <body>Bad Gateway</body></html>"');
  });

  it('reads an empty error body', async () => {
    const error = await client({ status: 503, headers: {}, text: '' })
      .listLibraries()
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.serviceMessage).toBe('no error envelope in the response: an empty body');
  });

  it('cuts a long body to an excerpt', async () => {
    const error = await client({ status: 500, headers: {}, text: 'x'.repeat(5000) })
      .listLibraries()
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.serviceMessage.length).toBeLessThan(300);
    expect(error.serviceMessage).toMatch(/x\.\.\."$/);
  });

  it('rejects a success without data as INVALID_RESPONSE', async () => {
    const error = await client({ status: 200, headers: {}, text: '{"result":[]}' })
      .listLibraries()
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error).toBeInstanceOf(RasterApiError);
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('expected a JSON body with a "data" field, got "{\\"result\\":[]}"');
  });

  it('rejects data of the wrong shape as INVALID_RESPONSE', async () => {
    const error = await client(ok({ not: 'a list' }))
      .listAssets('photos')
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.serviceMessage).toBe('expected assets to be a list, got object');
  });

  it('rejects an asset without an id', async () => {
    const error = await client(ok([{ name: 'x' }]))
      .listAssets('photos')
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.serviceMessage).toBe('expected asset.id to be a string, got undefined');
  });

  it('fills fields the service leaves out', async () => {
    const [parsed] = await client(ok([{ id: 'a1' }])).listAssets('photos');

    expect(parsed).toMatchObject({ id: 'a1', name: null, width: null, tags: [], views: [], uploadedBy: null });
  });

  it('rejects an asset summary without an id', async () => {
    const error = await client(ok([{ name: 'x' }]))
      .listAssetSummaries('photos')
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.serviceMessage).toBe('expected asset.id to be a string, got undefined');
  });

  it('rejects a library summary without an id', async () => {
    const error = await client(ok([{ name: 'x' }]))
      .listLibrarySummaries()
      .then(unexpected, (caught: unknown) => caught as RasterApiError);

    expect(error.serviceMessage).toBe('expected library.id to be a string, got undefined');
  });

  it('fills missing library summary fields', async () => {
    const [parsed] = await client(ok([{ id: 'photos', tags: 'not a list' }])).listLibrarySummaries();

    expect(parsed).toEqual({ id: 'photos', name: '', assetsCount: 0 });
  });

  it('fills missing asset summary fields', async () => {
    const [parsed] = await client(ok([{ id: 'a1', tags: ['x', 7] }])).listAssetSummaries('photos');

    expect(parsed).toEqual({ id: 'a1', name: null, url: null, thumbUrl: null, size: null, created: null, tags: ['x'] });
  });
});

describe('RasterNetworkError', () => {
  it('says whether the request was sent', () => {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const sent = new RasterNetworkError({ method: 'POST', path: '/x', cause, bodySent: true });
    const unsent = new RasterNetworkError({ method: 'GET', path: '/y', cause, bodySent: false });

    expect(sent.ambiguous).toBe(true);
    expect(isAmbiguousFailure(sent)).toBe(true);
    expect(sent.message).toBe(
      'POST /x failed after the request was sent, so the service may have acted on it: read ECONNRESET (ECONNRESET)',
    );
    expect(sent.cause).toBe(cause);
    expect(unsent.ambiguous).toBe(false);
    expect(isAmbiguousFailure(unsent)).toBe(false);
    expect(unsent.message).toBe('GET /y failed before the request was sent: read ECONNRESET (ECONNRESET)');
  });
});

describe('RasterUsageError', () => {
  it('names the parameter and the fix', () => {
    const error = new RasterUsageError('libraryId', 'Invalid libraryId: "A B". Pass the slug.');

    expect(error).toBeInstanceOf(RasterError);
    expect(error.name).toBe('RasterUsageError');
    expect(error.parameter).toBe('libraryId');
  });
});
