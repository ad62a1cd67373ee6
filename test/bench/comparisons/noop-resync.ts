/**
 * Comparison 2: re-sync of an unchanged folder of small files against its lower bound, hashing
 * every byte with `sha256sum` plus listing every page of the library at the maximum page size.
 */
import { join } from 'node:path';

import { type BenchContext, clientEnv, expectAssetCount, measureSide, toSide } from '../context';
import { writeImageSet } from '../datasets';
import { fastest, formatBytes, plural, formatMs, formatRatio, ratioLine, type ComparisonResult, type SideResult } from '../report';
import { describeRoutes, LIST_ASSETS_ROUTE, routeRequests, UPLOAD_ROUTE } from '../routes';
import { runSyncCli } from '../sync-side';

const PAGE_SIZE = 500;


export async function compareNoopResync(context: BenchContext): Promise<ComparisonResult> {
  const { sizes, emulator, programs } = context;
  const count = sizes.noopFiles;
  const result: ComparisonResult = {
    title: `No-op re-sync of ${count} small files`,
    setup: '',
    sides: [],
    ratios: [],
    targets: [],
  };

  context.log(`no-op re-sync: writing ${count} images`);
  const dataset = await writeImageSet(join(context.workDir, 'noop'), 'noop', count, sizes.noopFileBytes, context.signal);

  context.log('no-op re-sync: first sync');
  await emulator.admin.reset();
  const first = await runSyncCli(context, 'the first sync', dataset.root, 'bench/noop-resync');
  await expectAssetCount(emulator, count, 'the first sync');
  result.setup =
    `${count} noise PNGs, ${formatBytes(dataset.totalBytes)} in total, uploaded by a first sync in ` +
    `${formatMs(first.run.wallMs)}; ${plural(sizes.noopRounds, 'round')} of both sides, the fastest run of each side counts`;

  const syncRuns: SideResult[] = [];
  const boundRuns: SideResult[] = [];
  for (let repeat = 0; repeat < sizes.noopRounds; repeat += 1) {
    context.log(`no-op re-sync: run ${repeat + 1} of ${sizes.noopRounds}`);
    const sync = await runSyncCli(context, 'the no-op sync', dataset.root, 'bench/noop-resync');
    syncRuns.push(toSide('sync CLI (raster-sync)', sync, describeRoutes(sync.byRoute)));

    const hashing = await measureSide(context, 'sha256sum', 'bash', [
      '-c',
      'find "$1" -type f -print0 | xargs -0 sha256sum > /dev/null',
      'hash-folder',
      dataset.root,
    ]);
    const listing = await measureSide(
      context,
      'the listing',
      programs.node,
      [join(programs.clientsDir, 'list-pages.js'), String(PAGE_SIZE)],
      { env: clientEnv(emulator) },
    );
    boundRuns.push({
      label: 'lower bound: sha256sum + list pages',
      wallMs: hashing.run.wallMs + listing.run.wallMs,
      requests: hashing.requests + listing.requests,
      peakRssBytes: Math.max(hashing.run.peakRssBytes, listing.run.peakRssBytes),
      emulatorBusyMs: hashing.emulatorBusyMs + listing.emulatorBusyMs,
      emulatorCpuMs: hashing.emulatorCpuMs + listing.emulatorCpuMs,
      byRoute: listing.byRoute,
      note: `hashing ${formatMs(hashing.run.wallMs)}, listing ${formatMs(listing.run.wallMs)}`,
    });
  }
  await expectAssetCount(emulator, count, 'the no-op syncs');

  const syncSide = fastest(syncRuns);
  const boundSide = fastest(boundRuns);
  result.sides.push(syncSide, boundSide);
  result.ratios.push(ratioLine(syncSide, boundSide, 'sync / lower bound'));

  const slowdown = syncSide.wallMs / boundSide.wallMs;
  const uploads = routeRequests(syncSide.byRoute, UPLOAD_ROUTE);
  const listings = routeRequests(syncSide.byRoute, LIST_ASSETS_ROUTE);
  const expectedListings = Math.floor(count / PAGE_SIZE) + 1;
  const pageSizes = [...new Set(syncSide.listPageSizes ?? [])].join(', ');
  result.targets.push(
    { description: 'sync at most 1.3x its lower bound', measured: formatRatio(slowdown), met: slowdown <= 1.3 },
    { description: 'no upload request', measured: `${uploads}`, met: uploads === 0 },
    {
      description: `listing at page size ${PAGE_SIZE}: ${expectedListings} list requests for ${count} assets`,
      measured: `${listings} list requests, page sizes ${pageSizes || 'none'}`,
      met: listings === expectedListings && (syncSide.listPageSizes ?? []).every((size) => size === PAGE_SIZE),
    },
  );
  await emulator.admin.reset();
  return result;
}
