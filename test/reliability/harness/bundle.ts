import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's place in test/reliability/harness. */
export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Bundles a TypeScript entry (workspace sources included) into one ESM file under .tmp/ that
 * Node runs directly, so that tests can start it as a real child process. Returns its path.
 */
export async function bundleForNode(entry: string, name: string): Promise<string> {
  const outfile = join(REPOSITORY_ROOT, '.tmp', 'reliability', `${name}.${process.pid}.mjs`);
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  });
  // Each test process bundles its own copy, named by pid. Vitest may end a worker without an
  // exit event, so bundles of processes that no longer run are removed here as well.
  process.once('exit', () => rmSync(outfile, { force: true }));
  await removeBundlesOfEndedProcesses(dirname(outfile));
  return outfile;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function removeBundlesOfEndedProcesses(folder: string): Promise<void> {
  for (const name of await readdir(folder)) {
    const pid = /\.(\d+)\.mjs$/.exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) await rm(join(folder, name), { force: true });
  }
}

/** The Node binary running this process: Node 24 when started through an npm script. */
export const NODE = process.execPath;
