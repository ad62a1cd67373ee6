/**
 * Frees the chunks read from large upload parts soon after they are sent.
 *
 * A chunk's bytes live outside V8's heap, behind a small wrapper in the young generation. V8
 * collects that generation when its objects fill it, which the wrappers do only after tens of
 * megabytes of chunks, and it may grow the generation on the way. Without these collections,
 * syncing 2 GB of files of 20 to 100 MB peaked at 131 to 176 MB RSS. With them it peaked at 105
 * to 106 MB, 5% over a 200 MB sync, and took 5.7 to 6.8 s instead of 5.4 to 7.0 s.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes read between two collections of the young generation. */
export const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;

/**
 * Number of collections from one collection of the whole heap to the next. Objects that live
 * through two young collections move to the old generation, which V8 then collected only once
 * or twice in a 2 GB sync: peaks of 106 to 122 MB, against 105 to 106 MB with these.
 */
export const FULL_COLLECTION_EVERY = 64;

type Collect = (options: { type: 'minor' | 'major' }) => void;

let collect: Collect | null | undefined;
let bytesSinceCollection = 0;
let collections = 0;

/**
 * Counts `bytes` read into new buffers. Collects the young generation every 2 MiB, and the whole
 * heap every 128 MiB.
 */
export function countReadBytes(bytes: number): void {
  bytesSinceCollection += bytes;
  if (bytesSinceCollection < COLLECT_EVERY_BYTES) return;

  bytesSinceCollection = 0;
  collections += 1;
  const type = collections % FULL_COLLECTION_EVERY === 0 ? 'major' : 'minor';
  collector()?.({ type });
}

/**
 * Returns V8's `gc` function, which Node exposes only with `--expose-gc`. The flag is set while a
 * new context hands the function over and then cleared, so later contexts have no `gc` global.
 */
function collector(): Collect | null {
  if (collect !== undefined) return collect;

  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    collect = exposed as Collect;
    return collect;
  }

  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    collect = typeof found === 'function' ? (found as Collect) : null;
  } catch {
    collect = null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return collect;
}
