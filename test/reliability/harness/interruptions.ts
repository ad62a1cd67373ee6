import { spawn } from 'node:child_process';

import type { RunningEmulator } from '@raster-toolkit/emulator';

import { GeneratedFolder, writeFolder } from './folder';
import { checkLibrary, listAllAssets, snapshotForeign } from './library';
import type { ForeignSnapshot, LibraryAccess } from './library';
import type { SeededRandom } from './random';

export interface InterruptionOptions {
  /** Interruptions of each signal. */
  count: number;
  random: SeededRandom;
  emulator: RunningEmulator;
  access: LibraryAccess;
  /** Folder the interrupted runs sync; created and changed here. */
  root: string;
  cliPath: string;
  nodePath: string;
  /** Assets that must stay untouched, such as those of other syncs in the same library. */
  foreign: ForeignSnapshot[];
  verbose: boolean;
  log: (line: string) => void;
}

export interface InterruptionTotals {
  sigtermRuns: number;
  /** SIGTERM runs that exited with the partial code, having stopped before the end. */
  sigtermStoppedEarly: number;
  sigtermUntagged: number;
  sigtermHung: number;
  /** SIGTERM runs that ended by the signal itself, because it came before the CLI set its handler. */
  sigtermBeforeHandler: number;
  sigkillRuns: number;
  sigkillRunsWithUntagged: number;
  sigkillUntagged: number;
  /** SIGKILL runs whose untagged assets the next run's output named. */
  sigkillReported: number;
  /** Interrupted runs (either signal) after which one complete run did not converge. */
  notConverged: number;
  foreignTouched: number;
  /** Runs that ended before their signal was due, so nothing interrupted them. */
  endedBeforeSignal: number;
}

/** Output of raster-sync that marks a phase; undefined stands for a time after start. */
const PHASE_ANCHORS: Array<{ name: string; output: RegExp } | undefined> = [
  undefined,
  undefined,
  undefined,
  undefined,
  { name: 'uploading began', output: /== uploading/ },
  { name: 'the first file was tagged', output: /\nuploaded {2}/ },
  { name: 'pruning began', output: /== pruning/ },
  { name: 'the wait for the listing began', output: /== waiting for listing/ },
];

export const INTERRUPT_SYNC_ID = 'reliability-interrupt';

/** Result of one CLI process. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the process did not exit within the time limit and was killed. */
  hung: boolean;
  /** True when the interrupting signal was sent before the process exited. */
  signalled: boolean;
}

/**
 * Runs the CLI as a child process against the library and, when `interrupt` is given, sends
 * that signal `afterMs` after start, or after the first stderr output matching `afterOutput`
 * when that is set, and `repeat.signal` `repeat.afterMs` later when given. A process that has not exited 60 seconds after start (or after
 * the signal) is killed and reported as hung.
 */
export function runCli(
  options: Pick<InterruptionOptions, 'access' | 'cliPath' | 'nodePath'>,
  root: string,
  interrupt?: { signal: NodeJS.Signals; afterMs: number; afterOutput?: RegExp; repeat?: { signal: NodeJS.Signals; afterMs: number } },
  extraArgs: string[] = [],
): Promise<CliRun> {
  const args = [
    options.cliPath,
    '--library', options.access.libraryId,
    '--organization', options.access.organizationId,
    '--api-url', options.access.baseUrl,
    '--sync-id', INTERRUPT_SYNC_ID,
    '--max-deletes', '100%',
    '--json',
    ...extraArgs,
    root,
  ];
  return new Promise((resolve) => {
    const child = spawn(options.nodePath, args, {
      env: { PATH: process.env['PATH'] ?? '', RASTER_API_KEY: options.access.apiKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));

    let watchdog = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, 60_000);
    const sendSignal = () => {
      if (interrupt === undefined || child.exitCode !== null) return;
      signalled = child.kill(interrupt.signal);
      const repeat = interrupt.repeat;
      if (repeat !== undefined) setTimeout(() => child.exitCode === null && child.kill(repeat.signal), repeat.afterMs);
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, 60_000);
    };
    let signalTimer = interrupt === undefined || interrupt.afterOutput !== undefined ? undefined : setTimeout(sendSignal, interrupt.afterMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (interrupt?.afterOutput !== undefined && signalTimer === undefined && interrupt.afterOutput.test(stderr)) {
        signalTimer = setTimeout(sendSignal, interrupt.afterMs);
      }
    });

    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      if (signalTimer !== undefined) clearTimeout(signalTimer);
      resolve({ code, signal, stdout, stderr, hung, signalled });
    });
  });
}

/** Parses the `--json` report from a CLI run's stdout, or returns undefined. */
export function parseJsonReport(run: CliRun): { ownerTag: string; outcome: string } | undefined {
  const start = run.stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(run.stdout.slice(start)) as { ownerTag: string; outcome: string };
  } catch {
    return undefined;
  }
}

/** Assets that carry neither `ownerTag` nor belong to the foreign set: uploads left untagged. */
async function untaggedAssets(access: LibraryAccess, ownerTag: string, foreign: ForeignSnapshot[]): Promise<string[]> {
  const foreignIds = new Set(foreign.map((snapshot) => snapshot.id));
  return (await listAllAssets(access))
    .filter((asset) => !asset.tags.includes(ownerTag) && !foreignIds.has(asset.id))
    .map((asset) => asset.id);
}

/**
 * Interrupts `count` CLI runs with SIGTERM and `count` with SIGKILL, each at a random moment
 * while uploads are slowed by injected latency, and checks what each leaves behind. SIGTERM must
 * leave no untagged asset. After SIGKILL, one complete run must converge the library.
 */
export async function runInterruptions(options: InterruptionOptions): Promise<InterruptionTotals> {
  const { random, access, root } = options;
  const totals: InterruptionTotals = {
    sigtermRuns: 0,
    sigtermStoppedEarly: 0,
    sigtermUntagged: 0,
    sigtermHung: 0,
    sigtermBeforeHandler: 0,
    sigkillRuns: 0,
    sigkillRunsWithUntagged: 0,
    sigkillUntagged: 0,
    sigkillReported: 0,
    notConverged: 0,
    foreignTouched: 0,
    endedBeforeSignal: 0,
  };

  // Every asset already in the library (other syncs' included) must survive the interruptions.
  const existing = (await listAllAssets(access)).map((asset) => asset.id);
  const knownForeign = new Set(options.foreign.map((snapshot) => snapshot.id));
  const foreign = [...options.foreign, ...(await snapshotForeign(access, existing.filter((id) => !knownForeign.has(id))))];

  const folder = new GeneratedFolder(random.fork());
  for (let i = 0; i < 30; i += 1) folder.addImage();
  await writeFolder(root, folder);
  const baseline = await runCli(options, root);
  const ownerTag = parseJsonReport(baseline)?.ownerTag;
  if (ownerTag === undefined) {
    throw new Error(`the first complete CLI run printed no JSON report (exit ${baseline.code}): ${baseline.stderr.slice(0, 2000)}`);
  }

  const signals: NodeJS.Signals[] = [];
  for (let i = 0; i < options.count; i += 1) signals.push('SIGTERM', 'SIGKILL');

  for (const [index, signal] of signals.entries()) {
    folder.mutate(8);
    await writeFolder(root, folder);
    options.emulator.admin.injectFaults([
      { route: 'upload', kind: 'latency', latencyMs: random.int(300, 1200), times: 1000, probability: 1 },
      { route: 'tag-assets', kind: 'latency', latencyMs: random.int(50, 300), times: 1000, probability: 1 },
    ]);
    // Half the signals come at a time after start (start-up, scan, listing), the others a short
    // time after the CLI prints that a later phase began, so that every phase gets signals.
    const anchor = random.pick(PHASE_ANCHORS);
    const afterMs = anchor === undefined ? random.int(50, 1500) : random.int(0, 600);
    const interrupt = anchor === undefined ? { signal, afterMs } : { signal, afterMs, afterOutput: anchor.output };
    const untaggedBefore = new Set(await untaggedAssets(access, ownerTag, foreign));
    const interrupted = await runCli(options, root, interrupt, ['--concurrency', String(random.int(1, 4))]);
    options.emulator.admin.clearFaults();
    if (!interrupted.signalled) totals.endedBeforeSignal += 1;

    const left = (await untaggedAssets(access, ownerTag, foreign)).filter((id) => !untaggedBefore.has(id));
    const when = anchor === undefined ? `${afterMs} ms after start` : `${afterMs} ms after ${anchor.name}`;
    let line = `interruption ${String(index + 1).padStart(3)}: ${signal} ${interrupted.signalled ? '' : '(not sent, the run had ended) '}${when}, exit ${interrupted.code ?? interrupted.signal}, ${left.length} new untagged assets`;

    if (signal === 'SIGTERM') {
      totals.sigtermRuns += 1;
      if (interrupted.code === 1) totals.sigtermStoppedEarly += 1;
      if (interrupted.hung) totals.sigtermHung += 1;
      if (interrupted.signal === 'SIGTERM') totals.sigtermBeforeHandler += 1;
      totals.sigtermUntagged += left.length;
    } else {
      totals.sigkillRuns += 1;
      if (left.length > 0) totals.sigkillRunsWithUntagged += 1;
      totals.sigkillUntagged += left.length;
    }

    const next = await runCli(options, root);
    const nextOutput = next.stdout + next.stderr;
    if (signal === 'SIGKILL' && left.length > 0 && left.every((id) => nextOutput.includes(id))) totals.sigkillReported += 1;

    // Converged: the folder is mirrored and none of this interruption's untagged assets is left.
    // Untagged assets of earlier interruptions were counted then and are not counted again.
    const check = await checkLibrary(access, ownerTag, folder, foreign);
    const stillUntagged = (await untaggedAssets(access, ownerTag, foreign)).filter((id) => left.includes(id));
    const converged = check.duplicates + check.missing + check.stale + stillUntagged.length === 0 &&
      parseJsonReport(next)?.outcome === 'success';
    if (!converged) totals.notConverged += 1;
    totals.foreignTouched += check.foreignTouched;
    line += converged ? ', next run converged' : `, NOT converged after the next run (exit ${next.code}, ${stillUntagged.length} still untagged)`;
    options.log(line);
    if (options.verbose) {
      for (const problem of check.problems) options.log(`    ${problem}`);
    }
    if (next.code !== 0) options.log(`    next run stderr: ${next.stderr.slice(-1500)}`);
  }

  return totals;
}
