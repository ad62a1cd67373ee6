import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { bundleForNode, NODE, REPOSITORY_ROOT } from './bundle';

/** The line `raster-emulator --json` prints once it listens. */
export interface EmulatorInfo {
  url: string;
  organizationId: string;
  libraryId: string;
  writeKey: string;
  readKey: string;
}

/** An emulator running as its own process, so that a crash shows as an exit and RSS is its own. */
export interface EmulatorProcess {
  info: EmulatorInfo;
  host: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  /** Exit code or signal once the process has ended; undefined while it runs. */
  exited(): string | undefined;
  stderr(): string;
  /** Resident set size in bytes, read from /proc. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** Bundles the `raster-emulator` CLI from source and starts it on 127.0.0.1, port 0. */
export async function startEmulatorProcess(extraArgs: string[] = []): Promise<EmulatorProcess> {
  const cli = await bundleForNode(join(REPOSITORY_ROOT, 'emulator', 'src', 'cli.ts'), 'raster-emulator');
  const child = spawn(NODE, [cli, '--host', '127.0.0.1', '--port', '0', '--json', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const closed = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    });
  });

  const info = await new Promise<EmulatorInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator printed no JSON line within 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((candidate) => candidate.trim().startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as EmulatorInfo);
    });
    child.on('close', () => reject(new Error(`the emulator exited before listening; stderr: ${stderr}`)));
  });

  const url = new URL(info.url);
  return {
    info,
    host: url.hostname,
    port: Number(url.port),
    child,
    exited: () => exit,
    stderr: () => stderr,
    rssBytes: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      if (match === null) throw new Error(`no VmRSS line in /proc/${child.pid}/status`);
      return Number(match[1]) * 1024;
    },
    stop: async () => {
      if (exit === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
