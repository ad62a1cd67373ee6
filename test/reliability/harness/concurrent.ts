import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Asset } from '@raster-toolkit/core';
import { syncFolder } from '@raster-toolkit/core/node';
import type { RunningEmulator } from '@raster-toolkit/emulator';

import { listAllAssets } from './library';
import type { LibraryAccess } from './library';
import { randomPng } from './png';
import type { SeededRandom } from './random';

export interface ConcurrentTotals {
  rounds: number;
  /** Concurrent runs whose outcome was not `success`, such as files left pending as ambiguous. */
  runsNotSuccessful: number;
  /** Assets that carry the owner tags of both syncs after a round. */
  sharedAssets: number;
  /** Rounds that ended with at least one asset owned by both syncs. */
  roundsWithSharedAssets: number;
  /** Untagged assets left after the concurrent runs, before each sync's next run. */
  untaggedLeft: number;
  /** Assets owned by both syncs after each sync's next run. */
  sharedAfterNextRuns: number;
  /** Untagged assets left after each sync's next run. */
  untaggedAfterNextRuns: number;
  /** Syncs that, after their next run, own other names than one asset per file. */
  wrongOwnershipAfterNextRuns: number;
}

/** Lists the library once and counts assets owned by both syncs and untagged assets. */
async function countSharedAndUntagged(access: LibraryAccess): Promise<{ assets: Asset[]; shared: number; untagged: number }> {
  const assets = await listAllAssets(access);
  const shared = assets.filter((asset) => asset.tags.filter((tag) => OWNER_TAG.test(tag)).length > 1).length;
  const untagged = assets.filter((asset) => asset.tags.length === 0).length;
  return { assets, shared, untagged };
}

const OWNER_TAG = /^raster-sync:[0-9a-f]{16}$/;

/**
 * Runs two syncs with different sync ids at the same time into one library, from two folders
 * holding the same files, while the first upload's response is lost. Counts what the library
 * contains after the concurrent runs, then runs each sync once more without faults and checks that
 * each owns one asset per file, none owned by both, and nothing untagged. Each round starts from
 * an empty library.
 */
export async function runConcurrentSyncs(options: {
  rounds: number;
  random: SeededRandom;
  emulator: RunningEmulator;
  access: LibraryAccess;
  root: string;
  log: (line: string) => void;
}): Promise<ConcurrentTotals> {
  const { emulator, access, random } = options;
  const totals: ConcurrentTotals = {
    rounds: 0,
    runsNotSuccessful: 0,
    sharedAssets: 0,
    roundsWithSharedAssets: 0,
    untaggedLeft: 0,
    sharedAfterNextRuns: 0,
    untaggedAfterNextRuns: 0,
    wrongOwnershipAfterNextRuns: 0,
  };

  for (let round = 1; round <= options.rounds; round += 1) {
    await emulator.admin.reset();
    const folders = [join(options.root, `${round}-a`), join(options.root, `${round}-b`)];
    for (const folder of folders) await mkdir(folder, { recursive: true });
    const names: string[] = [];
    for (let i = 0; i < random.int(2, 6); i += 1) {
      const bytes = randomPng(random);
      names.push(`shared-${i}`);
      for (const folder of folders) await writeFile(join(folder, `shared-${i}.png`), bytes);
    }
    const sync = (path: string, index: number) =>
      syncFolder({
        apiKey: emulator.writeKey,
        organization: emulator.organizationId,
        library: emulator.libraryId,
        apiUrl: emulator.url,
        path,
        syncId: `concurrent-${index}`,
        reconcileTimeoutMs: 3_000,
        journalDir: join(options.root, 'journals'),
      });

    emulator.admin.injectFaults([
      { route: 'upload', kind: 'reset-after-store', times: 1 },
      { route: 'tag-assets', kind: 'latency', latencyMs: random.int(50, 400), times: 1000 },
    ]);
    const reports = await Promise.all(folders.map(sync));
    emulator.admin.clearFaults();

    const after = await countSharedAndUntagged(access);
    totals.rounds += 1;
    totals.runsNotSuccessful += reports.filter((report) => report.outcome !== 'success').length;
    totals.sharedAssets += after.shared;
    totals.untaggedLeft += after.untagged;
    if (after.shared > 0) totals.roundsWithSharedAssets += 1;

    // Each sync's next run settles what the concurrent runs left pending.
    const nextReports = [];
    for (const [index, path] of folders.entries()) nextReports.push(await sync(path, index));
    const settled = await countSharedAndUntagged(access);
    totals.sharedAfterNextRuns += settled.shared;
    totals.untaggedAfterNextRuns += settled.untagged;
    let wrongOwnership = 0;
    for (const report of nextReports) {
      const owned = settled.assets.filter((asset) => asset.tags.includes(report.ownerTag)).map((asset) => asset.name ?? '').sort();
      if (owned.join('/') !== [...names].sort().join('/')) wrongOwnership += 1;
    }
    totals.wrongOwnershipAfterNextRuns += wrongOwnership;

    options.log(`concurrent round ${String(round).padStart(3)}: outcomes ${reports.map((report) => report.outcome).join(' and ')}, ` +
      `${after.assets.length} assets, ${after.shared} owned by both syncs, ${after.untagged} untagged; ` +
      `after the next runs (${nextReports.map((report) => report.outcome).join(' and ')}): ${settled.assets.length} assets, ` +
      `${settled.shared} owned by both, ${settled.untagged} untagged, ${wrongOwnership} syncs owning other than one asset per file`);
  }

  return totals;
}
