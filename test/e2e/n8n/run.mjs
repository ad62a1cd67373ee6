#!/usr/bin/env node
// End-to-end run of the Raster community package in a real n8n 2.x:
//   1. installs n8n once into a cache folder outside the repository (install-n8n.sh),
//   2. builds and packs n8n-node/ and installs the tarball as a community package,
//   3. inside a network namespace that has nothing but loopback (`unshare -n`), starts the
//      emulator, imports credentials pointing at it and workflows that upload, list, tag,
//      filter and delete, runs each with `n8n execute`, and checks the items it returned,
//      the run's error and the library's state. Other workflows run with invalid credential
//      values and Limits, and send an upload request that Raster rejects,
//   4. starts `n8n start` and checks the credential test: it passes for the emulator and sends
//      nothing for an http:// base URL to a host that is not loopback.
// Run from the repository root with Node 24: `node_modules/.bin/node test/e2e/n8n/run.mjs`.
//   E2E_KEEP=1      keeps the temporary n8n user folder for inspection
//   E2E_NO_UNSHARE=1 runs without the network namespace (the checks still pass, but nothing
//                   then proves that n8n reached only loopback)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(scriptDir, '../../..');
const packageDir = path.join(repoRoot, 'n8n-node');
const node24Bin = path.join(repoRoot, 'node_modules/node/bin');
// Real sample images: shared/images beside the checkout, where CI lays it out, or /work/shared/images.
const sharedImages = existsSync(path.resolve(repoRoot, '../shared/images'))
	? path.resolve(repoRoot, '../shared/images')
	: '/work/shared/images';
const INSIDE = process.argv.includes('--inside');
const EXTRA_COPIES = 20;
const FILE_COUNT = 3 + EXTRA_COPIES;
const REJECTED_FILE = 'notes.png';
const INVALID_ORGANIZATION = 'Demo-Org';

if (INSIDE) {
	await runInside(process.argv[process.argv.indexOf('--inside') + 1]);
} else {
	await runOutside();
}

async function runOutside() {
	const started = Date.now();
	const n8nDir = execFileSync(path.join(scriptDir, 'install-n8n.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
	log(`n8n installed in ${n8nDir} (${seconds(started)})`);

	const workDir = await mkdtemp(path.join(tmpdir(), 'raster-n8n-e2e-'));
	try {
		await preparePackage(workDir);
		log(`package built, packed and installed (${seconds(started)})`);

		const nodeArgs = [fileURLToPath(import.meta.url), '--inside', JSON.stringify({ workDir, n8nDir })];
		const useUnshare = process.env.E2E_NO_UNSHARE !== '1';
		const command = useUnshare ? 'unshare' : process.execPath;
		const args = useUnshare
			? ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...nodeArgs]
			: nodeArgs;
		const code = await run(command, args, { stdio: 'inherit' });

		const diskUse = execFileSync('du', ['-sh', n8nDir, workDir], { encoding: 'utf8' }).trim().replace(/\n/g, '; ');
		log(`disk use: ${diskUse}`);
		log(`total ${seconds(started)}, exit code ${code}`);
		process.exitCode = code;
	} finally {
		if (process.env.E2E_KEEP === '1') {
			log(`kept ${workDir}`);
		} else {
			await rm(workDir, { recursive: true, force: true });
		}
	}
}

/** Builds n8n-node, packs it and installs the tarball where n8n looks for community packages. */
async function preparePackage(workDir) {
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: packageDir, stdio: 'inherit' });
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: packageDir, encoding: 'utf8' })
		.trim()
		.split('\n')
		.pop();

	const nodesDir = path.join(workDir, 'user/.n8n/nodes');
	await mkdir(nodesDir, { recursive: true });
	await writeFile(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
	// npm installs the tarball offline: it has no dependencies, and n8n provides its peer
	// dependency n8n-workflow, so n8n loads it as it loads a package installed from its UI.
	execFileSync(
		'npm',
		['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--offline', path.join(workDir, tarball)],
		{ cwd: nodesDir, stdio: 'inherit' },
	);

	const images = path.join(workDir, 'images');
	await mkdir(images, { recursive: true });
	for (const file of ['brand/logo-128.png', 'brand/logo-256.png', 'themes/lines/login/sddm-preview.jpg']) {
		await cp(path.join(sharedImages, file), path.join(images, path.basename(file)));
	}
	// 20 more files make 23, so the upload needs two requests: 20 files, then 3.
	for (let index = 1; index <= EXTRA_COPIES; index++) {
		await cp(path.join(sharedImages, 'brand/logo-128.png'), path.join(images, `copy-${index}.png`));
	}

	// Three files that fit in one upload request, one of them a text file named like a PNG, so
	// that Raster rejects the whole request.
	const rejected = path.join(images, 'rejected');
	await mkdir(rejected);
	await cp(path.join(sharedImages, 'brand/logo-128.png'), path.join(rejected, 'logo-128.png'));
	await cp(path.join(sharedImages, 'brand/logo-256.png'), path.join(rejected, 'logo-256.png'));
	await cp(path.join(sharedImages, 'not-images/notes.md'), path.join(rejected, REJECTED_FILE));
}

async function runInside(argument) {
	const { workDir, n8nDir } = JSON.parse(argument);
	const { startEmulator } = await loadEmulator(workDir);
	const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
	log(`emulator on ${emulator.url}`);

	const env = n8nEnvironment(workDir);
	const n8n = (args) => runN8n(n8nDir, args, env);
	const failures = [];
	const check = (condition, description) => {
		log(`${condition ? 'ok  ' : 'FAIL'} ${description}`);
		if (!condition) failures.push(description);
	};

	try {
		const credentialsFile = path.join(workDir, 'credentials.json');
		await writeFile(
			credentialsFile,
			JSON.stringify([
				{
					id: 'rasterE2eCredential',
					name: 'Raster emulator',
					type: 'rasterApi',
					// The key ends with a space and a line break, as a pasted key may, so that every
					// workflow also checks that the node and the credential's header trim it.
					data: { apiKey: `${emulator.writeKey} \n`, organizationId: '', baseUrl: emulator.url },
				},
				{
					id: 'rasterE2eBadOrg',
					name: 'Raster invalid organization',
					type: 'rasterApi',
					data: { apiKey: emulator.writeKey, organizationId: INVALID_ORGANIZATION, baseUrl: emulator.url },
				},
				{
					id: 'rasterE2eEmptyKey',
					name: 'Raster empty key',
					type: 'rasterApi',
					// The organization is set so that any request the node sent would be a library
					// list, which the check counts, and not GET /me.
					data: { apiKey: '', organizationId: emulator.organizationId, baseUrl: emulator.url },
				},
			]),
		);
		const imported = await n8n(['import:credentials', `--input=${credentialsFile}`]);
		check(imported.code === 0, 'credentials imported');

		// One import command takes every workflow, because each n8n command starts n8n again.
		const workflows = buildWorkflows(emulator.libraryId, path.join(workDir, 'images'));
		const workflowsFile = path.join(workDir, 'workflows.json');
		await writeFile(workflowsFile, JSON.stringify(workflows));
		const importedWorkflows = await n8n(['import:workflow', `--input=${workflowsFile}`]);
		check(importedWorkflows.code === 0, `${workflows.length} workflows imported`);

		emulator.admin.resetStats();
		const upload = await execute(n8n, 'rasterE2eUpload', 'Upload');
		check(upload.code === 0, 'upload workflow exits 0');
		check(upload.items.length === FILE_COUNT, `upload returns ${FILE_COUNT} assets (got ${upload.items.length})`);
		const names = upload.items.map((item) => item.json.name);
		check(
			['logo-128', 'logo-256', 'sddm-preview', 'copy-1', `copy-${EXTRA_COPIES}`].every((name) => names.includes(name)),
			'uploaded assets are named after the files',
		);
		check(upload.items.every((item) => typeof item.json.url === 'string'), 'every uploaded asset has a url');
		const uploadRequests = emulator.admin.stats().byRoute.upload;
		check(uploadRequests === 2, `${FILE_COUNT} files went up in 2 requests (got ${uploadRequests})`);

		const tagged = await execute(n8n, 'rasterE2eTag', 'Tag');
		check(tagged.code === 0, 'list and tag workflow exits 0');
		check(tagged.items.length === FILE_COUNT, `tag runs once per listed asset (got ${tagged.items.length})`);
		check(tagged.items.every((item) => item.json.taggedCount === 1), 'each asset gained one tag');

		const filtered = await execute(n8n, 'rasterE2eFilter', 'Get Tagged');
		check(filtered.code === 0, 'filter workflow exits 0');
		check(filtered.items.length === FILE_COUNT, `tag filter lists ${FILE_COUNT} assets (got ${filtered.items.length})`);
		check(filtered.items.every((item) => item.json.tags?.includes('e2e-tagged')), 'listed assets carry the tag');

		// Runs while the library contains more assets than the Limit of 7 under test.
		await checkCredentialsAndLimits(n8n, emulator, check);

		const deleted = await execute(n8n, 'rasterE2eDelete', 'Delete');
		check(deleted.code === 0, 'delete workflow exits 0');
		check(
			deleted.items.length === FILE_COUNT && deleted.items.every((item) => item.json.deleted === true),
			`${FILE_COUNT} assets deleted`,
		);

		const remaining = await listAssets(emulator);
		check(remaining.length === 0, `library is empty afterwards (found ${remaining.length})`);

		await checkRejectedUpload(n8n, emulator, check);

		const missing = await execute(n8n, 'rasterE2eMissing', 'Get Missing');
		check(missing.code === 1, `getting a missing asset fails the run (exit ${missing.code})`);
		check(/not found/i.test(missing.error ?? '') && /\[item 0\]/.test(missing.error ?? ''), `failure names the problem and the item: ${missing.error}`);

		const continued = await execute(n8n, 'rasterE2eContinue', 'Get Missing');
		check(continued.code === 0, `with On Error set to continue the run succeeds (exit ${continued.code})`);
		check(
			continued.items.length === 1 && /\[item 0\]/.test(String(continued.items[0]?.json.error)),
			`the failed item becomes an output item with its error: ${JSON.stringify(continued.items[0]?.json)}`,
		);

		await checkCredentialTest(n8nDir, env, emulator, check);
	} finally {
		await emulator.stop();
	}

	log(failures.length === 0 ? 'all checks passed' : `${failures.length} checks failed`);
	process.exitCode = failures.length === 0 ? 0 : 1;
}

/**
 * Runs one workflow with a branch per case. Two branches have invalid credential values, with
 * "On Error" continuing to the regular output and to the error output. The third gives Limit as
 * digits in a string, and the last a Limit that is not a number, which fails the run.
 */
async function checkCredentialsAndLimits(n8n, emulator, check) {
	emulator.admin.resetStats();
	const run = await execute(n8n, 'rasterE2eInputs', 'Limit Not A Number');

	const organizationErrors = run.output('Invalid Organization');
	const organizationError = organizationErrors[0]?.json ?? {};
	check(organizationErrors.length === 1, `an invalid organization with On Error set to continue gives 1 item (got ${organizationErrors.length})`);
	check(
		organizationError.error === `Invalid Organization ID in the Raster credential: "${INVALID_ORGANIZATION}". Nothing was sent.`,
		`the item carries the credential error: ${organizationError.error}`,
	);
	check(String(organizationError.details).includes("'Organization ID'"), `the details name the field: ${organizationError.details}`);
	const afterOrganization = run.output('After Invalid Organization');
	check(afterOrganization.length === 1, `the next node receives the item of the invalid organization (got ${afterOrganization.length})`);

	const keyErrors = run.output('Empty Key', 1);
	const keySuccesses = run.output('Empty Key', 0);
	check(keyErrors.length === 1, `an empty key gives 1 item on the error output (got ${keyErrors.length})`);
	check(keySuccesses.length === 0, `an empty key gives no item on the regular output (got ${keySuccesses.length})`);
	const keyError = (keyErrors[0] ?? keySuccesses[0])?.json ?? {};
	check(keyError.error === 'Missing API Key in the Raster credential. Nothing was sent.', `the item carries the credential error: ${keyError.error}`);
	const afterKey = run.output('After Empty Key');
	check(afterKey.length === 1, `the node on the error output receives the item of the empty key (got ${afterKey.length})`);

	const libraryRequests = emulator.admin.stats().byRoute['list-libraries'] ?? 0;
	check(libraryRequests === 0, `nothing was sent with the invalid credentials (${libraryRequests} library list requests)`);

	const limited = run.output('Limit As Text');
	check(limited.length === 7, `a Limit of "7" from an expression returns 7 assets (got ${limited.length})`);

	check(run.code === 1, `a Limit that is not a number fails the run (exit ${run.code})`);
	check(run.error === `Invalid 'Limit': "ten" [item 0]`, `the failure names the Limit: ${run.error}`);
	check(/'Limit'/.test(run.errorDescription ?? ''), `the description says how to set the Limit: ${run.errorDescription}`);
}

/**
 * Uploads three items whose files share one request, one file being text named like a PNG,
 * without "On Error" continuing. Raster checks every file before it stores any, so the run must
 * fail naming the items and Raster's message, send no further request and store nothing.
 */
async function checkRejectedUpload(n8n, emulator, check) {
	emulator.admin.resetStats();
	const rejected = await execute(n8n, 'rasterE2eRejected', 'Upload');
	const description = rejected.errorDescription ?? '';

	check(rejected.code === 1, `a rejected upload request fails the run (exit ${rejected.code})`);
	check(
		rejected.error === 'Raster rejected an upload request and stored none of its files [items 0 to 2]',
		`the failure names the items: ${rejected.error}`,
	);
	check(
		description.startsWith('Raster returned 400 BAD_USER_INPUT') && description.includes(`"${REJECTED_FILE}"`),
		`the description gives Raster's message: ${description}`,
	);
	const uploadRequests = emulator.admin.stats().byRoute.upload ?? 0;
	check(uploadRequests === 1, `the valid items were not sent again (${uploadRequests} upload requests)`);
	const stored = await listAssets(emulator);
	check(stored.length === 0, `the library holds no asset from the run (found ${stored.length})`);
}

/**
 * Starts `n8n start` and calls its credential test endpoint, the one behind the credential's
 * Test button, for a loopback base URL and for http:// base URLs to other hosts. The emulator
 * also accepts requests at http://0.0.0.0:<port>, which is not loopback by the toolkit's rule,
 * so a request that the test must not send would show in the emulator's request count.
 */
async function checkCredentialTest(n8nDir, env, emulator, check) {
	const port = await freePort();
	const server = spawn(path.join(n8nDir, 'node_modules/.bin/n8n'), ['start'], {
		env: { ...env, N8N_PORT: String(port) },
		stdio: ['ignore', 'ignore', 'ignore'],
	});
	const closed = once(server, 'close');
	const base = `http://127.0.0.1:${port}`;

	try {
		const ready = await waitForRestApi(base);
		check(ready, 'n8n start serves its REST API');
		if (!ready) return;

		const setup = await fetch(`${base}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: 'owner@example.com', firstName: 'Raster', lastName: 'E2e', password: 'Raster-e2e-password-1' }),
		});
		const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0];
		check(setup.ok && cookie !== '', `owner account set up (status ${setup.status})`);

		const emulatorPort = new URL(emulator.url).port;
		const unencryptedUrl = `http://0.0.0.0:${emulatorPort}`;
		const before = emulator.admin.stats().requests;
		await fetch(`${unencryptedUrl}/me`);
		check(emulator.admin.stats().requests === before + 1, `the emulator accepts requests at ${unencryptedUrl}`);

		const cases = [
			{ baseUrl: emulator.url, status: 'OK', requests: 1 },
			{ baseUrl: unencryptedUrl, status: 'Error', message: 'ERR_BAD_REQUEST', requests: 0 },
			{ baseUrl: 'http://example.invalid', status: 'Error', message: 'ERR_BAD_REQUEST', requests: 0 },
		];
		for (const expected of cases) {
			const requestsBefore = emulator.admin.stats().requests;
			const result = await testCredential(base, cookie, {
				apiKey: emulator.writeKey,
				organizationId: '',
				baseUrl: expected.baseUrl,
			});
			const requests = emulator.admin.stats().requests - requestsBefore;
			check(
				result?.status === expected.status &&
					(expected.message === undefined || result.message === expected.message) &&
					requests === expected.requests,
				`credential test of ${expected.baseUrl}: ${JSON.stringify(result)}, ${requests} emulator requests`,
			);
		}
	} finally {
		server.kill('SIGTERM');
		await closed;
	}
}

/** Saves a Raster credential through n8n's REST API and returns the result of its test. */
async function testCredential(base, cookie, data) {
	const headers = { 'content-type': 'application/json', cookie, 'browser-id': 'raster-e2e' };
	const name = `Raster ${data.baseUrl}`;
	const created = await fetch(`${base}/rest/credentials`, {
		method: 'POST',
		headers,
		body: JSON.stringify({ name, type: 'rasterApi', data }),
	});
	const id = (await created.json()).data?.id;
	const tested = await fetch(`${base}/rest/credentials/test`, {
		method: 'POST',
		headers,
		body: JSON.stringify({ credentials: { id, name, type: 'rasterApi', data } }),
	});
	return (await tested.json()).data;
}

/** Waits up to 90 s until n8n's REST API returns JSON, because it serves a start-up page first. */
async function waitForRestApi(base) {
	for (let attempt = 0; attempt < 90; attempt++) {
		const response = await fetch(`${base}/rest/settings`).catch(() => undefined);
		if (response?.ok && (await response.text()).startsWith('{')) return true;
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	return false;
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Bundles the emulator's TypeScript source into one ES module and imports it. */
async function loadEmulator(workDir) {
	const { build } = await import('esbuild');
	const outfile = path.join(workDir, 'emulator.mjs');
	await build({
		entryPoints: [path.join(repoRoot, 'emulator/src/index.ts')],
		outfile,
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node24',
		logLevel: 'warning',
		banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
	});
	return await import(outfile);
}

function n8nEnvironment(workDir) {
	return {
		...process.env,
		PATH: `${node24Bin}:${process.env.PATH}`,
		HOME: path.join(workDir, 'user'),
		N8N_USER_FOLDER: path.join(workDir, 'user'),
		N8N_ENCRYPTION_KEY: 'raster-e2e-fixed-encryption-key',
		DB_TYPE: 'sqlite',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_FORMAT: 'json',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: '5699',
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_RESTRICT_FILE_ACCESS_TO: path.join(workDir, 'images'),
		SCARF_ANALYTICS: 'false',
	};
}

function buildWorkflows(libraryId, imagesDir) {
	const library = { __rl: true, mode: 'id', value: libraryId };
	const credentials = { rasterApi: { id: 'rasterE2eCredential', name: 'Raster emulator' } };
	const invalidOrganization = { rasterApi: { id: 'rasterE2eBadOrg', name: 'Raster invalid organization' } };
	const emptyKey = { rasterApi: { id: 'rasterE2eEmptyKey', name: 'Raster empty key' } };
	const trigger = { id: 'trigger', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
	const raster = (name, parameters, position, extra = {}) => ({
		id: name.replace(/\W/g, '').toLowerCase(),
		name,
		type: 'n8n-nodes-raster-toolkit.raster',
		typeVersion: 1,
		position,
		parameters,
		credentials,
		...extra,
	});
	const noOp = (name, position) => ({
		id: name.replace(/\W/g, '').toLowerCase(),
		name,
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position,
		parameters: {},
	});
	const readFiles = (fileSelector) => ({
		id: 'read',
		name: 'Read Files',
		type: 'n8n-nodes-base.readWriteFile',
		typeVersion: 1.1,
		position: [200, 0],
		parameters: { operation: 'read', fileSelector },
	});
	const chain = (...names) => {
		const connections = {};
		for (let index = 0; index < names.length - 1; index++) {
			connections[names[index]] = { main: [[{ node: names[index + 1], type: 'main', index: 0 }]] };
		}
		return connections;
	};
	const workflow = (id, nodes, connections = chain('Start', ...nodes.map((node) => node.name))) => ({
		id,
		name: id,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [trigger, ...nodes],
		connections,
	});
	const to = (...names) => names.map((name) => ({ node: name, type: 'main', index: 0 }));
	const getMany = (name, extra = {}) =>
		raster(name, { resource: 'asset', operation: 'getMany', library, returnAll: true, ...extra }, [200, 0], { executeOnce: true });

	return [
		workflow('rasterE2eUpload', [
			readFiles(`${imagesDir}/*.{png,jpg}`),
			raster('Upload', { resource: 'asset', operation: 'upload', library, binaryPropertyName: 'data' }, [400, 0]),
		]),
		workflow('rasterE2eTag', [
			getMany('List'),
			raster('Tag', { resource: 'asset', operation: 'tag', library, assetIds: '={{ $json.id }}', tags: 'e2e-tagged' }, [400, 0]),
		]),
		workflow('rasterE2eFilter', [getMany('Get Tagged', { filters: { tags: 'e2e-tagged' }, simplify: false })]),
		workflow('rasterE2eDelete', [
			getMany('List'),
			raster('Delete', { resource: 'asset', operation: 'delete', library, assetIds: '={{ $json.id }}' }, [400, 0]),
		]),
		workflow('rasterE2eMissing', [raster('Get Missing', { resource: 'asset', operation: 'get', library, assetId: 'no-such-asset' }, [200, 0])]),
		workflow('rasterE2eContinue', [
			raster('Get Missing', { resource: 'asset', operation: 'get', library, assetId: 'no-such-asset' }, [200, 0], {
				onError: 'continueRegularOutput',
			}),
		]),
		// n8n's v1 execution order runs the branches from the top of the canvas down, so the branch
		// that fails the run comes last.
		workflow(
			'rasterE2eInputs',
			[
				raster('Invalid Organization', { resource: 'library', operation: 'getMany', returnAll: true }, [200, 0], {
					credentials: invalidOrganization,
					onError: 'continueRegularOutput',
				}),
				noOp('After Invalid Organization', [400, 0]),
				raster('Empty Key', { resource: 'library', operation: 'getMany', returnAll: true }, [200, 200], {
					credentials: emptyKey,
					onError: 'continueErrorOutput',
				}),
				noOp('After Empty Key', [400, 200]),
				raster('Limit As Text', { resource: 'asset', operation: 'getMany', library, returnAll: false, limit: '={{ "7" }}' }, [200, 400]),
				raster('Limit Not A Number', { resource: 'asset', operation: 'getMany', library, returnAll: false, limit: '={{ "ten" }}' }, [200, 600]),
			],
			{
				Start: { main: [to('Invalid Organization', 'Empty Key', 'Limit As Text', 'Limit Not A Number')] },
				'Invalid Organization': { main: [to('After Invalid Organization')] },
				// Only the error output, which n8n adds for continueErrorOutput, leads on.
				'Empty Key': { main: [[], to('After Empty Key')] },
			},
		),
		workflow('rasterE2eRejected', [
			readFiles(`${imagesDir}/rejected/*`),
			raster('Upload', { resource: 'asset', operation: 'upload', library, binaryPropertyName: 'data' }, [400, 0]),
		]),
	];
}

/**
 * Runs a workflow and returns the exit code, the output items of one node, the run's error
 * message and description, and `output(nodeName, outputIndex)` for the items of any node.
 * With JSON logs, the run result is the last log line whose message parses as a JSON object.
 */
async function execute(n8n, workflowId, nodeName) {
	const result = await n8n(['execute', `--id=${workflowId}`, '--rawOutput']);
	let runData;
	for (const line of result.stdout.split('\n')) {
		const message = parseJson(parseJson(line)?.message ?? line);
		if (message !== undefined && typeof message === 'object' && message?.data?.resultData !== undefined) {
			runData = message;
		}
	}
	if (runData === undefined) {
		log(`no run result from ${workflowId}; output follows\n${result.stdout}\n${result.stderr}`);
	}
	const resultData = runData?.data?.resultData;
	const output = (name, outputIndex = 0) => resultData?.runData?.[name]?.[0]?.data?.main?.[outputIndex] ?? [];
	const error = resultData?.error ?? resultData?.runData?.[nodeName]?.[0]?.error;
	return { code: result.code, items: output(nodeName), error: error?.message, errorDescription: error?.description, output };
}

async function listAssets(emulator) {
	const response = await fetch(
		`${emulator.url}/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets?pageSize=500`,
		{ headers: { authorization: `Bearer ${emulator.writeKey}`, 'api-version': '2026-05-20' } },
	);
	return (await response.json()).data;
}

function runN8n(n8nDir, args, env) {
	return new Promise((resolve, reject) => {
		const child = spawn(path.join(n8nDir, 'node_modules/.bin/n8n'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

function run(command, args, options) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, options);
		child.on('error', reject);
		child.on('close', (code) => resolve(code ?? 1));
	});
}

function parseJson(text) {
	if (typeof text !== 'string' || !text.trim().startsWith('{')) return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function sameSet(actual, expected) {
	return actual.length === expected.length && [...actual].sort().join('\n') === [...expected].sort().join('\n');
}

function seconds(since) {
	return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function log(message) {
	process.stdout.write(`[n8n e2e] ${message}\n`);
}
