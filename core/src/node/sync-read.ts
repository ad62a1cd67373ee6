/** Reads of the files to sync, shared by the scan and the multipart upload body. */

import { closeSync, constants, openSync, readSync } from 'node:fs';

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
  const buffer = into !== undefined && into.length > expectedSize ? into : Buffer.allocUnsafe(expectedSize + 1);
  const fd = openSync(path, READ_NONBLOCKING);
  let bytesRead = 0;
  try {
    for (;;) {
      const count = readSync(fd, buffer, bytesRead, buffer.length - bytesRead, bytesRead);
      bytesRead += count;
      // A file that grew returns the extra byte with the rest, so the expected size ends the loop.
      if (count === 0 || bytesRead === buffer.length || bytesRead === expectedSize) break;
    }
  } finally {
    closeSync(fd);
  }
  return buffer.subarray(0, bytesRead);
}
