import { inspect } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { RasterClient, RasterUsageError, redactError, redactText, redactUrl } from '@raster-toolkit/core';
import { createUndiciTransport } from '@raster-toolkit/core/node';

import { bytesPart, fail, fakeClock, fakeTransport, ok, type Scripted } from './support/fake-transport';
import { startServer } from './support/loopback-server';

/** Deliberately not shaped like `pk_...`, so only the client's own redaction can remove it. */
const SECRET = 'sk-live-1234567890abcdef';

function everything(value: unknown): string {
  const error = value as Error;
  return [inspect(value, { depth: 10 }), String(value), error?.message, error?.stack, JSON.stringify(value)].join('\n');
}

function setup(...answers: Scripted[]) {
  const clock = fakeClock();
  const logged: unknown[] = [];
  const client = new RasterClient({
    transport: fakeTransport(...answers),
    apiKey: SECRET,
    organizationId: 'acme',
    sleep: clock.sleep,
    now: clock.now,
    random: () => 0,
    retry: { maxAttempts: 2 },
    onRequest: (info) => logged.push(info),
    onResponse: (info) => logged.push(info),
    onRetry: (info) => logged.push(info),
  });
  return { client, logged };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

describe('the API key never leaks', () => {
  it('from a service message that echoes it', async () => {
    const { client } = setup(fail(401, 'INVALID_API_KEY', `Key ${SECRET} is not valid (Bearer ${SECRET})`));

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(everything(error)).not.toContain(SECRET);
    expect((error as Error).message).toContain('Key [REDACTED] is not valid (Bearer [REDACTED])');
  });

  it('from an HTML body that echoes it', async () => {
    const { client } = setup({ status: 400, headers: {}, text: `<p>Authorization: Bearer ${SECRET}</p>` });

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(everything(error)).not.toContain(SECRET);
  });

  it('from a network error cause chain', async () => {
    const inner = Object.assign(new Error(`proxy refused header authorization=Bearer ${SECRET}`), { code: 'EPROTO', headers: { authorization: SECRET } });
    const outer = Object.assign(new Error(`request with ${SECRET} failed`, { cause: inner }), {
      bodySent: true,
      request: { headers: { authorization: `Bearer ${SECRET}` } },
    });
    const { client } = setup(outer);

    const error = await client.uploadAssets('photos', [bytesPart('a.png', 'x')]).catch((caught: unknown) => caught);

    expect(everything(error)).not.toContain(SECRET);
    expect(everything((error as Error).cause)).not.toContain(SECRET);
    expect(everything(((error as Error).cause as Error).cause)).not.toContain(SECRET);
    expect(((error as Error).cause as Error).message).toBe('request with [REDACTED] failed');
    expect((((error as Error).cause as Error).cause as { code?: string }).code).toBe('EPROTO');
  });

  it('nor a proxy password from a cause', async () => {
    const cause = Object.assign(new Error('connect to http://user:hunter2@127.0.0.1:3128 failed'), { code: 'ECONNREFUSED', bodySent: false });
    const { client } = setup(cause, cause);

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(everything(error)).not.toContain('hunter2');
    expect((error as Error).message).toContain('http://[REDACTED]@127.0.0.1:3128');
  });

  it('from a query that contains it', async () => {
    const { client, logged } = setup(fail(400, 'BAD_USER_INPUT', 'Invalid query'));

    const error = await client.searchAssets({ q: SECRET }).catch((caught: unknown) => caught);

    expect(everything(error)).not.toContain(SECRET);
    expect(everything(logged)).not.toContain(SECRET);
  });

  it('from the hooks', async () => {
    const { client, logged } = setup(fail(503, 'INTERNAL_SERVER_ERROR'), ok([]));

    await client.listLibraries();

    expect(logged).toHaveLength(5);
    expect(everything(logged)).not.toContain(SECRET);
  });

  it('from the client object', () => {
    const { client } = setup();

    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(JSON.stringify(client)).not.toContain(SECRET);
    expect(Object.values(client).map(String).join()).not.toContain(SECRET);
  });

  it('from usage errors about the key', () => {
    const transport = fakeTransport();

    for (const apiKey of [`${SECRET} `, `${SECRET}\n`]) {
      const error = (() => {
        try {
          return new RasterClient({ transport, apiKey });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(RasterUsageError);
      expect(everything(error)).not.toContain(SECRET);
    }
  });

  it('from errors of the undici transport', async () => {
    const server = await startServer((request) => {
      request.socket.destroy();
    });
    cleanups.push(() => server.close());
    const transport = createUndiciTransport();
    cleanups.push(() => transport.close());
    const client = new RasterClient({
      transport,
      apiKey: SECRET,
      organizationId: 'acme',
      baseUrl: server.url,
      retry: { maxAttempts: 1 },
    });

    const error = await client.listLibraries().catch((caught: unknown) => caught);

    expect(everything(error)).not.toContain(SECRET);
  });
});

describe('redaction helpers', () => {
  it('remove given secrets and key-shaped text', () => {
    expect(redactText(`a ${SECRET} b`, [SECRET])).toBe('a [REDACTED] b');
    expect(redactText('Bearer abc.def-ghi')).toBe('Bearer [REDACTED]');
    expect(redactText('key pk_AbC123xyz here')).toBe('key [REDACTED] here');
    expect(redactText('plain text stays')).toBe('plain text stays');
  });

  it('remove user information from URLs', () => {
    expect(redactUrl('https://user:pass@proxy.example:8080/x')).toBe('https://[REDACTED]@proxy.example:8080/x');
    expect(redactUrl(`https://api.example/x?key=${SECRET}`, [SECRET])).toBe('https://api.example/x?key=[REDACTED]');
  });

  it('copy errors without extra properties', () => {
    const error = Object.assign(new Error('failed'), { code: 'E1', headers: { authorization: 'x' } });
    const copy = redactError(error) as Error & { code?: string; headers?: unknown };

    expect(copy.message).toBe('failed');
    expect(copy.code).toBe('E1');
    expect(copy.headers).toBeUndefined();
  });

  it('describe non-errors without [object Object]', () => {
    expect(redactError({ reason: 'x' })).toBe('{"reason":"x"}');
    expect(redactError(`Bearer ${SECRET}`)).toBe('Bearer [REDACTED]');
    expect(redactError(42)).toBe(42);
  });
});
