/** Synchronous reads of small files, shared by the scan and the multipart upload body. */

import { closeSync, constants, openSync, readSync } from 'node:fs';

/**
 * Flags of the synchronous opens. Non-blocking, so that a named pipe put in place of a file fails
 * the check or the read instead of blocking the process until a writer opens it.
 */
export const READ_NONBLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a file expected to have `expectedSize` bytes into a buffer of that size plus one byte,
 * with synchronous calls. Returns the bytes read: one more than expected when the file grew,
 * fewer when it shrank.
 */
export function readExpectedBytesSync(path: string, expectedSize: number): Buffer {
  const buffer = Buffer.allocUnsafe(expectedSize + 1);
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
