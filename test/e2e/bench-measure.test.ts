import { performance } from 'node:perf_hooks';

import { expect, it } from 'vitest';

import { runMeasured } from '../bench/measure';

// The emulator runs in the harness process, so `loopBusyMs` and `loopCpuMs` are the emulator's
// share of a side only if the harness's own work on that thread is left out of them.

/** Milliseconds of CPU time the calling thread has used. */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

it('measured run counts blocked loop as busy', async () => {
  const blockMs = 150;
  // Spins until the thread has used `blockMs` of CPU time, as a request handler would, so that
  // a busy machine lengthens the block instead of shrinking its CPU time.
  const blocker = setTimeout(() => {
    const until = threadCpuMs() + blockMs;
    while (threadCpuMs() < until) {
      // Holds the event loop.
    }
  }, 50);

  const run = await runMeasured('sleep', ['0.5'], { timeoutMs: 10_000 });
  clearTimeout(blocker);

  expect(run.exitCode).toBe(0);
  expect(run.loopBusyMs).toBeGreaterThanOrEqual(blockMs - 5);
  expect(run.loopCpuMs).toBeGreaterThanOrEqual(blockMs - 20);
});

it('measured run leaves out memory sampling', async () => {
  // 40 sleeping children make every sample read about 40 status files.
  const script = 'for i in $(seq 40); do sleep 1 & done; wait';
  const loopBefore = performance.eventLoopUtilization();
  const run = await runMeasured('bash', ['-c', script], { timeoutMs: 10_000 });
  const loopActiveMs = performance.eventLoopUtilization(loopBefore).active;

  expect(run.exitCode).toBe(0);
  expect(loopActiveMs).toBeGreaterThan(20);
  // Timers and the garbage of the samples stay in, about a tenth to a quarter of the sampling.
  expect(run.loopBusyMs).toBeLessThan(loopActiveMs / 2);
  expect(run.loopCpuMs).toBeLessThan(loopActiveMs / 2);
});
