// Runs the fault and interruption soak. The soak is TypeScript that imports the workspace
// packages' sources, so this entry bundles it with esbuild into .tmp/ (ignored by git) and
// runs the bundle on the Node that started this script.
//
// Usage: npm run soak -- [--runs N] [--seed S] [--interruptions N] [--concurrent-rounds N] [--verbose]
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, '..', '..');
const bundleDirectory = join(repositoryRoot, '.tmp', 'reliability');

/** Bundles one TypeScript entry, workspace sources included, into an ESM file Node runs. */
async function bundle(entry, name) {
  const outfile = join(bundleDirectory, `${name}.bundle.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'inline',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  });
  return outfile;
}

await mkdir(bundleDirectory, { recursive: true });
// The interruption runs start the CLI built from the current sources, not a stale action/dist.
const cliPath = await bundle(join(repositoryRoot, 'action', 'src', 'cli.ts'), 'raster-sync-cli');
const soakPath = await bundle(join(here, 'soak.ts'), 'soak');

const { main } = await import(pathToFileURL(soakPath).href);
process.exitCode = await main(process.argv.slice(2), repositoryRoot, cliPath);
