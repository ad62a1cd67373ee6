/**
 * Frees the chunks read from large upload parts soon after they are sent.
 *
 * A chunk's bytes live outside V8's heap, behind a small wrapper in the young generation, so they
 * are freed only when V8 collects that generation. Without these collections, syncing 2 GB of
 * files of 20 to 100 MB peaked at 131 to 176 MB RSS: sampling showed the young generation grown to
 * 33.6 MB and up to 51.5 MB of chunks not yet freed. With them it peaked at 104.7 to 106.3 MB, 4
 * to 6% over a 200 MB sync (`npm run bench -- --only large`, 2 vCPUs).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes read between two collections of the young generation. */
export const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;

/**
 * Number of collections from one collection of the whole heap to the next. Objects that live
 * through two young collections move to the old generation. With young collections only, the
 * 2 GB sync peaked at 106.2 to 122.0 MB in 12 runs, 4 of them over 110 MB. With these it peaked
 * at 104.7 to 106.3 MB in 10 runs.
 */
export const FULL_COLLECTION_EVERY = 64;

type Collect = (options: { type: 'minor' | 'major' }) => void;

let enabled = false;
let collect: Collect | null | undefined;
let bytesSinceCollection = 0;
let collections = 0;

/**
 * Turns the collections on, for a program that owns its process, as the CLI and the action do.
 * They stay off in a program that loads this package as a library: taking the collector sets a V8
 * flag for the whole process for a moment, and a full collection of a large heap stalls the host.
 */
export function enableUploadChunkCollection(): void {
  enabled = true;
}

/**
 * Counts `bytes` read into new buffers. Once collections are on, collects the young generation
 * every 2 MiB and the whole heap every 128 MiB.
 */
export function countReadBytes(bytes: number): void {
  if (!enabled) return;
  bytesSinceCollection += bytes;
  if (bytesSinceCollection < COLLECT_EVERY_BYTES) return;

  bytesSinceCollection = 0;
  collections += 1;
  const type = collections % FULL_COLLECTION_EVERY === 0 ? 'major' : 'minor';
  try {
    collector()?.({ type });
  } catch {
    // A failed collection only costs memory, so the upload goes on without collections.
    collect = null;
  }
}

/**
 * Returns V8's `gc` function. Node exposes it only with `--expose-gc`, so the flag is set while a
 * new context hands the function over and then cleared. Returns null when flags are frozen,
 * because setting one then ends the process.
 */
function collector(): Collect | null {
  if (collect !== undefined) return collect;
  collect = null;

  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    collect = exposed as Collect;
    return collect;
  }
  if (flagsFrozen()) return null;

  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    if (typeof found === 'function') collect = found as Collect;
  } catch {
    collect = null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

/** Returns whether Node was started with `--freeze-flags-after-init`, which `NODE_OPTIONS` does not allow. */
function flagsFrozen(): boolean {
  return process.execArgv.some((option) => /^--freeze[-_]flags[-_]after[-_]init$/.test(option));
}
