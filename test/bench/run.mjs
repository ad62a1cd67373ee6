// Entry of `npm run bench`: bundles the TypeScript harness and the baseline clients with esbuild
// into a temporary folder, then runs the harness with this process's arguments.
//
// The sync CLI and the action run from their committed bundles in action/dist, which is what
// users run. With --from-source they are bundled from action/src instead, with the esbuild
// options of action/build.mjs from action/bundle-options.mjs. A change can then be measured
// before action/dist is rebuilt.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { build } from 'esbuild';

import { bundleOptions } from '../../action/bundle-options.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..', '..');
const outDir = await mkdtemp(join(tmpdir(), 'raster-bench-build-'));
const fromSource = process.argv.includes('--from-source');
const harnessArgs = process.argv.slice(2).filter((arg) => arg !== '--from-source');

// CommonJS dependencies of the emulator and the action call require(), which an ES module lacks.
const banner = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

// Until the harness installs its own handlers, a signal ends the run once the build is removed.
let stoppedBy;
const stopBeforeRun = (signal) => {
  stoppedBy = signal;
};
process.on('SIGINT', stopBeforeRun);
process.on('SIGTERM', stopBeforeRun);
const exitCodeOf = (signal) => (signal === 'SIGINT' ? 130 : 143);

let exitCode = 1;
try {
  await build({
    entryPoints: {
      main: join(benchDir, 'main.ts'),
      'clients/upload-batches': join(benchDir, 'clients', 'upload-batches.ts'),
      'clients/ceiling': join(benchDir, 'clients', 'ceiling.ts'),
      'clients/list-pages': join(benchDir, 'clients', 'list-pages.ts'),
      'clients/first-request': join(benchDir, 'clients', 'first-request.ts'),
    },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
    banner: { js: banner },
  });
  if (fromSource) {
    await build({
      ...bundleOptions(repoRoot),
      entryPoints: { index: 'action/src/main.ts', cli: 'action/src/cli.ts' },
      outdir: join(outDir, 'action'),
    });
  }
  const actionDir = fromSource ? join(outDir, 'action') : join(repoRoot, 'action', 'dist');
  const { main } = await import(pathToFileURL(join(outDir, 'main.js')).href);
  process.off('SIGINT', stopBeforeRun);
  process.off('SIGTERM', stopBeforeRun);
  if (stoppedBy === undefined) {
    exitCode = await main(harnessArgs, {
      syncCli: join(actionDir, 'cli.cjs'),
      action: join(actionDir, 'index.cjs'),
      clientsDir: join(outDir, 'clients'),
      scriptsDir: join(benchDir, 'clients'),
    });
  } else {
    exitCode = exitCodeOf(stoppedBy);
  }
} catch (error) {
  // A signal to the whole process group also stops esbuild's service, which fails the build.
  if (stoppedBy === undefined) throw error;
  exitCode = exitCodeOf(stoppedBy);
} finally {
  await rm(outDir, { recursive: true, force: true });
}
process.exit(exitCode);
