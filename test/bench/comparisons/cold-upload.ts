/**
 * Comparison 1: cold upload of about 100 KB images into an empty library, the sync CLI against a
 * curl loop, a sequential batch script and the emulator's ingest ceiling. It also estimates the
 * floor of the sync's requests: the emulator serves them all on one thread, so no client that
 * sends them can finish before a Node process has started and the emulator has done that work.
 * The floor adds the ceiling client's own start to the CPU time of the emulator's thread during
 * the sync. Its busy time would overstate that work, because it includes waits for a CPU.
 */
import { join } from 'node:path';

import {
  type BenchContext,
  clientEnv,
  expectAssetCount,
  measureSide,
  type MeasuredSide,
  toSide,
  writeFileList,
} from '../context';
import { writeImageSet } from '../datasets';
import { fastest, formatBytes, plural, formatMs, formatRatio, ratioLine, type ComparisonResult, type SideResult } from '../report';
import { describeRoutes, routeRequests, UPLOAD_ROUTE } from '../routes';
import { runSyncCli } from '../sync-side';

const BATCH_SIZE = 20;

export async function compareColdUpload(context: BenchContext): Promise<ComparisonResult> {
  const { sizes, emulator, programs } = context;
  const count = sizes.coldFiles;
  const result: ComparisonResult = {
    title: `Cold upload of ${count} images of about ${formatBytes(sizes.coldFileBytes)}`,
    setup: '',
    sides: [],
    ratios: [],
    targets: [],
  };

  context.log(`cold upload: writing ${count} images`);
  const dataset = await writeImageSet(join(context.workDir, 'cold'), 'cold', count, sizes.coldFileBytes, context.signal);
  const listPath = await writeFileList(join(context.workDir, 'cold-files.txt'), dataset.files);
  result.setup =
    `${count} noise PNGs, ${formatBytes(dataset.totalBytes)} in total; the library is reset before each side; ` +
    `ceiling over ${sizes.ceilingConnections} connections; ${plural(sizes.coldRounds, 'round')} of all sides, the fastest run of each side counts`;

  const runBaseline = async (what: string, command: string, args: string[]): Promise<MeasuredSide> => {
    await emulator.admin.reset();
    const measured = await measureSide(context, what, command, args, { env: clientEnv(emulator) });
    await expectAssetCount(emulator, count, what);
    return measured;
  };

  const rounds: Array<{ sync: SideResult; curl: SideResult; batches: SideResult; ceiling: SideResult; floor: SideResult }> = [];
  for (let round = 1; round <= sizes.coldRounds; round += 1) {
    context.log(`cold upload: round ${round} of ${sizes.coldRounds}: sync CLI`);
    await emulator.admin.reset();
    const sync = await runSyncCli(context, 'the sync CLI', dataset.root, 'bench/cold-upload');
    await expectAssetCount(emulator, count, 'the sync CLI');

    context.log('cold upload: (a) curl loop');
    const curl = await runBaseline('the curl loop', 'bash', [
      join(programs.scriptsDir, 'curl-loop.sh'),
      listPath,
      dataset.root,
    ]);

    context.log('cold upload: (b) sequential batches');
    const batches = await runBaseline('the sequential batch script', programs.node, [
      join(programs.clientsDir, 'upload-batches.js'),
      listPath,
      dataset.root,
    ]);

    context.log('cold upload: (c) ingest ceiling');
    const ceiling = await runBaseline('the ingest ceiling', programs.node, [
      join(programs.clientsDir, 'ceiling.js'),
      listPath,
      dataset.root,
      String(sizes.ceilingConnections),
    ]);
    const { startMs, postMs } = JSON.parse(ceiling.run.stdout) as { startMs: number; postMs: number };
    rounds.push({
      sync: toSide('sync CLI (raster-sync)', sync, describeRoutes(sync.byRoute)),
      curl: toSide('(a) curl loop, one file per request', curl),
      batches: toSide('(b) sequential 20-file batches in memory', batches),
      ceiling: {
        ...toSide('(c) ingest ceiling, pre-built bodies', ceiling),
        wallMs: postMs,
        note: `posting only; the whole process took ${formatMs(ceiling.run.wallMs)}`,
      },
      floor: {
        label: 'floor of the sync\'s requests',
        wallMs: startMs + sync.emulatorCpuMs,
        requests: sync.requests,
        peakRssBytes: 0,
        derived: true,
        note:
          `start ${formatMs(startMs)}, as (c)'s; the emulator's CPU time ${formatMs(sync.emulatorCpuMs)} with the sync's ${sync.requests} requests, ` +
          `${formatMs(ceiling.emulatorCpuMs)} with (c)'s ${ceiling.requests}`,
      },
    });
  }
  await emulator.admin.reset();

  const syncSide = fastest(rounds.map((round) => round.sync));
  const curlSide = fastest(rounds.map((round) => round.curl));
  const batchSide = fastest(rounds.map((round) => round.batches));
  const ceilingSide = fastest(rounds.map((round) => round.ceiling));
  const floorSide = fastest(rounds.map((round) => round.floor));
  result.sides.push(syncSide, curlSide, batchSide, ceilingSide, floorSide);

  const speedupCurl = curlSide.wallMs / syncSide.wallMs;
  const speedupBatches = batchSide.wallMs / syncSide.wallMs;
  const shareOfCeiling = ceilingSide.wallMs / syncSide.wallMs;
  result.ratios.push(
    ratioLine(syncSide, curlSide, 'sync / (a)'),
    ratioLine(syncSide, batchSide, 'sync / (b)'),
    ratioLine(syncSide, ceilingSide, 'sync / (c)'),
  );

  const uploadCounts = rounds.map((round) => routeRequests(round.sync.byRoute, UPLOAD_ROUTE));
  const expectedUploads = Math.ceil(count / BATCH_SIZE);
  result.targets.push(
    { description: 'sync at least 10x faster than (a)', measured: formatRatio(speedupCurl), met: speedupCurl >= 10 },
    {
      description: 'sync at least 3x faster than (b)',
      measured: `${formatRatio(speedupBatches)}; 3x needs ${formatMs(batchSide.wallMs / 3)}; ${describeFloor(floorSide)}`,
      met: speedupBatches >= 3,
    },
    {
      description: 'sync at least 0.7x the ceiling (c)',
      measured: `${formatRatio(shareOfCeiling)}; 0.7x needs ${formatMs(ceilingSide.wallMs / 0.7)}; ${describeFloor(floorSide)}`,
      met: shareOfCeiling >= 0.7,
    },
    {
      description: `sync uploads in ceil(${count}/20) = ${expectedUploads} requests`,
      measured: `${uploadCounts.join(', ')} upload requests`,
      met: uploadCounts.every((uploads) => uploads === expectedUploads),
    },
  );
  return result;
}

function describeFloor(floor: SideResult): string {
  return `the start and the emulator's work for the sync's requests took ${formatMs(floor.wallMs)}`;
}
