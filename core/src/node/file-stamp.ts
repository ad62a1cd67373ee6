/**
 * Stamps of the files to sync: the `stat` fields of a file when its bytes were hashed. An upload
 * whose file still matches its stamp sends the hashed bytes without hashing them again.
 */

import type { Stats } from 'node:fs';

import type { FileStamp } from '../transport';

/**
 * Time between a file's last change and its stamp, after which the stamp proves later writes.
 * File systems keep change times in steps: a clock tick on most, 2 seconds on FAT. So a write in
 * the step of the last change can leave the change time as it was, while a later step cannot.
 */
export const SETTLED_MS = 5000;

/**
 * Windows may update a file's times only once the program that writes it closes its handle, so
 * a stamp proves nothing there.
 */
const STAMPS_SUPPORTED = process.platform !== 'win32';

/** Returns the stamp of `stats`, taken at `takenAt` (milliseconds since the epoch). */
export function stampOf(stats: Stats, takenAt: number): FileStamp {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, takenAt };
}

/** Returns true when a stamp can prove the file unchanged: its last change lay well before it. */
export function isSettled(stamp: FileStamp | undefined): stamp is FileStamp {
  return STAMPS_SUPPORTED && stamp !== undefined && stamp.ctimeMs < stamp.takenAt - SETTLED_MS;
}

/** Returns true when `stats`, read after the file's bytes, match `stamp`. */
export function matchesStamp(stamp: FileStamp, stats: Stats): boolean {
  return (
    stats.ctimeMs === stamp.ctimeMs &&
    stats.mtimeMs === stamp.mtimeMs &&
    stats.size === stamp.size &&
    stats.ino === stamp.ino &&
    stats.dev === stamp.dev
  );
}
