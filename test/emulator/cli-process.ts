import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');
export const CLI_PATH = resolve(REPOSITORY_ROOT, 'emulator/dist/cli.js');

/** The line `raster-emulator --json` prints once it listens. */
export interface CliInfo {
  url: string;
  organizationId: string;
  libraryId: string;
  writeKey: string;
  readKey: string;
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, or the signal name when a signal ended the process. */
  exited: Promise<number | string>;
}

let built: Promise<string> | null = null;

/** Runs the emulator workspace's `build` script once per test file and returns the CLI path. */
export function buildCli(): Promise<string> {
  built ??= promisify(execFile)('npm', ['run', 'build', '--silent', '-w', 'emulator'], { cwd: REPOSITORY_ROOT }).then(
    () => CLI_PATH,
  );
  return built;
}

/** Starts the built CLI with the Node that runs the tests. */
export async function spawnCli(args: string[]): Promise<CliProcess> {
  const cli = await buildCli();
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('close', (code, signal) => resolveExit(signal ?? code ?? -1));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits until `predicate` holds for the output so far, or fails after `timeoutMs`. */
export async function waitForOutput(process: CliProcess, predicate: (stdout: string) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(process.stdout())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for CLI output; stdout: ${process.stdout()} stderr: ${process.stderr()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}

/** Starts the CLI with `--json` on a free loopback port and returns its JSON line. */
export async function startCliJson(args: string[]): Promise<{ process: CliProcess; info: CliInfo }> {
  const started = await spawnCli(['--port', '0', '--json', ...args]);
  await waitForOutput(started, (stdout) => stdout.includes('\n'));
  const info = JSON.parse(started.stdout().split('\n')[0] ?? '') as CliInfo;
  return { process: started, info };
}

/** Sends SIGTERM and waits for the exit, with SIGKILL after 10 s as a last resort. */
export async function stopCli(process: CliProcess): Promise<number | string> {
  process.child.kill('SIGTERM');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), 10_000);
  const result = await process.exited;
  clearTimeout(timer);
  return result;
}
