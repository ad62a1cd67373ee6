/** The generated folders each comparison syncs, the same bytes on every run. */
import { join } from 'node:path';

import { writeNoisePng } from './images';

/** A generated folder: its root and every file in it, relative paths with `/` separators. */
export interface Dataset {
  root: string;
  files: string[];
  totalBytes: number;
}

const MB = 1_000_000;

/** Spreads `count` files over sub-folders of `perFolder` files, as a repository would. */
function relativePath(index: number, perFolder: number): string {
  const folder = String(Math.floor(index / perFolder)).padStart(3, '0');
  const file = String(index).padStart(5, '0');
  return `set-${folder}/image-${file}.png`;
}

/**
 * Writes `count` noise PNGs of about `averageBytes` each (between 90% and 110% of it) under
 * `root`. `seed` separates datasets so that no two of them share a file. Stops before the next
 * file once `signal` aborts.
 */
export async function writeImageSet(
  root: string,
  seed: string,
  count: number,
  averageBytes: number,
  signal?: AbortSignal,
  perFolder = 100,
): Promise<Dataset> {
  const files: string[] = [];
  let totalBytes = 0;
  for (let index = 0; index < count; index += 1) {
    signal?.throwIfAborted();
    const path = relativePath(index, perFolder);
    const size = Math.round(averageBytes * (0.9 + 0.2 * (((index * 7919) % 101) / 100)));
    totalBytes += await writeNoisePng(join(root, path), `${seed}/${path}`, size);
    files.push(path);
  }
  return { root, files, totalBytes };
}

/**
 * Sizes in bytes of large files between `minBytes` and `maxBytes` whose sum is `totalBytes`;
 * the sizes step through the range so that both ends occur.
 */
export function largeFileSizes(totalBytes: number, minBytes: number, maxBytes: number): number[] {
  const steps = [0, 0.5, 1, 0.25, 0.75];
  const sizes: number[] = [];
  let remaining = totalBytes;
  for (let index = 0; remaining > 0; index += 1) {
    const step = steps[index % steps.length] ?? 0;
    const size = Math.round(minBytes + step * (maxBytes - minBytes));
    if (remaining - size >= minBytes) {
      sizes.push(size);
      remaining -= size;
    } else if (remaining <= maxBytes) {
      sizes.push(remaining);
      remaining = 0;
    } else {
      // Leave exactly one file of minBytes for the end.
      sizes.push(remaining - minBytes);
      remaining = minBytes;
    }
  }
  return sizes;
}

/**
 * Writes large noise PNGs whose sizes are given by `largeFileSizes`. Stops before the next file
 * once `signal` aborts.
 */
export async function writeLargeSet(
  root: string,
  seed: string,
  totalBytes: number,
  minBytes: number,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Dataset> {
  const files: string[] = [];
  let written = 0;
  const sizes = largeFileSizes(totalBytes, minBytes, maxBytes);
  for (const [index, size] of sizes.entries()) {
    signal?.throwIfAborted();
    const path = `large/image-${String(index).padStart(3, '0')}-${Math.round(size / MB)}mb.png`;
    written += await writeNoisePng(join(root, path), `${seed}/${path}`, size);
    files.push(path);
  }
  return { root, files, totalBytes: written };
}
