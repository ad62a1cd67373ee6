/** Reads of the files to sync, shared by the scan and the multipart upload body. */

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Flags of every open of a file to sync. Non-blocking, so that a named pipe put in place of a
 * file fails the check or the read instead of waiting for a writer. A blocked synchronous open
 * stops the process, and a blocked open in the thread pool keeps it from exiting, even on a signal.
 */
export const READ_NONBLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a file expected to have `expectedSize` bytes into a buffer of that size plus one byte,
 * with synchronous calls: `into` when it is large enough, else a new one. Returns the bytes read:
 * one more than expected when the file grew, fewer when it shrank.
 */
export function readExpectedBytesSync(path: string, expectedSize: number, into?: Buffer): Buffer {
  return readAndStatSync(path, expectedSize, false, into).bytes;
}

/**
 * Reads a file like `readExpectedBytesSync`. With `stat` set, also returns the file's `fstat`
 * after the read, taken through the same descriptor.
 */
export function readAndStatSync(path: string, expectedSize: number, stat: boolean, into?: Buffer): { bytes: Buffer; stats: Stats | null } {
  const buffer = into !== undefined && into.length > expectedSize ? into : Buffer.allocUnsafe(expectedSize + 1);
  const fd = openSync(path, READ_NONBLOCKING);
  let bytesRead = 0;
  let stats: Stats | null = null;
  try {
    for (;;) {
      const count = readSync(fd, buffer, bytesRead, buffer.length - bytesRead, bytesRead);
      bytesRead += count;
      // A file that grew returns the extra byte with the rest, so the expected size ends the loop.
      if (count === 0 || bytesRead === buffer.length || bytesRead === expectedSize) break;
    }
    if (stat) stats = fstatSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes: buffer.subarray(0, bytesRead), stats };
}
