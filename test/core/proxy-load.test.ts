/** The transport when undici's main module, which it loads only for a proxy, fails to load. */
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('undici');
  vi.resetModules();
});

it('fails requests unsent when loading fails', async () => {
  vi.resetModules();
  vi.doMock('undici', () => {
    throw new Error('undici failed to load');
  });
  const { createUndiciTransport } = await import('../../core/src/node/undici-transport');
  const transport = createUndiciTransport({ httpProxy: 'http://127.0.0.1:1', httpsProxy: '' });

  const error = await transport.send({ method: 'POST', url: 'http://127.0.0.1:1/libraries?page=1', headers: {} }).catch((caught: unknown) => caught);

  expect(error).toMatchObject({ name: 'RasterNetworkError', method: 'POST', path: '/libraries?page=1', bodySent: false });
  expect((error as Error).message).toContain('POST /libraries?page=1 failed before the request was sent');
  await expect(transport.close()).resolves.toBeUndefined();
});
