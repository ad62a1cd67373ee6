/** The transport when undici's proxy agent, which it loads only for a proxy, fails to load. */
import { afterEach, expect, it, vi } from 'vitest';

const PROXY_AGENT_MODULE = 'undici/lib/dispatcher/env-http-proxy-agent.js';

afterEach(() => {
  vi.doUnmock(PROXY_AGENT_MODULE);
  vi.resetModules();
});

it('fails requests unsent when loading fails', async () => {
  vi.resetModules();
  vi.doMock(PROXY_AGENT_MODULE, () => {
    throw new Error('the proxy agent failed to load');
  });
  const { createUndiciTransport } = await import('../../core/src/node/undici-transport');
  const transport = createUndiciTransport({ httpProxy: 'http://127.0.0.1:1', httpsProxy: '' });

  const error = await transport.send({ method: 'POST', url: 'http://127.0.0.1:1/libraries?page=1', headers: {} }).catch((caught: unknown) => caught);

  expect(error).toMatchObject({ name: 'RasterNetworkError', method: 'POST', path: '/libraries?page=1', bodySent: false });
  expect((error as Error).message).toContain('POST /libraries?page=1 failed before the request was sent');
  // vitest wraps the factory's error in one of its own, with the original as its cause.
  const causes: string[] = [];
  for (let cause = (error as Error).cause; cause instanceof Error; cause = cause.cause) causes.push(cause.message);
  expect(causes).toContain('the proxy agent failed to load');
  await expect(transport.close()).resolves.toBeUndefined();
});
