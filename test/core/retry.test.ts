import { describe, expect, it } from 'vitest';

import {
  PROXY_REJECTED_CODE,
  RasterApiError,
  RasterClient,
  RasterNetworkError,
  backoffDelay,
  createRetryPolicy,
  parseRetryAfter,
  type RetryContext,
  type RetryInfo,
  type RequestInfo,
} from '@raster-toolkit/core';
import { sleep as nodeSleep } from '@raster-toolkit/core/node';

import { asset, bytesPart, fail, fakeClock, fakeTransport, networkFailure, ok, type Scripted } from './support/fake-transport';

const API_KEY = 'pk_retrySecret99';
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function setup(answers: Scripted[], retry = {}) {
  const clock = fakeClock(NOW);
  const transport = fakeTransport(...answers);
  const retries: RetryInfo[] = [];
  const requests: RequestInfo[] = [];
  const client = new RasterClient({
    transport,
    apiKey: API_KEY,
    organizationId: 'acme',
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0.5,
    retry,
    onRetry: (info) => retries.push(info),
    onRequest: (info) => requests.push(info),
  });
  return { client, transport, clock, retries, requests };
}

const uploadResult = { responseText: 'Uploaded 1 assets', assets: [asset('u1')] };

function context(failure: RetryContext['failure'], extra: Partial<RetryContext> = {}): RetryContext {
  return { attempt: 1, idempotent: true, previousDelayMs: 0, failure, ...extra };
}

describe('retry policy decisions', () => {
  const policy = createRetryPolicy({}, () => 0.5);

  it.each([429, 500, 502, 503, 504])('retries status %i', (status) => {
    expect(policy.decide(context({ kind: 'status', status })).retry).toBe(true);
    expect(policy.decide(context({ kind: 'status', status }, { idempotent: false })).retry).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 413, 501])('does not retry status %i', (status) => {
    expect(policy.decide(context({ kind: 'status', status })).retry).toBe(false);
  });

  it('retries network errors of idempotent requests', () => {
    expect(policy.decide(context({ kind: 'network', bodySent: true })).retry).toBe(true);
    expect(policy.decide(context({ kind: 'network', bodySent: false })).retry).toBe(true);
  });

  it('retries a non-idempotent request only when nothing was sent', () => {
    expect(policy.decide(context({ kind: 'network', bodySent: false }, { idempotent: false })).retry).toBe(true);
    const ambiguous = policy.decide(context({ kind: 'network', bodySent: true, code: 'ECONNRESET' }, { idempotent: false }));
    expect(ambiguous.retry).toBe(false);
    expect(ambiguous.reason).toBe('network error ECONNRESET after the request was sent; the outcome is unknown');
  });

  it('does not retry a rejected proxy tunnel', () => {
    const decision = policy.decide(context({ kind: 'network', bodySent: false, code: PROXY_REJECTED_CODE }));

    expect(decision.retry).toBe(false);
    expect(decision.reason).toBe('network error RASTER_PROXY_REJECTED is not retryable');
  });

  it('stops at the maximum attempts', () => {
    expect(policy.decide(context({ kind: 'status', status: 503 }, { attempt: 4 })).retry).toBe(true);
    const last = policy.decide(context({ kind: 'status', status: 503 }, { attempt: 5 }));
    expect(last.retry).toBe(false);
    expect(last.reason).toBe('status 503; gave up after 5 attempts');
  });

  it('waits exactly the Retry-After delay', () => {
    expect(policy.decide(context({ kind: 'status', status: 429, retryAfterMs: 3000 }))).toEqual({
      retry: true,
      delayMs: 3000,
      reason: 'status 429',
    });
  });

  it('gives up when Retry-After exceeds the maximum', () => {
    const decision = policy.decide(context({ kind: 'status', status: 503, retryAfterMs: 61_000 }));
    expect(decision.retry).toBe(false);
  });

  it('rejects invalid options with a usage error', () => {
    expect(() => createRetryPolicy({ maxAttempts: 0 })).toThrow(/Invalid retry.maxAttempts: 0/);
    expect(() => createRetryPolicy({ maxAttempts: 1.5 })).toThrow(/Pass an integer of at least 1/);
    expect(() => createRetryPolicy({ baseDelayMs: -1 })).toThrow(/Invalid retry.baseDelayMs/);
    expect(() => createRetryPolicy({ jitter: 'some' as never })).toThrow(/Pass full, decorrelated or none/);
  });
});

describe('backoff delays', () => {
  const options = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };

  it('doubles without jitter up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
      backoffDelay({ attempt, previousDelayMs: 0 }, { ...options, jitter: 'none' }, () => 0.5),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws full jitter between 0 and the backoff', () => {
    const full = { ...options, jitter: 'full' as const };
    expect(backoffDelay({ attempt: 3, previousDelayMs: 0 }, full, () => 0)).toBe(0);
    expect(backoffDelay({ attempt: 3, previousDelayMs: 0 }, full, () => 0.5)).toBe(200);
    expect(backoffDelay({ attempt: 3, previousDelayMs: 0 }, full, () => 0.999)).toBe(400);
    expect(backoffDelay({ attempt: 9, previousDelayMs: 0 }, full, () => 0.999)).toBe(999);
  });

  it('grows decorrelated jitter from the previous delay', () => {
    const decorrelated = { ...options, jitter: 'decorrelated' as const };
    expect(backoffDelay({ attempt: 1, previousDelayMs: 0 }, decorrelated, () => 0.5)).toBe(100);
    expect(backoffDelay({ attempt: 2, previousDelayMs: 100 }, decorrelated, () => 1)).toBe(300);
    expect(backoffDelay({ attempt: 3, previousDelayMs: 300 }, decorrelated, () => 0.5)).toBe(500);
    expect(backoffDelay({ attempt: 4, previousDelayMs: 900 }, decorrelated, () => 1)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP date', () => {
    expect(parseRetryAfter(new Date(NOW + 12_000).toUTCString(), NOW)).toBe(12_000);
    expect(parseRetryAfter('Mon, 01 Jun 2026 12:00:30 GMT', NOW)).toBe(30_000);
  });

  it('reads a past date as no wait', () => {
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });

  it('ignores missing and unreadable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-3', NOW)).toBeUndefined();
  });
});

describe('RasterClient retry sequences', () => {
  it('retries 503 and 500 with growing jittered waits', async () => {
    const { client, transport, clock, retries } = setup([fail(503, 'INTERNAL_SERVER_ERROR'), fail(500, 'INTERNAL_SERVER_ERROR'), ok([])]);

    await expect(client.listAssets('photos')).resolves.toEqual([]);

    expect(transport.requests).toHaveLength(3);
    expect(new Set(transport.requests.map((request) => request.url)).size).toBe(1);
    expect(clock.waits).toEqual([250, 500]);
    expect(client.requestCount).toBe(3);
    expect(retries).toEqual([
      { method: 'GET', path: '/organizations/acme/libraries/photos/assets', attempt: 1, delayMs: 250, reason: 'status 503' },
      { method: 'GET', path: '/organizations/acme/libraries/photos/assets', attempt: 2, delayMs: 500, reason: 'status 500' },
    ]);
  });

  it('grows decorrelated waits from the previous wait', async () => {
    const failures = Array.from({ length: 3 }, () => fail(503, 'INTERNAL_SERVER_ERROR'));
    const { client, transport, clock } = setup([...failures, ok([])], { jitter: 'decorrelated' });

    await client.listLibraries();

    expect(transport.requests).toHaveLength(4);
    expect(clock.waits).toEqual([500, 1000, 1750]);
  });

  it('retries 502 and 504', async () => {
    const { client, transport, clock } = setup([fail(502, 'HTTP_502'), fail(504, 'HTTP_504'), ok([])]);

    await client.listLibraries();

    expect(transport.requests).toHaveLength(3);
    expect(clock.waits).toEqual([250, 500]);
  });

  it('waits Retry-After seconds after a 429', async () => {
    const { client, transport, clock } = setup([fail(429, 'RATE_LIMITED', 'Slow down', { 'retry-after': '7' }), ok([])]);

    await client.listTags('photos');

    expect(transport.requests).toHaveLength(2);
    expect(clock.waits).toEqual([7000]);
  });

  it('reads Retry-After in any header case', async () => {
    const { client, clock } = setup([{ status: 503, headers: { 'Retry-After': '4' }, text: '' }, ok([])]);

    await client.listTags('photos');

    expect(clock.waits).toEqual([4000]);
  });

  it('waits until a Retry-After HTTP date', async () => {
    const retryAt = new Date(NOW + 12_000).toUTCString();
    const { client, transport, clock } = setup([fail(503, 'INTERNAL_SERVER_ERROR', 'Busy', { 'retry-after': retryAt }), ok([])]);

    await client.listTags('photos');

    expect(transport.requests).toHaveLength(2);
    expect(clock.waits).toEqual([12_000]);
  });

  it('fails at once when Retry-After exceeds the maximum', async () => {
    const { client, transport, clock } = setup([fail(429, 'RATE_LIMITED', 'Later', { 'retry-after': '3600' })]);

    const error = await client.listTags('photos').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterApiError);
    expect((error as RasterApiError).retryAfterMs).toBe(3_600_000);
    expect(transport.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('gives up after the maximum attempts', async () => {
    const failures = Array.from({ length: 3 }, () => fail(503, 'INTERNAL_SERVER_ERROR'));
    const { client, transport, clock } = setup(failures, { maxAttempts: 3 });

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterApiError);
    expect((error as RasterApiError).status).toBe(503);
    expect((error as RasterApiError).attempts).toBe(3);
    expect((error as RasterApiError).message).toContain('failed with 503 INTERNAL_SERVER_ERROR after 3 attempts: ');
    expect(transport.requests).toHaveLength(3);
    expect(clock.waits).toEqual([250, 500]);
  });

  it('sends once when retries are off', async () => {
    const { client, transport } = setup([fail(503, 'INTERNAL_SERVER_ERROR')], { maxAttempts: 1 });

    await expect(client.listLibraries()).rejects.toBeInstanceOf(RasterApiError);
    expect(transport.requests).toHaveLength(1);
  });

  it.each([
    [400, 'BAD_USER_INPUT'],
    [401, 'INVALID_API_KEY'],
    [403, 'API_KEY_READ_ONLY'],
    [404, 'RESOURCE_NOT_FOUND'],
    [409, 'LIBRARY_URL_TAKEN'],
    [413, 'PAYLOAD_TOO_LARGE'],
  ])('does not retry %i %s', async (status, code) => {
    const { client, transport, clock } = setup([fail(status, code)]);

    await expect(client.getAsset('photos', 'a1')).rejects.toMatchObject({ status, code });
    expect(transport.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('retries a GET after a reset connection', async () => {
    const { client, transport, clock, retries } = setup([networkFailure('ECONNRESET', true), ok([])]);

    await client.listAssets('photos');

    expect(transport.requests).toHaveLength(2);
    expect(clock.waits).toEqual([250]);
    expect(retries[0]?.reason).toBe('network error ECONNRESET');
  });

  it('retries an upload after 503 and 429', async () => {
    const { client, transport, clock } = setup([
      fail(503, 'INTERNAL_SERVER_ERROR'),
      fail(429, 'RATE_LIMITED', 'Slow down', { 'retry-after': '2' }),
      ok(uploadResult, 201),
    ]);

    const result = await client.uploadAssets('photos', [bytesPart('a.png', 'png')]);

    expect(result.assets.map((item) => item.id)).toEqual(['u1']);
    expect(transport.requests).toHaveLength(3);
    expect(clock.waits).toEqual([250, 2000]);
  });

  it('retries an upload whose connection failed before sending', async () => {
    const { client, transport } = setup([networkFailure('ECONNREFUSED', false), ok(uploadResult, 201)]);

    await client.uploadAssets('photos', [bytesPart('a.png', 'png')]);

    expect(transport.requests).toHaveLength(2);
  });

  it('counts attempts in a network error', async () => {
    const { client } = setup([networkFailure('ECONNRESET', true), networkFailure('ECONNRESET', true)], { maxAttempts: 2 });

    const error = (await client.listLibraries().catch((caught: unknown) => caught)) as RasterNetworkError;

    expect(error.attempts).toBe(2);
    expect(error.message).toBe(
      'GET /organizations/acme/libraries failed after the request was sent, so the service may have acted on it: ' +
        'socket failed: ECONNRESET (ECONNRESET). Gave up after 2 attempts.',
    );
  });

  it('surfaces an ambiguous upload failure without retrying', async () => {
    const { client, transport, clock, retries } = setup([networkFailure('ECONNRESET', true), ok(uploadResult, 201)]);

    const error = await client.uploadAssets('photos', [bytesPart('a.png', 'png')]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect((error as RasterNetworkError).code).toBe('ECONNRESET');
    expect((error as RasterNetworkError).method).toBe('POST');
    expect((error as RasterNetworkError).path).toBe('/organizations/acme/libraries/photos/assets');
    expect(transport.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
    expect(retries).toEqual([]);
  });

  it('counts a transport error without bodySent as ambiguous', async () => {
    const { client, transport } = setup([new Error('socket hang up'), ok(uploadResult, 201)]);

    const error = await client.uploadAssets('photos', [bytesPart('a.png', 'png')]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RasterNetworkError);
    expect((error as RasterNetworkError).ambiguous).toBe(true);
    expect(transport.requests).toHaveLength(1);
  });

  it('does not retry a transfer after an ambiguous failure', async () => {
    const { client, transport } = setup([networkFailure('ECONNRESET', true)]);

    await expect(client.transferAssets('photos', 'archive', ['a1'])).rejects.toMatchObject({ ambiguous: true });
    expect(transport.requests).toHaveLength(1);
  });

  it('does not retry a library creation after an ambiguous failure', async () => {
    const { client, transport } = setup([networkFailure('UND_ERR_HEADERS_TIMEOUT', true)]);

    await expect(client.createLibrary({ name: 'New' })).rejects.toMatchObject({ ambiguous: true });
    expect(transport.requests).toHaveLength(1);
  });

  it('retries idempotent writes after an ambiguous failure', async () => {
    const { client, transport } = setup([
      networkFailure('ECONNRESET', true),
      ok({ success: true, message: 'Moved 1 assets to trash', ids: ['a1'] }),
      networkFailure('ECONNRESET', true),
      ok({ taggedCount: 1 }),
      networkFailure('ECONNRESET', true),
      ok({ assetId: 'a1', description: 'x' }),
    ]);

    await client.deleteAssets('photos', ['a1']);
    await client.tagAssets('photos', ['a1'], ['red']);
    await client.setDescription('photos', 'a1', 'x');

    expect(transport.requests.map((request) => request.method)).toEqual(['DELETE', 'DELETE', 'POST', 'POST', 'PATCH', 'PATCH']);
  });

  it('reports each attempt to onRequest', async () => {
    const { client, requests } = setup([fail(500, 'INTERNAL_SERVER_ERROR'), ok([])]);

    await client.listLibraries({ pageSize: 5 });

    expect(requests).toEqual([
      { method: 'GET', path: '/organizations/acme/libraries?pageSize=5', attempt: 1 },
      { method: 'GET', path: '/organizations/acme/libraries?pageSize=5', attempt: 2 },
    ]);
  });
});

describe('aborting', () => {
  it('cancels a pending retry wait', async () => {
    const transport = fakeTransport(fail(503, 'INTERNAL_SERVER_ERROR'), ok([]));
    const controller = new AbortController();
    const client = new RasterClient({
      transport,
      apiKey: API_KEY,
      organizationId: 'acme',
      sleep: nodeSleep,
      random: () => 0.99,
      retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 },
      onRetry: () => setImmediate(() => controller.abort(new Error('stopped by the test'))),
    });
    const started = Date.now();

    await expect(client.listLibraries({ signal: controller.signal })).rejects.toThrow('stopped by the test');

    expect(Date.now() - started).toBeLessThan(5000);
    expect(transport.requests).toHaveLength(1);
  });

  it('rejects at once with an aborted signal', async () => {
    const transport = fakeTransport(ok([]));
    const client = new RasterClient({ transport, apiKey: API_KEY, organizationId: 'acme' });
    const reason = new Error('already stopped');

    await expect(client.listLibraries({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(transport.requests).toHaveLength(0);
  });

  it('rejects with the reason when the transport aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled workflow');
    const transport = fakeTransport(async () => {
      controller.abort(reason);
      throw new DOMException('This operation was aborted', 'AbortError');
    });
    const client = new RasterClient({ transport, apiKey: API_KEY, organizationId: 'acme' });

    await expect(client.uploadAssets('photos', [bytesPart('a.png', 'x')], { signal: controller.signal })).rejects.toBe(reason);
  });

  it('waits with the transport sleep when none is given', async () => {
    const waits: number[] = [];
    const transport = Object.assign(fakeTransport(fail(503, 'INTERNAL_SERVER_ERROR'), ok([])), {
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    });
    const client = new RasterClient({ transport, apiKey: API_KEY, organizationId: 'acme', random: () => 0.5 });

    await client.listLibraries();

    expect(waits).toEqual([250]);
  });

  it('waits with the fallback sleep otherwise', async () => {
    const transport = fakeTransport(fail(503, 'INTERNAL_SERVER_ERROR'), ok([]));
    const client = new RasterClient({
      transport,
      apiKey: API_KEY,
      organizationId: 'acme',
      retry: { baseDelayMs: 20, jitter: 'none' },
    });
    const started = Date.now();

    await client.listLibraries();

    expect(transport.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('node sleep rejects with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    setTimeout(() => controller.abort(reason), 10);

    await expect(nodeSleep(60_000, controller.signal)).rejects.toBe(reason);
  });
});
