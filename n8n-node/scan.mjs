// Lints the package the way n8n's community package scanner (@n8n/scan-community-package)
// does before it verifies a package: its ESLint configuration, inline `eslint-disable`
// comments ignored, once over the node and credential sources and once over the packed
// tarball's JavaScript and package.json. The scanner's provenance and YARA checks need a
// published package and are not run here.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The plugins and parser come from where @n8n/node-cli's own ESLint configuration loads them,
// so this scan and `n8n-node lint` run the same rule versions.
const requireFromCli = createRequire(import.meta.resolve('@n8n/node-cli/eslint'));
const { n8nCommunityNodesPlugin } = await import(requireFromCli.resolve('@n8n/eslint-plugin-community-nodes'));
const { ESLint } = requireFromCli('eslint');
const { defineConfig } = requireFromCli('eslint/config');
const n8nNodesPlugin = requireFromCli('eslint-plugin-n8n-nodes-base');
const glob = requireFromCli('fast-glob');
const tseslint = requireFromCli('typescript-eslint');

const packageDir = path.dirname(fileURLToPath(import.meta.url));

function scanConfig() {
	const parser = tseslint.parser;
	return defineConfig(
		n8nCommunityNodesPlugin.configs.recommended,
		{ rules: { 'no-console': 'error' } },
		{ plugins: { 'n8n-nodes-base': n8nNodesPlugin } },
		{ files: ['package.json'], rules: { ...n8nNodesPlugin.configs.community.rules } },
		{
			files: ['**/credentials/**/*.ts'],
			rules: {
				...n8nNodesPlugin.configs.credentials.rules,
				'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
				'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
			},
		},
		{
			files: ['**/nodes/**/*.ts'],
			rules: {
				...n8nNodesPlugin.configs.nodes.rules,
				'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
				'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
				'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
			},
		},
		{ files: ['**/*.json'], languageOptions: { parser } },
		{ files: ['**/*.ts'], languageOptions: { parser } },
	);
}

async function lint(directory, patterns, ignore = []) {
	const eslint = new ESLint({
		cwd: directory,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: scanConfig(),
	});
	const files = glob.sync(patterns, {
		cwd: directory,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json', ...ignore],
	});
	const results = await eslint.lintFiles(files);
	const formatter = await eslint.loadFormatter('stylish');
	const report = await formatter.format(results);
	const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
	const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
	return { files: files.length, errors, warnings, report };
}

const workDir = await mkdtemp(path.join(tmpdir(), 'raster-n8n-scan-'));
try {
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: packageDir, stdio: 'inherit' });
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: packageDir, encoding: 'utf8' })
		.trim()
		.split('\n')
		.pop();
	const packedDir = path.join(workDir, 'package');
	execFileSync('tar', ['-xzf', path.join(workDir, tarball), '-C', workDir]);

	const source = await lint(packageDir, ['package.json', '{nodes,credentials}/**/*.{js,ts,json}'], ['dist/**']);
	const packed = await lint(packedDir, ['**/*.js', 'package.json']);

	let failed = false;
	for (const [label, result] of [['source', source], ['packed package', packed]]) {
		console.log(`${label}: ${result.files} files, ${result.errors} errors, ${result.warnings} warnings`);
		if (result.report.trim() !== '') {
			console.log(result.report);
		}
		failed ||= result.errors > 0;
	}
	process.exitCode = failed ? 1 : 0;
} finally {
	await rm(workDir, { recursive: true, force: true });
}
