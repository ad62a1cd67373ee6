import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates a temporary folder and returns its path and a function that removes it. */
export async function makeTempFolder(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `raster-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
