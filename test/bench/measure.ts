/**
 * Runs one side of a comparison as a child process tree and measures its wall time and peak
 * resident memory.
 *
 * Peak RSS is sampled from /proc every `POLL_INTERVAL_MS`: at each sample the harness walks the
 * tree from the child through /proc/<pid>/task/<tid>/children, sums VmRSS over the live processes
 * and keeps the largest sum. It also keeps the largest VmHWM (the kernel's own high-water mark
 * of one process, which misses nothing between samples). The reported peak is the larger of the
 * two. A process that starts and exits between two samples (a quick curl) can be missed by both.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const POLL_INTERVAL_MS = 20;

/** Process groups of the runs in progress, so that an interrupted harness can stop them. */
const activeGroups = new Set<number>();

/** Kills every process tree started by `runMeasured` that has not exited yet. */
export function killActiveRuns(): void {
  for (const pid of activeGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group exited meanwhile.
    }
  }
  activeGroups.clear();
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The tree is killed when it runs longer than this. */
  timeoutMs: number;
}

export interface ProcessRun {
  command: string;
  wallMs: number;
  peakRssBytes: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /**
   * Time this process's event loop was busy from the spawn's return to the child's exit, less
   * the time it spent sampling the tree's memory. It covers whatever else runs on the loop, such
   * as an emulator started in this process.
   */
  loopBusyMs: number;
  /**
   * CPU time of this process's main thread over the same interval, less the sampling's wall time.
   * Unlike `loopBusyMs` it leaves out the time the thread waited for a CPU while the loop was busy.
   */
  loopCpuMs: number;
}

/** CPU time (user and system) of the calling thread, in milliseconds. */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

function readKilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
      if (text) children.push(...text.split(' ').map(Number));
    } catch {
      // The task exited while the tree was read.
    }
  }
  return children;
}

/** Samples the memory of a process tree: the sum of VmRSS and the largest VmHWM. */
function sampleTree(rootPid: number): { rssSum: number; hwmMax: number } {
  let rssSum = 0;
  let hwmMax = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'latin1');
    } catch {
      continue;
    }
    rssSum += readKilobytes(status, 'VmRSS') * 1024;
    hwmMax = Math.max(hwmMax, readKilobytes(status, 'VmHWM') * 1024);
    pending.push(...childrenOf(pid));
  }
  return { rssSum, hwmMax };
}

/** Runs `command` with `args` (no shell) and resolves when the process exits. */
export function runMeasured(command: string, args: string[], options: RunOptions): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that a timeout can stop the whole tree.
      detached: true,
    });
    if (child.pid !== undefined) activeGroups.add(child.pid);
    // Measured from here, because the spawn call itself takes a few milliseconds of the loop.
    const loopAtSpawn = performance.eventLoopUtilization();
    const cpuAtSpawn = threadCpuMs();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (piece: Buffer) => stdout.push(piece));
    child.stderr.on('data', (piece: Buffer) => stderr.push(piece));

    let peakRssBytes = 0;
    let samplingMs = 0;
    const sample = (): void => {
      if (child.pid === undefined) return;
      const sampleStarted = performance.now();
      const { rssSum, hwmMax } = sampleTree(child.pid);
      peakRssBytes = Math.max(peakRssBytes, rssSum, hwmMax);
      samplingMs += performance.now() - sampleStarted;
    };
    const poller = setInterval(sample, POLL_INTERVAL_MS);

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs);

    // The exit status is recorded on 'exit'; the result waits for 'close', when output is complete.
    let exitCode: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let wallMs = 0;
    let loopBusyMs = 0;
    let loopCpuMs = 0;
    child.on('exit', (code, exitSignal) => {
      wallMs = performance.now() - started;
      loopBusyMs = Math.max(0, performance.eventLoopUtilization(loopAtSpawn).active - samplingMs);
      // The sampling's wall time is used for its CPU time: the kernel updates a running
      // thread's CPU time only at ticks and switches, so a read around one sample misses most of it.
      loopCpuMs = Math.max(0, threadCpuMs() - cpuAtSpawn - samplingMs);
      if (child.pid !== undefined) activeGroups.delete(child.pid);
      exitCode = code;
      signal = exitSignal;
      clearInterval(poller);
      clearTimeout(timer);
    });
    child.on('error', (error) => {
      clearInterval(poller);
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', () => {
      resolve({
        command: [command, ...args].join(' '),
        wallMs,
        peakRssBytes,
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        loopBusyMs,
        loopCpuMs,
      });
    });
    sample();
  });
}

/** Rejects with the command's output when it did not exit with status 0. */
export function assertSucceeded(run: ProcessRun, what: string): void {
  if (run.exitCode === 0) return;
  let status = `exited with ${run.exitCode}`;
  if (run.signal) status = `was killed by ${run.signal}`;
  if (run.timedOut) status = 'timed out';
  const output = `${run.stderr}\n${run.stdout}`.trim().slice(-2000);
  throw new Error(`${what} ${status}: ${run.command}\n${output}`);
}
