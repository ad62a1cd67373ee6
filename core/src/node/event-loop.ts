/** Stretches of synchronous file calls that still let the event loop run. */

/**
 * Time in milliseconds that synchronous file calls may run before the event loop runs again, so
 * that the listing during the scan and signal handlers are not held up. The listing reads one
 * page per turn of the event loop. For a no-op re-sync of 10,000 files, its 21 pages ended about
 * 50 ms after the scan with 4 ms, and up to 30 ms after it with 1 ms. The re-sync then took 397
 * instead of 415 ms (medians of 10 alternating runs, 2 vCPUs).
 */
export const SYNC_SLICE_MS = 1;

/**
 * Returns a function to await before each synchronous step. It resolves at once until `sliceMs`
 * milliseconds have passed since the event loop last ran, then once the event loop has run.
 * Concurrent callers share that wait, so none runs on while the others wait.
 */
export function eventLoopSlices(sliceMs = SYNC_SLICE_MS): () => Promise<void> {
  let sliceStart = performance.now();
  let pause: Promise<void> | null = null;

  return () => {
    if (pause === null && performance.now() - sliceStart >= sliceMs) {
      pause = new Promise((resolve) => {
        setImmediate(() => {
          pause = null;
          sliceStart = performance.now();
          resolve();
        });
      });
    }
    return pause ?? Promise.resolve();
  };
}
