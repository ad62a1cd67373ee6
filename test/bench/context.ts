/** What every comparison shares: the emulator, the work folder, the sizes and the commands. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { RunningEmulator } from '@raster-toolkit/emulator';

import { assertSucceeded, runMeasured, type ProcessRun, type RunOptions } from './measure';
import type { SideResult } from './report';

export type Emulator = RunningEmulator;

/** Sizes of one benchmark run; `--quick` shrinks every one of them. */
export interface BenchSizes {
  coldFiles: number;
  coldFileBytes: number;
  /** Rounds of every cold-upload side; the fastest run of each side counts. */
  coldRounds: number;
  noopFiles: number;
  noopFileBytes: number;
  /** Rounds of both no-op sides; the fastest run of each side counts. */
  noopRounds: number;
  /** Total bytes of the two large-file syncs, smaller first. */
  largeTotals: [number, number];
  largeFileMinBytes: number;
  largeFileMaxBytes: number;
  /** Runs of the action whose start times are measured; the median is reported. */
  startRuns: number;
  /** Parallel connections of the ingest ceiling. */
  ceilingConnections: number;
}

export const DEFAULT_SIZES: BenchSizes = {
  coldFiles: 1000,
  coldFileBytes: 100_000,
  coldRounds: 5,
  noopFiles: 10_000,
  noopFileBytes: 1_500,
  noopRounds: 5,
  largeTotals: [200_000_000, 2_000_000_000],
  largeFileMinBytes: 20_000_000,
  largeFileMaxBytes: 100_000_000,
  startRuns: 7,
  ceilingConnections: 4,
};

export const QUICK_SIZES: BenchSizes = {
  coldFiles: 60,
  coldFileBytes: 100_000,
  coldRounds: 1,
  noopFiles: 400,
  noopFileBytes: 1_500,
  noopRounds: 1,
  largeTotals: [10_000_000, 40_000_000],
  largeFileMinBytes: 2_000_000,
  largeFileMaxBytes: 6_000_000,
  startRuns: 2,
  ceilingConnections: 4,
};

/** Paths of the built programs the comparisons run. */
export interface Programs {
  /** Node 24, the runtime of the harness, the CLI and the action. */
  node: string;
  /** The sync CLI, `raster-sync`. */
  syncCli: string;
  /** The GitHub Action's bundle. */
  action: string;
  /** Folder of the built baseline clients. */
  clientsDir: string;
  /** Folder of the shell baseline. */
  scriptsDir: string;
}

export interface BenchContext {
  emulator: Emulator;
  /** Aborted when the harness is interrupted; no new side starts after that. */
  signal: AbortSignal;
  /** `pageSize` of every asset listing the emulator has served, in order; 50 when not given. */
  listPageSizes: number[];
  workDir: string;
  sizes: BenchSizes;
  programs: Programs;
  /** Maximum time one side may run before it is killed. */
  sideTimeoutMs: number;
  log: (message: string) => void;
}

/** URL of the seed library's assets route: uploads POST here, listings GET here. */
export function assetsUrl(emulator: Emulator): string {
  return `${emulator.url}/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets`;
}

/** Environment of the baseline clients: the assets URL and the write key. */
export function clientEnv(emulator: Emulator): NodeJS.ProcessEnv {
  return { ...process.env, RASTER_BENCH_UPLOAD_URL: assetsUrl(emulator), RASTER_BENCH_KEY: emulator.writeKey };
}

/** Writes a file list, one relative path a line, for the baseline clients. */
export async function writeFileList(path: string, files: string[]): Promise<string> {
  await writeFile(path, `${files.join('\n')}\n`);
  return path;
}

function requestDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [route, count] of Object.entries(after)) {
    const difference = count - (before[route] ?? 0);
    if (difference > 0) delta[route] = difference;
  }
  return delta;
}

/** A measured process and the emulator's request counts while it ran. */
export interface MeasuredSide {
  run: ProcessRun;
  requests: number;
  byRoute: Record<string, number>;
  /** `pageSize` of each asset listing the side requested. */
  listPageSizes: number[];
  /**
   * Time the emulator's event loop was busy while the side ran, less the harness's memory
   * sampling, which runs on the same loop. The emulator serves every request of the side on it.
   */
  emulatorBusyMs: number;
  /** CPU time of the emulator's thread while the side ran, less the harness's memory sampling. */
  emulatorCpuMs: number;
}

/**
 * Runs one process tree, fails when it does not exit with status 0, and counts the requests the
 * emulator received meanwhile.
 */
export async function measureSide(
  context: BenchContext,
  what: string,
  command: string,
  args: string[],
  options: Partial<RunOptions> = {},
): Promise<MeasuredSide> {
  if (context.signal.aborted) throw new Error(`${what} was not started because the benchmark was interrupted`);
  const before = context.emulator.admin.stats();
  const listingsBefore = context.listPageSizes.length;
  const run = await runMeasured(command, args, { timeoutMs: context.sideTimeoutMs, ...options });
  const after = context.emulator.admin.stats();
  assertSucceeded(run, what);
  return {
    run,
    requests: after.requests - before.requests,
    byRoute: requestDelta(before.byRoute, after.byRoute),
    listPageSizes: context.listPageSizes.slice(listingsBefore),
    emulatorBusyMs: run.loopBusyMs,
    emulatorCpuMs: run.loopCpuMs,
  };
}

export function toSide(label: string, measured: MeasuredSide, note?: string): SideResult {
  return {
    label,
    wallMs: measured.run.wallMs,
    requests: measured.requests,
    peakRssBytes: measured.run.peakRssBytes,
    byRoute: measured.byRoute,
    listPageSizes: measured.listPageSizes,
    emulatorBusyMs: measured.emulatorBusyMs,
    emulatorCpuMs: measured.emulatorCpuMs,
    ...(note === undefined ? {} : { note }),
  };
}

/** Counts the live assets of the seed library by listing every page. */
export async function countAssets(emulator: Emulator): Promise<number> {
  let count = 0;
  for (let page = 1; ; page += 1) {
    const response = await fetch(`${assetsUrl(emulator)}?page=${page}&pageSize=500`, {
      headers: { authorization: `Bearer ${emulator.readKey}`, 'api-version': '2026-05-20' },
    });
    if (!response.ok) throw new Error(`listing the library failed with HTTP ${response.status}: ${await response.text()}`);
    const assets = ((await response.json()) as { data: unknown[] }).data;
    count += assets.length;
    if (assets.length < 500) return count;
  }
}

/** Fails when the library does not hold exactly `expected` assets. */
export async function expectAssetCount(emulator: Emulator, expected: number, after: string): Promise<void> {
  const count = await countAssets(emulator);
  if (count !== expected) throw new Error(`after ${after} the library holds ${count} assets, expected ${expected}`);
}

/**
 * Temporary folder of the sync CLI and the action, passed as TMPDIR. Their upload journals and
 * run locks go there instead of the user's own journal folder, and go with the work folder.
 */
export function childTempDir(context: BenchContext): string {
  return join(context.workDir, 'tmp');
}

export function syncWorkDir(context: BenchContext, name: string): string {
  return join(context.workDir, name);
}
