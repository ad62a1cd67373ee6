import { describe, expect, it } from 'vitest';

import { eventLoopSlices } from '../../core/src/node/event-loop';

/** Keeps the thread busy for `ms` milliseconds without letting the event loop run. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy on purpose.
  }
}

describe('eventLoopSlices', () => {
  it('keeps the event loop waiting within a slice', async () => {
    const nextSlice = eventLoopSlices(60_000);
    let ran = false;
    setImmediate(() => (ran = true));

    for (let step = 0; step < 100; step++) await nextSlice();

    expect(ran).toBe(false);
  });

  it('lets the event loop run after a slice', async () => {
    const nextSlice = eventLoopSlices(1);
    let ran = false;
    setImmediate(() => (ran = true));

    busy(2);
    await nextSlice();

    expect(ran).toBe(true);
  });

  it('shares one wait between callers', async () => {
    const nextSlice = eventLoopSlices(1);

    busy(2);
    const first = nextSlice();
    const second = nextSlice();

    expect(second).toBe(first);
    await first;
    const afterWait = nextSlice();
    expect(afterWait).not.toBe(first);
  });
});
