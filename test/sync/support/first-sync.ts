/** Syncs that hash their files as they upload them, as a first sync whose listing returns before the scan. */
import type { RunningEmulator } from '@raster-toolkit/emulator';

import { RasterClient } from '../../../core/src/client';
import { FileJournal, journalFileFor } from '../../../core/src/node/journal';
import { scanFolder, type ScanOptions } from '../../../core/src/node/scan';
import { uploadReader } from '../../../core/src/node/sync-read';
import { createUndiciTransport } from '../../../core/src/node/undici-transport';
import { runSync, type ScanOutcome, type SyncDependencies } from '../../../core/src/sync/engine';
import { resolveSyncOptions } from '../../../core/src/sync/options';
import { ownerTagFor } from '../../../core/src/sync/tags';
import type { SyncOptions, SyncReport } from '../../../core/src/sync/types';
import type { FileReader } from '../../../core/src/sync/upload';

/**
 * Returns a scan of `root` that waits, once it has found the folder, until the run no longer
 * needs hashes or 2 s have passed. On a first sync it then leaves every small file's hash to the
 * upload. `unhashed` counts the files it left. `onScanProgress` is called after each file is
 * checked.
 */
export function scanAfterListing(
  root: string,
  options: ScanOptions = {},
  onScanProgress?: (done: number) => void,
): { run: SyncDependencies['scan']; unhashed: () => number } {
  let unhashed = 0;
  const run = async (onProgress: (done: number, total: number) => void, onFolderFound?: () => void, hashNeeded?: () => boolean): Promise<ScanOutcome> => {
    onFolderFound?.();
    for (let waited = 0; waited < 2_000 && (hashNeeded?.() ?? true); waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    const progress = (done: number, total: number): void => {
      onScanProgress?.(done);
      onProgress(done, total);
    };
    const result = await scanFolder(root, { ...options, onProgress: progress, hashNeeded });
    if (result.found) unhashed = result.files.filter((file) => file.hashOnUpload).length;
    return result;
  };
  return { run, unhashed: () => unhashed };
}

export interface SyncAfterListingInput {
  emulator: RunningEmulator;
  root: string;
  syncId: string;
  journalDir: string;
  options?: Partial<SyncOptions>;
  /** Scan options beside the include, exclude and link options taken from `options`. */
  scanOptions?: ScanOptions;
  onScanProgress?: (done: number) => void;
  /** The upload reader; `uploadReader()` when omitted. */
  reader?: FileReader;
}

/**
 * Runs a sync of `root` as `syncFolder` does, through real HTTP and the journal, but with a scan
 * that waits for the listing, so that a first sync hashes its files as it uploads them.
 */
export async function syncAfterListing(input: SyncAfterListingInput): Promise<{ report: SyncReport; unhashed: number }> {
  const { emulator, root, syncId } = input;
  const options = input.options ?? {};
  const resolved = resolveSyncOptions({ apiKey: emulator.writeKey, library: emulator.libraryId, path: root, syncId, ...options }, () => syncId);
  const transport = createUndiciTransport();
  const client = new RasterClient({ transport, apiKey: emulator.writeKey, baseUrl: emulator.url });
  const scanOptions = { include: options.include, exclude: options.exclude, followSymlinks: options.followSymlinks, ...input.scanOptions };
  const scan = scanAfterListing(root, scanOptions, input.onScanProgress);
  try {
    const report = await runSync(resolved, {
      api: client,
      resolveOrganization: () => client.organizationId(),
      scan: scan.run,
      requestCount: () => client.requestCount,
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      journal: new FileJournal(journalFileFor(input.journalDir, emulator.url, emulator.libraryId, ownerTagFor(syncId))),
      fileReader: input.reader ?? uploadReader(),
      onEvent: options.onEvent,
    });
    return { report, unhashed: scan.unhashed() };
  } finally {
    await transport.close();
  }
}
