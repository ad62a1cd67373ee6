/**
 * The fault soak: syncs a generated folder that changes between runs into an emulator library
 * while the emulator injects faults, then checks the library against the folder. A second part
 * interrupts real CLI processes with SIGTERM and SIGKILL. Started by soak.mjs (`npm run soak`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { syncFolder } from '@raster-toolkit/core/node';
import type { SyncEvent, SyncReport } from '@raster-toolkit/core';
import { startEmulator } from '@raster-toolkit/emulator';

import { FAULT_KINDS, countFiredFaults, drawRunFaults } from './harness/faults';
import type { FaultKind } from './harness/faults';
import { GeneratedFolder, writeFolder } from './harness/folder';
import { runConcurrentSyncs } from './harness/concurrent';
import type { ConcurrentTotals } from './harness/concurrent';
import { runInterruptions } from './harness/interruptions';
import type { InterruptionTotals } from './harness/interruptions';
import { checkLibrary, snapshotForeign, tagRaw, uploadRaw } from './harness/library';
import type { ForeignSnapshot, LibraryAccess, LibraryCheck } from './harness/library';
import { randomPng } from './harness/png';
import { SeededRandom } from './harness/random';

interface SoakOptions {
  runs: number;
  seed: number;
  interruptions: number;
  /** Rounds of two syncs running at once into one library; 0 by default, reported only. */
  concurrentRounds: number;
  verbose: boolean;
  cliPath: string;
}

/** Counts over all fault runs; the last five must be zero. */
interface FaultTotals {
  runs: number;
  faultsInjected: Record<FaultKind, number>;
  /** Runs during which new assets stayed unprocessed for a while. */
  processingDelayRuns: number;
  /** Runs that named no organization, so the sync read it from the key. */
  organizationFromKeyRuns: number;
  retries: number;
  /** Foreign copies of a file uploaded just before the run that uploads it. */
  foreignLookalikes: number;
  failedFirstRuns: number;
  rerunsNeeded: number;
  duplicates: number;
  missing: number;
  stale: number;
  foreignTouched: number;
  untaggedLeft: number;
}

const SYNC_ID = 'reliability-soak';

function parseOptions(argv: string[], cliPath: string): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      interruptions: { type: 'string', default: '20' },
      'concurrent-rounds': { type: 'string', default: '0' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const integer = (name: string, text: string, min: number) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`Invalid --${name}: ${JSON.stringify(text)}. Pass a whole number of at least ${min}.`);
    return value;
  };
  return {
    runs: integer('runs', values.runs, 0),
    seed: integer('seed', values.seed, 0),
    interruptions: integer('interruptions', values.interruptions, 0),
    concurrentRounds: integer('concurrent-rounds', values['concurrent-rounds'], 0),
    verbose: values.verbose,
    cliPath,
  };
}

/** Uploads the foreign assets: some untagged with the names and bytes of synced files. */
async function createForeignAssets(access: LibraryAccess, random: SeededRandom, folder: GeneratedFolder): Promise<string[]> {
  const lookalikes = random.sample(folder.uploadablePaths(), 2).map((path) => ({
    filename: path.slice(path.lastIndexOf('/') + 1),
    bytes: folder.files.get(path)?.bytes ?? randomPng(random),
  }));
  const untagged = await uploadRaw(access, [...lookalikes, { filename: 'team-photo.png', bytes: randomPng(random) }]);
  const tagged = await uploadRaw(access, [
    { filename: 'campaign.png', bytes: randomPng(random) },
    { filename: 'other-sync.png', bytes: randomPng(random) },
  ]);
  const [campaign, otherSync] = tagged;
  if (campaign === undefined || otherSync === undefined) throw new Error('the foreign upload returned fewer assets than sent');
  await tagRaw(access, [campaign.id], ['marketing', 'summer']);
  // An asset of another sync: the same tag scheme under another owner.
  await tagRaw(access, [otherSync.id], ['raster-sync:0123456789abcdef', 'raster-sync:0123456789abcdef:00000000000000000000000000000000']);
  return [...untagged, ...tagged].map((asset) => asset.id);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function printFaultTable(totals: FaultTotals, interruptions: InterruptionTotals | undefined, concurrent: ConcurrentTotals | undefined): void {
  const rows: Array<[string, string | number]> = [['runs', totals.runs]];
  for (const kind of FAULT_KINDS) {
    const label = kind === 'listing-lag' ? 'runs with listing lag' : `faults injected: ${kind}`;
    rows.push([label, totals.faultsInjected[kind]]);
  }
  rows.push(
    ['runs with a processing delay', totals.processingDelayRuns],
    ['runs reading the organization from the key', totals.organizationFromKeyRuns],
    ['retries', totals.retries],
    ['foreign look-alikes uploaded just before a run', totals.foreignLookalikes],
    ['first runs not successful', totals.failedFirstRuns],
    ['reruns needed', totals.rerunsNeeded],
    ['duplicates', totals.duplicates],
    ['missing', totals.missing],
    ['stale', totals.stale],
    ['foreign touched', totals.foreignTouched],
    ['untagged assets left', totals.untaggedLeft],
  );
  if (interruptions !== undefined) {
    rows.push(
      ['SIGTERM runs', interruptions.sigtermRuns],
      ['SIGTERM: stopped early, exit 1', interruptions.sigtermStoppedEarly],
      ['SIGTERM: ended in start-up by the signal', interruptions.sigtermBeforeHandler],
      ['SIGTERM: untagged assets left', interruptions.sigtermUntagged],
      ['SIGTERM: hung (no exit in 60 s)', interruptions.sigtermHung],
      ['SIGKILL runs', interruptions.sigkillRuns],
      ['SIGKILL: runs that left untagged assets', interruptions.sigkillRunsWithUntagged],
      ['SIGKILL: untagged assets left', interruptions.sigkillUntagged],
      ['SIGKILL: next run reported them', interruptions.sigkillReported],
      ['either signal: run ended before the signal', interruptions.endedBeforeSignal],
      ['either signal: not converged after next run', interruptions.notConverged],
    );
  }
  if (concurrent !== undefined) {
    rows.push(
      ['concurrent rounds', concurrent.rounds],
      ['concurrent: runs not successful', concurrent.runsNotSuccessful],
      ['concurrent: rounds with assets owned by both', concurrent.roundsWithSharedAssets],
      ['concurrent: assets owned by both syncs', concurrent.sharedAssets],
      ['concurrent: untagged assets before the next runs', concurrent.untaggedLeft],
      ['concurrent: owned by both after the next runs', concurrent.sharedAfterNextRuns],
      ['concurrent: untagged after the next runs', concurrent.untaggedAfterNextRuns],
      ['concurrent: syncs owning wrong assets after', concurrent.wrongOwnershipAfterNextRuns],
    );
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${String(value).padStart(6)}`);
}

export async function main(argv: string[], _repositoryRoot: string, cliPath: string): Promise<number> {
  let options: SoakOptions;
  try {
    options = parseOptions(argv, cliPath);
  } catch (error) {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Usage: npm run soak -- [--runs N] [--seed S] [--interruptions N] [--concurrent-rounds N] [--verbose]');
    return 2;
  }
  const random = new SeededRandom(options.seed);
  const workDirectory = await mkdtemp(join(tmpdir(), 'raster-soak-'));
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1', processingDelayMs: 0, listingLagMs: 0 });
  const started = Date.now();
  console.log(`soak: seed ${options.seed}, ${options.runs} fault runs, ${options.interruptions} interruptions of each signal`);

  try {
    const access: LibraryAccess = {
      baseUrl: emulator.url,
      organizationId: emulator.organizationId,
      libraryId: emulator.libraryId,
      apiKey: emulator.writeKey,
    };
    const root = join(workDirectory, 'folder');
    const folder = new GeneratedFolder(random.fork());
    for (let i = 0; i < 12; i += 1) folder.addImage();
    folder.addNonImages();

    const foreign = await snapshotForeign(access, await createForeignAssets(access, random.fork(), folder));
    const totals = await runFaultSoak(options, random, emulator, access, root, folder, foreign);
    const interruptions = options.interruptions > 0
      ? await runInterruptions({
          count: options.interruptions,
          random: random.fork(),
          emulator,
          access,
          root: join(workDirectory, 'interrupted'),
          cliPath: options.cliPath,
          nodePath: process.execPath,
          foreign,
          verbose: options.verbose,
          log: (line) => console.log(line),
        })
      : undefined;

    // Last, because each round empties the library. The README still gives each library a
    // concurrency group, but two syncs into one library at once must never share an asset or
    // leave an untagged one after their next runs.
    const concurrent = options.concurrentRounds > 0
      ? await runConcurrentSyncs({
          rounds: options.concurrentRounds,
          random: random.fork(),
          emulator,
          access,
          root: join(workDirectory, 'concurrent'),
          log: (line) => console.log(line),
        })
      : undefined;

    console.log('');
    printFaultTable(totals, interruptions, concurrent);
    console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(1)} s; reproduce with: npm run soak -- --runs ${options.runs} --seed ${options.seed} --interruptions ${options.interruptions}` +
      (options.concurrentRounds > 0 ? ` --concurrent-rounds ${options.concurrentRounds}` : ''));

    const faultFailures = totals.duplicates + totals.missing + totals.stale + totals.foreignTouched + totals.untaggedLeft;
    const interruptionFailures = interruptions === undefined
      ? 0
      : interruptions.sigtermUntagged + interruptions.sigtermHung + interruptions.notConverged + interruptions.foreignTouched;
    const concurrentFailures = concurrent === undefined
      ? 0
      : concurrent.sharedAssets + concurrent.sharedAfterNextRuns + concurrent.untaggedAfterNextRuns + concurrent.wrongOwnershipAfterNextRuns;
    return faultFailures + interruptionFailures + concurrentFailures === 0 ? 0 : 1;
  } finally {
    await emulator.stop();
    await rm(workDirectory, { recursive: true, force: true });
  }
}

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

async function runFaultSoak(
  options: SoakOptions,
  random: SeededRandom,
  emulator: Emulator,
  access: LibraryAccess,
  root: string,
  folder: GeneratedFolder,
  foreign: ForeignSnapshot[],
): Promise<FaultTotals> {
  const totals: FaultTotals = {
    runs: 0,
    faultsInjected: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
    processingDelayRuns: 0,
    organizationFromKeyRuns: 0,
    retries: 0,
    foreignLookalikes: 0,
    failedFirstRuns: 0,
    rerunsNeeded: 0,
    duplicates: 0,
    missing: 0,
    stale: 0,
    foreignTouched: 0,
    untaggedLeft: 0,
  };

  for (let run = 1; run <= options.runs; run += 1) {
    const added = run > 1 ? folder.mutate(3).added : [];
    while (folder.uploadablePaths().length < 8) added.push(folder.addImage());
    if (run > 1 && random.chance(0.1)) {
      // Someone uploads into the library between runs; the new asset is foreign as well.
      const [asset] = await uploadRaw(access, [{ filename: 'added-by-hand.png', bytes: randomPng(random) }]);
      if (asset !== undefined) foreign.push(...(await snapshotForeign(access, [asset.id])));
    }
    if (added.length > 0 && random.chance(0.2)) {
      // Someone uploads a copy of a file this run is about to upload, just before it starts: an
      // untagged asset with the very name, size and bytes that reconciling a lost response
      // looks for. It is foreign and must stay untouched.
      const path = random.pick(added);
      const bytes = folder.files.get(path)?.bytes;
      if (bytes !== undefined) {
        const [copy] = await uploadRaw(access, [{ filename: path.slice(path.lastIndexOf('/') + 1), bytes }]);
        if (copy !== undefined) foreign.push(...(await snapshotForeign(access, [copy.id])));
        totals.foreignLookalikes += 1;
      }
    }
    await writeFolder(root, folder);

    const runFaults = drawRunFaults(random);
    emulator.admin.configure({ listingLagMs: runFaults.listingLagMs, processingDelayMs: runFaults.processingDelayMs });
    // The emulator applies the lag at listing time, so a longer lag would hide assets that
    // earlier runs already saw listed, which a real service never does: let it pass first.
    await sleep(runFaults.listingLagMs);
    emulator.admin.injectFaults(runFaults.faults);
    if (runFaults.listingLagMs > 0) totals.faultsInjected['listing-lag'] += 1;
    if (runFaults.processingDelayMs > 0) totals.processingDelayRuns += 1;
    const omitOrganization = random.chance(0.3);
    if (omitOrganization) totals.organizationFromKeyRuns += 1;

    // Some runs name no organization, so the sync reads it from the key with GET /me.
    const first = await syncOnce(access, root, random.int(1, 4), options.verbose, omitOrganization);
    totals.retries += first.retries;
    for (const [kind, count] of Object.entries(countFiredFaults(runFaults.faults, emulator.admin.listFaults()))) {
      totals.faultsInjected[kind as FaultKind] += count;
    }
    emulator.admin.clearFaults();

    await sleep(runFaults.listingLagMs + 50);
    let check = await checkLibrary(access, first.report?.ownerTag ?? '', folder, foreign);
    const firstClean = first.report?.outcome === 'success' && isClean(check);
    if (first.report?.outcome !== 'success') totals.failedFirstRuns += 1;

    if (!firstClean) {
      if (options.verbose) for (const problem of check.problems) console.log(`    after the first run: ${problem}`);
      totals.rerunsNeeded += 1;
      const rerun = await syncOnce(access, root, 2, options.verbose);
      totals.retries += rerun.retries;
      await sleep(runFaults.listingLagMs + 50);
      check = await checkLibrary(access, rerun.report?.ownerTag ?? first.report?.ownerTag ?? '', folder, foreign);
      if (rerun.report?.outcome !== 'success') check.problems.push(`rerun ended with ${rerun.report?.outcome ?? rerun.error}`);
    }

    totals.runs += 1;
    totals.duplicates += check.duplicates;
    totals.missing += check.missing;
    totals.stale += check.stale;
    totals.foreignTouched += check.foreignTouched;
    totals.untaggedLeft += check.orphans;

    const status = isClean(check) ? 'ok' : 'FAILED';
    const summary = `run ${String(run).padStart(3)}: ${status}, first run ${first.report?.outcome ?? `threw: ${first.error}`}` +
      `, ${check.expectedAssets} files, ${first.retries} retries, faults ${runFaults.faults.map((fault) => `${fault.kind}@${fault.route}`).join(' ') || 'none'}` +
      (runFaults.listingLagMs > 0 ? ` lag ${runFaults.listingLagMs} ms` : '') +
      (runFaults.processingDelayMs > 0 ? ` processing ${runFaults.processingDelayMs} ms` : '') + (firstClean ? '' : ', rerun');
    console.log(summary);
    if (!isClean(check)) for (const problem of check.problems) console.log(`    ${problem}`);
    if (!isClean(check)) {
      // Start the next run from a library that matches the folder, so one fault is counted once.
      await syncOnce(access, root, 2, false);
    }
  }

  emulator.admin.configure({ listingLagMs: 0, processingDelayMs: 0 });
  return totals;
}

function isClean(check: LibraryCheck): boolean {
  return check.duplicates + check.missing + check.stale + check.foreignTouched + check.orphans === 0;
}

async function syncOnce(
  access: LibraryAccess,
  root: string,
  concurrency: number,
  verbose: boolean,
  omitOrganization = false,
): Promise<{ report?: SyncReport; error?: string; retries: number }> {
  let retries = 0;
  const lines: string[] = [];
  const onEvent = (event: SyncEvent) => {
    if (event.type === 'retry') retries += 1;
  };
  const logger = {
    debug: (message: string) => lines.push(`debug: ${message}`),
    info: (message: string) => lines.push(`info: ${message}`),
    warn: (message: string) => lines.push(`warn: ${message}`),
  };
  try {
    const report = await syncFolder({
      apiKey: access.apiKey,
      ...(omitOrganization ? {} : { organization: access.organizationId }),
      library: access.libraryId,
      apiUrl: access.baseUrl,
      path: root,
      syncId: SYNC_ID,
      concurrency,
      maxDeletes: { percent: 100 },
      waitForListingTimeoutMs: 10_000,
      reconcileTimeoutMs: 5_000,
      logger,
      onEvent,
    });
    if (verbose && report.outcome !== 'success') for (const line of lines) console.log(`    ${line}`);
    return { report, retries };
  } catch (error) {
    if (verbose) for (const line of lines) console.log(`    ${line}`);
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), retries };
  }
}
