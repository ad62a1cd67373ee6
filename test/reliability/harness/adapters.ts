import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { bundleForNode, NODE, REPOSITORY_ROOT } from './bundle';

/** Output of one adapter process. */
export interface AdapterRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Outputs the action wrote to GITHUB_OUTPUT, by name. */
  outputs: Record<string, string>;
  /** The job summary the action wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
}

/** Bundles the CLI and the action from source, so tests run the code in the working tree. */
export async function bundleAdapters(): Promise<{ cli: string; action: string }> {
  const [cli, action] = await Promise.all([
    bundleForNode(join(REPOSITORY_ROOT, 'action', 'src', 'cli.ts'), 'raster-sync-cli'),
    bundleForNode(join(REPOSITORY_ROOT, 'action', 'src', 'main.ts'), 'raster-sync-action'),
  ]);
  return { cli, action };
}

function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Returns a clean environment of PATH and HOME only, so no variable of the test runner leaks in. */
function baseEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };
}

/** Runs `raster-sync` with `args` and `env` added to a clean environment. */
export async function runCliProcess(cli: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 60_000): Promise<AdapterRun> {
  const result = await runNode(cli, args, { ...baseEnvironment(), ...env }, cwd, timeoutMs);
  return { ...result, outputs: {}, summary: '' };
}

/** Parses GITHUB_OUTPUT as `@actions/core` writes it: `name<<delimiter`, value lines, delimiter. */
export function parseGithubOutput(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (match === null) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) value.push(lines[i] ?? '');
    outputs[name as string] = value.join('\n');
  }
  return outputs;
}

/**
 * Runs the action as the runner does: `INPUT_*` variables from `inputs`, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files and RUNNER_TEMP in `workDirectory`, GITHUB_WORKSPACE set.
 */
export async function runActionProcess(
  action: string,
  inputs: Record<string, string>,
  options: { workspace: string; workDirectory: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<AdapterRun> {
  await mkdir(options.workDirectory, { recursive: true });
  const outputFile = join(options.workDirectory, 'github-output');
  const summaryFile = join(options.workDirectory, 'step-summary.md');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');

  const env: NodeJS.ProcessEnv = {
    ...baseEnvironment(),
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: 'octo/site',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: options.workDirectory,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

  const result = await runNode(action, [], env, options.workspace, options.timeoutMs ?? 60_000);
  return {
    ...result,
    outputs: parseGithubOutput(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}
