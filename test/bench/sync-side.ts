/** Runs the sync CLI, `raster-sync`, as one side of a comparison. */
import { type BenchContext, childTempDir, measureSide, type MeasuredSide } from './context';

/**
 * Syncs `root` into the emulator's seed library with the built CLI and returns the measured run.
 * `syncId` keeps the comparisons' assets apart; the key goes through the environment.
 */
export function runSyncCli(context: BenchContext, what: string, root: string, syncId: string): Promise<MeasuredSide> {
  const { emulator, programs } = context;
  const args = [
    programs.syncCli,
    '--api-url',
    emulator.url,
    '--organization',
    emulator.organizationId,
    '--library',
    emulator.libraryId,
    '--path',
    root,
    '--sync-id',
    syncId,
    '--json',
  ];
  return measureSide(context, what, programs.node, args, {
    env: { ...process.env, RASTER_API_KEY: emulator.writeKey, TMPDIR: childTempDir(context) },
  });
}
