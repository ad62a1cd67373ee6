import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { runSync, type ScanOutcome } from '../../core/src/sync/engine';
import { resolveSyncOptions } from '../../core/src/sync/options';
import type { LocalFile } from '../../core/src/sync/plan';
import type { SyncReport } from '../../core/src/sync/types';
import { FakeApi } from './support/fake-api';

const SYNC_ID = 'early-listing-test';

function localFile(path: string): LocalFile {
  const bytes = new Uint8Array(10).fill(7);
  return {
    path,
    size: bytes.length,
    sha256: createHash('sha256').update(path).digest('hex'),
    contentType: 'image/png',
    source: { kind: 'bytes', bytes },
  };
}

type Scan = (onProgress: (done: number, total: number) => void, onFolderFound?: () => void) => Promise<ScanOutcome>;

function sync(api: FakeApi, scan: Scan): Promise<SyncReport> {
  const resolved = resolveSyncOptions({ apiKey: 'pk_test', library: api.libraryId, path: '/virtual', syncId: SYNC_ID }, () => SYNC_ID);
  return runSync(resolved, api.dependencies(scan));
}

describe('listing during the scan', () => {
  it('starts once the scanner found the folder', async () => {
    const api = new FakeApi();
    let callsBeforeFound = -1;
    let callsBeforeHashingEnded = -1;

    const report = await sync(api, async (_onProgress, onFolderFound) => {
      callsBeforeFound = api.calls.length;
      onFolderFound?.();
      // Hashing takes a while; the listing runs meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 20));
      callsBeforeHashingEnded = api.calls.length;
      return { found: true, files: [localFile('a.png')] };
    });

    expect(callsBeforeFound).toBe(0);
    expect(callsBeforeHashingEnded).toBeGreaterThan(0);
    expect(api.calls).toContain('GET /assets tagged');
    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(1);
  });

  it('lists libraries during the owned listing', async () => {
    const api = new FakeApi();
    const listAssetSummaries = api.listAssetSummaries.bind(api);
    let libraryListSent = false;
    let libraryListSentDuringListing: boolean | undefined;
    const listLibrarySummaries = api.listLibrarySummaries.bind(api);
    api.listLibrarySummaries = async () => {
      libraryListSent = true;
      return listLibrarySummaries();
    };
    api.listAssetSummaries = async (...args) => {
      // The listing's page comes back one timer turn later, as from a server.
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (args[1].tags !== undefined) libraryListSentDuringListing ??= libraryListSent;
      return listAssetSummaries(...args);
    };

    const report = await sync(api, async (_onProgress, onFolderFound) => {
      onFolderFound?.();
      return { found: true, files: [localFile('a.png')] };
    });

    expect(libraryListSentDuringListing).toBe(true);
    expect(report.outcome).toBe('success');
  });

  it('sends nothing when the folder is missing', async () => {
    const api = new FakeApi();

    const report = await sync(api, async () => ({ found: false, reason: 'The folder /virtual does not exist.' }));

    expect(report.outcome).toBe('guard');
    expect(api.calls).toEqual([]);
  });

  it('reports a failed scan after an early listing', async () => {
    const api = new FakeApi();

    const report = await sync(api, async (_onProgress, onFolderFound) => {
      onFolderFound?.();
      throw new Error('EIO while reading a.png');
    });

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toMatch(/Scanning the folder failed/);
    expect(api.calls.every((call) => call.startsWith('GET'))).toBe(true);
  });
});
