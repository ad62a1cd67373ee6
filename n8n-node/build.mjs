// Builds the package into dist/: one CommonJS file per node and credential, bundling the
// core's pure API layer (first-party source) and leaving n8n-workflow to the n8n instance.
// Fails when any third-party module would end up in dist.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const packageDir = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.join(packageDir, 'dist');

const entryPoints = ['credentials/RasterApi.credentials.ts', 'nodes/Raster/Raster.node.ts'];
const staticFiles = ['nodes/Raster/raster.svg', 'nodes/Raster/raster.dark.svg', 'nodes/Raster/Raster.node.json'];

await rm(distDir, { recursive: true, force: true });

const result = await build({
	absWorkingDir: packageDir,
	entryPoints,
	outdir: distDir,
	outbase: '.',
	bundle: true,
	platform: 'node',
	format: 'cjs',
	// Node 20 syntax keeps the bundle loadable on older hosts; n8n 2.x itself requires Node 24.
	target: 'node20',
	external: ['n8n-workflow'],
	metafile: true,
	legalComments: 'none',
	logLevel: 'warning',
});

const thirdParty = Object.keys(result.metafile.inputs).filter((input) => input.includes('node_modules'));
if (thirdParty.length > 0) {
	console.error(`dist would contain third-party code: ${thirdParty.join(', ')}`);
	process.exit(1);
}

for (const file of staticFiles) {
	const target = path.join(distDir, file);
	await mkdir(path.dirname(target), { recursive: true });
	await copyFile(path.join(packageDir, file), target);
}

const bundled = Object.keys(result.metafile.inputs).length;
console.log(`Built ${entryPoints.length} entry points from ${bundled} first-party modules into ${path.relative(process.cwd(), distDir) || 'dist'}`);
