/** Small helpers for file system paths and errors, shared by the scan, the journal and the sync. */

import path from 'node:path';

/** Returns true when `target` is `root` or a path inside it. */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** Returns the code of a file system error, such as `ENOENT`, or else its message. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
