import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { syncFolder } from '@raster-toolkit/core/node';
import type { RunningEmulator } from '@raster-toolkit/emulator';

import { listAllAssets } from './library';
import type { LibraryAccess } from './library';
import { randomPng } from './png';
import type { SeededRandom } from './random';

export interface ConcurrentTotals {
  rounds: number;
  /** Assets that carry the owner tags of both syncs after a round. */
  sharedAssets: number;
  /** Rounds that ended with at least one asset owned by both syncs. */
  roundsWithSharedAssets: number;
  /** Untagged assets left after a round. */
  untaggedLeft: number;
}

const OWNER_TAG = /^raster-sync:[0-9a-f]{16}$/;

/**
 * Runs two syncs with different sync ids at the same time into one library, from two folders
 * holding the same files, while the first upload's response is lost. Counts what a library that
 * two syncs share without a concurrency group ends with. Each round starts from an empty library.
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
  const totals: ConcurrentTotals = { rounds: 0, sharedAssets: 0, roundsWithSharedAssets: 0, untaggedLeft: 0 };

  for (let round = 1; round <= options.rounds; round += 1) {
    await emulator.admin.reset();
    const folders = [join(options.root, `${round}-a`), join(options.root, `${round}-b`)];
    for (const folder of folders) await mkdir(folder, { recursive: true });
    for (let i = 0; i < random.int(2, 6); i += 1) {
      const bytes = randomPng(random);
      for (const folder of folders) await writeFile(join(folder, `shared-${i}.png`), bytes);
    }

    emulator.admin.injectFaults([
      { route: 'upload', kind: 'reset-after-store', times: 1 },
      { route: 'tag-assets', kind: 'latency', latencyMs: random.int(50, 400), times: 1000 },
    ]);
    const reports = await Promise.all(
      folders.map((path, index) =>
        syncFolder({
          apiKey: emulator.writeKey,
          organization: emulator.organizationId,
          library: emulator.libraryId,
          apiUrl: emulator.url,
          path,
          syncId: `concurrent-${index}`,
          reconcileTimeoutMs: 3_000,
          journalDir: join(options.root, 'journals'),
        }),
      ),
    );
    emulator.admin.clearFaults();

    const assets = await listAllAssets(access);
    const shared = assets.filter((asset) => asset.tags.filter((tag) => OWNER_TAG.test(tag)).length > 1).length;
    const untagged = assets.filter((asset) => asset.tags.length === 0).length;
    totals.rounds += 1;
    totals.sharedAssets += shared;
    totals.untaggedLeft += untagged;
    if (shared > 0) totals.roundsWithSharedAssets += 1;
    options.log(`concurrent round ${String(round).padStart(3)}: outcomes ${reports.map((report) => report.outcome).join(' and ')}, ` +
      `${assets.length} assets, ${shared} owned by both syncs, ${untagged} untagged`);
  }

  return totals;
}
