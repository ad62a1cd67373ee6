/**
 * Comparison 3: peak memory of the sync CLI while it uploads large files, for a small and a ten
 * times larger folder. Streaming uploads and hashing keep the peak flat.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { type BenchContext, expectAssetCount, toSide } from '../context';
import { writeLargeSet } from '../datasets';
import { formatBytes, ratioLine, type ComparisonResult, type SideResult } from '../report';
import { describeRoutes } from '../routes';
import { runSyncCli } from '../sync-side';

const RSS_LIMIT_BYTES = 150 * 1024 * 1024;

export async function compareLargeFiles(context: BenchContext): Promise<ComparisonResult> {
  const { sizes, emulator } = context;
  const [smallTotal, largeTotal] = sizes.largeTotals;
  const result: ComparisonResult = {
    title: `Memory with large files: ${formatBytes(smallTotal)} and ${formatBytes(largeTotal)}`,
    setup: '',
    sides: [],
    ratios: [],
    targets: [],
  };

  const sides: SideResult[] = [];
  const descriptions: string[] = [];
  for (const total of sizes.largeTotals) {
    const name = `large-${formatBytes(total).replace(/[ .]/g, '')}`;
    context.log(`large files: writing ${formatBytes(total)}`);
    const dataset = await writeLargeSet(join(context.workDir, name), name, total, sizes.largeFileMinBytes, sizes.largeFileMaxBytes, context.signal);
    descriptions.push(`${dataset.files.length} files, ${formatBytes(dataset.totalBytes)}`);

    context.log(`large files: syncing ${formatBytes(total)}`);
    await emulator.admin.reset();
    const sync = await runSyncCli(context, `the sync of ${formatBytes(total)}`, dataset.root, `bench/${name}`);
    await expectAssetCount(emulator, dataset.files.length, `the sync of ${formatBytes(total)}`);
    const throughput = formatBytes((dataset.totalBytes / sync.run.wallMs) * 1000);
    sides.push(toSide(`sync CLI, ${formatBytes(dataset.totalBytes)}`, sync, `${throughput}/s; ${describeRoutes(sync.byRoute)}`));
    await emulator.admin.reset();
    await rm(dataset.root, { recursive: true, force: true });
  }
  result.setup = `noise PNGs of ${formatBytes(sizes.largeFileMinBytes)} to ${formatBytes(sizes.largeFileMaxBytes)}: ${descriptions.join('; ')}`;

  const [small, large] = sides as [SideResult, SideResult];
  result.sides.push(small, large);
  result.ratios.push(ratioLine(large, small, 'large / small'));

  const growth = large.peakRssBytes / small.peakRssBytes - 1;
  for (const side of sides) {
    result.targets.push({
      description: `peak RSS at most ${formatBytes(RSS_LIMIT_BYTES)} (150 MiB), ${side.label}`,
      measured: formatBytes(side.peakRssBytes),
      met: side.peakRssBytes <= RSS_LIMIT_BYTES,
    });
  }
  result.targets.push({
    description: 'peak RSS grows less than 10% from the small to the large folder',
    measured: `${(growth * 100).toFixed(1)}%`,
    met: growth < 0.1,
  });
  return result;
}
