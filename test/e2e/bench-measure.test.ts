import { performance } from 'node:perf_hooks';

import { expect, it } from 'vitest';

import { runMeasured } from '../bench/measure';

// The emulator runs in the harness process, so `loopBusyMs` and `loopCpuMs` are the emulator's
// share of a side only if the harness's own work on that thread is left out of them.

it('measured run counts blocked loop as busy', async () => {
  const blockMs = 150;
  const blocker = setTimeout(() => {
    const until = performance.now() + blockMs;
    while (performance.now() < until) {
      // Holds the event loop as a request handler would.
    }
  }, 50);

  const run = await runMeasured('sleep', ['0.5'], { timeoutMs: 10_000 });
  clearTimeout(blocker);

  expect(run.exitCode).toBe(0);
  expect(run.loopBusyMs).toBeGreaterThanOrEqual(blockMs - 5);
  expect(run.loopCpuMs).toBeGreaterThan(blockMs / 2);
});

it('measured run leaves out memory sampling', async () => {
  // 40 sleeping children make every sample read about 40 status files.
  const script = 'for i in $(seq 40); do sleep 1 & done; wait';
  const loopBefore = performance.eventLoopUtilization();
  const run = await runMeasured('bash', ['-c', script], { timeoutMs: 10_000 });
  const loopActiveMs = performance.eventLoopUtilization(loopBefore).active;

  expect(run.exitCode).toBe(0);
  expect(loopActiveMs).toBeGreaterThan(50);
  // Timers and the garbage of the samples stay in, about a tenth to a quarter of the sampling.
  expect(run.loopBusyMs).toBeLessThan(loopActiveMs / 2);
  expect(run.loopCpuMs).toBeLessThan(loopActiveMs / 2);
});
