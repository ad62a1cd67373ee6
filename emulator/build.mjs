// Bundles the raster-emulator CLI with esbuild. Each file is written to a temporary name and
// renamed into place, because tests start the CLI while other test files may be rebuilding it.
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const emulatorDir = path.dirname(fileURLToPath(import.meta.url));

const result = await build({
  absWorkingDir: emulatorDir,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  logLevel: 'warning',
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  write: false,
});

for (const file of result.outputFiles) {
  await mkdir(path.dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  await writeFile(temporary, file.contents, { mode: 0o755 });
  await rename(temporary, file.path);
}
