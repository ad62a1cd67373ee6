/**
 * Runs the built action and CLI bundles as separate processes, the way GitHub's runner and a
 * shell run them, against an emulator on loopback, and reads the library back with raw HTTP.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Asset, SyncReport } from '@raster-toolkit/core';
import { SHARED_IMAGES } from '../support/shared-images';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const actionBundle = path.join(repositoryRoot, 'action/dist/index.cjs');
export const cliBundle = path.join(repositoryRoot, 'action/dist/cli.cjs');
export const sampleImages = SHARED_IMAGES;

const API_VERSION = '2026-05-20';

/** Files of the sample folder the API cannot take, with no hidden ones (they are skipped unseen). */
export const UNUPLOADABLE_SAMPLE_FILES = [
  'README.md',
  'not-images/data.json',
  'not-images/empty.png',
  'not-images/fake.png',
  'not-images/notes.md',
];

/** Builds the action workspace once, so the tests run the code as it is now, not the committed bundle. */
export async function buildAction(): Promise<void> {
  await promisify(execFile)('npm', ['run', 'build', '--silent', '-w', '@raster-toolkit/action'], { cwd: repositoryRoot });
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningProcess {
  result: Promise<ProcessResult>;
  /** Resolves when stdout or stderr has printed text that matches `pattern`. */
  waitForOutput(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node <nodeOptions> <script> <args>` with exactly `env` (plus PATH) and collects its output. */
export function startNode(script: string, args: string[], env: Record<string, string>, cwd = repositoryRoot, nodeOptions: string[] = []): RunningProcess {
  const child = spawn(process.execPath, [...nodeOptions, script, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const check = () => {
    for (const watcher of [...watchers]) {
      if (watcher.pattern.test(stdout) || watcher.pattern.test(stderr)) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    check();
  });

  const result = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    result,
    waitForOutput: (pattern) =>
      new Promise<void>((resolve, reject) => {
        watchers.push({ pattern, resolve });
        check();
        result.then(() => reject(new Error(`The process ended before printing ${pattern}:\n${stdout}\n${stderr}`)), reject);
      }),
    kill: (signal) => child.kill(signal),
  };
}

/** A workspace as a GitHub runner prepares it: the checkout, the temp folder and the command files. */
export interface Workspace {
  root: string;
  runnerTemp: string;
  outputFile: string;
  summaryFile: string;
}

/** Creates a workspace whose `images/` folder is a copy of the sample images. */
export async function createWorkspace(source = sampleImages): Promise<Workspace> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'raster-action-test-'));
  const root = path.join(base, 'workspace');
  const runnerTemp = path.join(base, 'runner-temp');
  await mkdir(runnerTemp, { recursive: true });
  await cp(source, path.join(root, 'images'), { recursive: true });
  return { root, runnerTemp, outputFile: path.join(base, 'github-output'), summaryFile: path.join(base, 'step-summary.md') };
}

/**
 * Reads the inputs and outputs of action.yml with their defaults. action.yml uses a flat layout
 * (two-space keys under `inputs:` and `outputs:`, quoted one-line defaults), which this reads
 * line by line instead of pulling in a YAML parser for a test.
 */
export async function readActionMetadata(): Promise<{ inputs: Map<string, string | undefined>; outputs: string[] }> {
  const text = await readFile(path.join(repositoryRoot, 'action.yml'), 'utf8');
  const inputs = new Map<string, string | undefined>();
  const outputs: string[] = [];
  let section = '';
  let current = '';
  for (const line of text.split('\n')) {
    const top = /^([a-z]+):/.exec(line);
    if (top) {
      section = top[1] ?? '';
      continue;
    }
    const key = /^ {2}([a-z-]+):\s*$/.exec(line);
    if (key) {
      current = key[1] ?? '';
      if (section === 'inputs') inputs.set(current, undefined);
      if (section === 'outputs') outputs.push(current);
      continue;
    }
    const defaultValue = /^ {4}default: '(.*)'\s*$/.exec(line);
    if (defaultValue && section === 'inputs') inputs.set(current, defaultValue[1]);
  }
  return { inputs, outputs };
}

export interface ActionRun extends ProcessResult {
  outputs: Record<string, string>;
  summary: string;
  report: SyncReport | undefined;
}

/**
 * Starts the action bundle with `inputs` passed as the runner passes them: every default of
 * action.yml, then the given inputs, each as `INPUT_` and the name in upper case with spaces
 * replaced by underscores and dashes kept. `runnerEnv` replaces runner variables such as
 * `GITHUB_OUTPUT`.
 */
export async function startAction(
  workspace: Workspace,
  inputs: Record<string, string>,
  runnerEnv: Record<string, string> = {},
): Promise<RunningProcess & { run: Promise<ActionRun> }> {
  await writeFile(workspace.outputFile, '');
  await writeFile(workspace.summaryFile, '');
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace.root,
    GITHUB_REPOSITORY: 'octo-org/site',
    GITHUB_OUTPUT: workspace.outputFile,
    GITHUB_STEP_SUMMARY: workspace.summaryFile,
    RUNNER_TEMP: workspace.runnerTemp,
    ...runnerEnv,
  };
  const { inputs: declared } = await readActionMetadata();
  const withDefaults: Record<string, string> = {};
  for (const [name, defaultValue] of declared) {
    if (defaultValue !== undefined) withDefaults[name] = defaultValue;
  }
  for (const [name, value] of Object.entries({ ...withDefaults, ...inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }

  const running = startNode(actionBundle, [], env, workspace.root);
  const run = running.result.then(async (result) => {
    const outputs = parseCommandFile(await readFile(workspace.outputFile, 'utf8'));
    const summary = await readFile(workspace.summaryFile, 'utf8');
    const report = outputs['report'] ? (JSON.parse(await readFile(outputs['report'], 'utf8')) as SyncReport) : undefined;
    return { ...result, outputs, summary, report };
  });
  return { ...running, run };
}

export async function runAction(workspace: Workspace, inputs: Record<string, string>): Promise<ActionRun> {
  return (await startAction(workspace, inputs)).run;
}

/** Parses a GITHUB_OUTPUT file: `name<<delimiter`, the value lines, then the delimiter. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(os.EOL);
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (match === null) continue;
    const [, name, delimiter] = match;
    const valueLines: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) valueLines.push(lines[i] ?? '');
    values[name as string] = valueLines.join(os.EOL);
  }
  return values;
}

export interface LibraryAccess {
  url: string;
  organizationId: string;
  libraryId: string;
  key: string;
}

/** Lists every asset of a library with plain `fetch`, page by page, outside the client under test. */
export async function listAssetsRaw(library: LibraryAccess): Promise<Asset[]> {
  const assets: Asset[] = [];
  for (let page = 1; ; page++) {
    const response = await fetch(
      `${library.url}/organizations/${library.organizationId}/libraries/${library.libraryId}/assets?page=${page}&pageSize=500`,
      { headers: { 'api-version': API_VERSION, authorization: `Bearer ${library.key}` } },
    );
    if (response.status !== 200) throw new Error(`Listing failed with ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { data: Asset[] };
    assets.push(...body.data);
    if (body.data.length < 500) return assets;
  }
}

/** Uploads one file with plain `fetch`, as a person or another tool would, and returns the asset. */
export async function uploadRaw(library: LibraryAccess, filename: string, bytes: Uint8Array): Promise<Asset> {
  const form = new FormData();
  form.append('files', new Blob([bytes]), filename);
  const response = await fetch(`${library.url}/organizations/${library.organizationId}/libraries/${library.libraryId}/assets`, {
    method: 'POST',
    headers: { 'api-version': API_VERSION, authorization: `Bearer ${library.key}` },
    body: form,
  });
  if (response.status !== 200 && response.status !== 201) throw new Error(`Upload failed with ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { data: { assets: Asset[] } };
  const asset = body.data.assets[0];
  if (asset === undefined) throw new Error('The upload returned no asset.');
  return asset;
}

/** Relative paths of the files in a folder, hidden ones left out, with `/` separators. */
export async function listFiles(root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((relative) => !relative.split('/').some((part) => part.startsWith('.')))
    .sort();
}
