import { syncFolder } from '@raster-toolkit/core/node';
import type { SyncOptions, SyncReport } from '@raster-toolkit/core';
import { startEmulator } from '@raster-toolkit/emulator';
import type { RequestLogEntry, RunningEmulator } from '@raster-toolkit/emulator';

import type { LibraryAccess } from './library';

/** An emulator that records every request, and the access to its seed library. */
export interface SyncTarget {
  emulator: RunningEmulator;
  access: LibraryAccess;
  /** Every request the emulator handled since the last `clearRequests()`. */
  requests: RequestLogEntry[];
  clearRequests(): void;
  /** Requests to Raster routes that the emulator rejected with a 4xx status. */
  rejected(): RequestLogEntry[];
  /** Requests that wrote: upload, delete, tag, untag. */
  writes(): RequestLogEntry[];
  /** Runs `syncFolder` against the seed library with the write key, `options` on top. */
  sync(options: Partial<SyncOptions> & { path: string }): Promise<SyncReport>;
  stop(): Promise<void>;
}

const WRITE_ROUTES = new Set(['upload', 'delete-assets', 'tag-assets', 'untag-assets', 'set-description', 'transfer-assets']);

export async function startSyncTarget(options: { maxFileSize?: number } = {}): Promise<SyncTarget> {
  const requests: RequestLogEntry[] = [];
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
    onRequest: (entry) => requests.push(entry),
  });
  const access: LibraryAccess = {
    baseUrl: emulator.url,
    organizationId: emulator.organizationId,
    libraryId: emulator.libraryId,
    apiKey: emulator.writeKey,
  };
  return {
    emulator,
    access,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    rejected: () => requests.filter((entry) => typeof entry.status === 'number' && entry.status >= 400 && entry.status < 500 && entry.route !== 'file'),
    writes: () => requests.filter((entry) => WRITE_ROUTES.has(entry.route)),
    sync: (syncOptions) =>
      syncFolder({
        apiKey: emulator.writeKey,
        organization: emulator.organizationId,
        library: emulator.libraryId,
        apiUrl: emulator.url,
        syncId: 'bad-input',
        ...syncOptions,
      }),
    stop: () => emulator.stop(),
  };
}
