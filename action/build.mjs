// Bundles the action, the CLI and the demo with esbuild. The output must be byte-for-byte the
// same on every machine, because CI compares a fresh build of action/dist with the committed one:
// no source maps, no timestamps, and paths in comments relative to the repository root.
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleOptions, demoBundleOptions } from './bundle-options.mjs';

const actionDir = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.dirname(actionDir);

const common = { ...bundleOptions(repositoryRoot), write: false };

/**
 * Writes each output file to a temporary name and renames it into place, so that a process
 * started during a build (tests build and run the bundles in parallel) never reads half a file.
 */
async function writeAtomically(result, mode) {
  for (const file of result.outputFiles) {
    await mkdir(path.dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    await writeFile(temporary, file.contents, { mode });
    await rename(temporary, file.path);
  }
}

await writeAtomically(
  await build({ ...common, entryPoints: { index: 'action/src/main.ts' }, outdir: 'action/dist' }),
  0o644,
);
await writeAtomically(
  await build({ ...common, entryPoints: { cli: 'action/src/cli.ts' }, outdir: 'action/dist' }),
  0o755,
);

// The demo behind `npm start` is built into build/, which git ignores: it is not shipped.
await writeAtomically(
  await build({ ...demoBundleOptions(repositoryRoot), write: false, entryPoints: { start: 'action/src/start.ts' }, outdir: 'build' }),
  0o644,
);
