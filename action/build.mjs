// Bundles the action, the CLI and the demo with esbuild. The output must be byte-for-byte the
// same on every machine, because CI compares a fresh build of action/dist with the committed one:
// no source maps, no timestamps, and paths in comments relative to the repository root.
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const actionDir = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.dirname(actionDir);

// Dependencies such as tunnel (used by @actions/http-client) are CommonJS and call require(),
// which an ES module bundle lacks unless it defines one.
const banner = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

const common = {
  absWorkingDir: repositoryRoot,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
  banner: { js: banner },
  // @actions/http-client pins undici 6 for the ProxyAgent of its OIDC token requests, which this
  // action never makes. Resolving it to the core's undici 7 keeps one copy in the bundle.
  alias: { undici: path.join(repositoryRoot, 'node_modules/undici') },
  // undici alone is about 1 MB unminified, and esbuild cannot drop its unused CommonJS modules.
  // Minifying keeps the action's bundle under 1 MB; keepNames keeps function names in stack traces.
  minify: true,
  keepNames: true,
  write: false,
};

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
  await build({ ...common, entryPoints: { start: 'action/src/start.ts' }, outdir: 'build' }),
  0o644,
);
