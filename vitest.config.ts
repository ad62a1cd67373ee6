import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // n8n-node/ is a separate npm project with its own copy of n8n-workflow. The node's sources
    // and the tests must share one copy, as they share n8n's in a real instance, or
    // `instanceof NodeApiError` fails across the two.
    dedupe: ['n8n-workflow'],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**', 'test/e2e/n8n/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
