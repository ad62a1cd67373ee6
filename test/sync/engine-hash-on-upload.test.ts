import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { runSync, type ScanOutcome } from '../../core/src/sync/engine';
import type { PendingBatch, UploadJournal } from '../../core/src/sync/journal';
import { resolveSyncOptions } from '../../core/src/sync/options';
import type { LocalFile } from '../../core/src/sync/plan';
import { fingerprintFor, fingerprintTagFor, ownerTagFor } from '../../core/src/sync/tags';
import type { SyncOptions, SyncReport } from '../../core/src/sync/types';
import type { FileReader } from '../../core/src/sync/upload';
import { FakeApi } from './support/fake-api';

const SYNC_ID = 'hash-on-upload-test';
const OWNER = ownerTagFor(SYNC_ID);

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(path: string): Uint8Array {
  return new TextEncoder().encode(`bytes of ${path}`);
}

/** Returns a file as the scan leaves it once hashes are no longer needed: checked and typed, not hashed. */
function unhashedFile(path: string): LocalFile {
  const bytes = bytesOf(path);
  return { path, size: bytes.length, hashOnUpload: true, contentType: 'image/png', source: { kind: 'bytes', bytes } };
}

function hashedFile(path: string): LocalFile {
  const bytes = bytesOf(path);
  return { path, size: bytes.length, sha256: sha256(bytes), contentType: 'image/png', source: { kind: 'bytes', bytes } };
}

/** Returns a reader of the files' `bytes` sources that counts its reads and releases. */
function countingReader(): FileReader & { reads: string[]; released: number } {
  const reader = {
    reads: [] as string[],
    released: 0,
    async read(file: LocalFile) {
      if (file.source?.kind !== 'bytes') throw new Error(`${file.path} has no bytes`);
      reader.reads.push(file.path);
      const bytes = file.source.bytes;
      return { length: bytes.length, sha256: sha256(bytes), contentType: 'image/png', bytes };
    },
    release() {
      reader.released += 1;
    },
  };
  return reader;
}

function memoryJournal(batches: PendingBatch[] = []): UploadJournal & { batches: PendingBatch[] } {
  return {
    batches,
    load: async () => [...batches],
    add: async (batch) => void batches.push(batch),
    remove: async (id) => void batches.splice(batches.findIndex((batch) => batch.id === id), 1),
  };
}

interface Setup {
  api: FakeApi;
  files: LocalFile[];
  reader?: FileReader | undefined;
  journal?: UploadJournal | undefined;
  options?: Partial<SyncOptions>;
}

/**
 * Runs a sync whose scan, like the Node scanner, calls `hashNeeded` before each file. It finds
 * the folder, waits until the listing has returned, and then returns `files` unhashed where
 * hashes were no longer needed. Resolves with the report and the value `hashNeeded` last returned.
 */
async function syncAfterListing({ api, files, reader, journal, options = {} }: Setup): Promise<{ report: SyncReport; hashNeeded: boolean }> {
  const resolved = resolveSyncOptions({ apiKey: 'pk_test', library: api.libraryId, path: '/virtual', syncId: SYNC_ID, ...options }, () => SYNC_ID);
  let lastResult = true;
  const scan = async (_onProgress: (done: number, total: number) => void, onFolderFound?: () => void, hashNeeded?: () => boolean): Promise<ScanOutcome> => {
    onFolderFound?.();
    // The listing and the journal read each take a few turns of the event loop.
    for (let turn = 0; turn < 20 && (hashNeeded?.() ?? true); turn += 1) await new Promise((resolve) => setTimeout(resolve, 1));
    lastResult = hashNeeded?.() ?? true;
    return { found: true, files: files.map((file) => (lastResult && file.hashOnUpload ? hashedFile(file.path) : file)) };
  };
  const report = await runSync(resolved, { ...api.dependencies(scan), fileReader: reader, journal });
  return { report, hashNeeded: lastResult };
}

describe('hashing on upload', () => {
  it('reads each file once when the sync owns nothing', async () => {
    const api = new FakeApi();
    const reader = countingReader();
    const sentSources: string[] = [];
    api.onUpload = (parts) => sentSources.push(...parts.map((part) => part.source.kind));
    const paths = ['a.png', 'b.png', 'c.png'];

    const { report, hashNeeded } = await syncAfterListing({ api, files: paths.map(unhashedFile), reader, journal: memoryJournal() });

    expect(hashNeeded).toBe(false);
    expect(report.outcome).toBe('success');
    expect(reader.reads).toEqual(paths);
    expect(reader.released).toBe(3);
    expect(sentSources).toEqual(['bytes', 'bytes', 'bytes']);
    // Each asset carries the fingerprint of the bytes read and sent, and so does the report's plan.
    const fingerprints = paths.map((path) => fingerprintFor(SYNC_ID, path, sha256(bytesOf(path))));
    expect(report.plan.upload.map((entry) => entry.fingerprint)).toEqual(fingerprints);
    for (const [index, path] of paths.entries()) {
      const asset = api.assets.find((candidate) => candidate.name === path.replace('.png', ''));
      expect(asset?.tags).toContain(fingerprintTagFor(OWNER, fingerprints[index]!));
    }
  });

  it('fails a file whose type changed since the scan', async () => {
    const api = new FakeApi();
    const reader = countingReader();
    const read = reader.read.bind(reader);
    reader.read = async (file) => ({ ...(await read(file)), contentType: file.path === 'b.png' ? null : 'image/png' });

    const { report } = await syncAfterListing({ api, files: ['a.png', 'b.png'].map(unhashedFile), reader });

    expect(report.counts).toMatchObject({ uploaded: 1, failed: 1 });
    expect(report.files.find((file) => file.path === 'b.png')?.reason).toMatch(/b\.png was image\/png when it was scanned and is of no accepted type now/);
    expect(reader.released).toBe(2);
    expect(api.count('POST /assets ')).toBe(1);
  });

  it('plans the files unchanged on the next run', async () => {
    const api = new FakeApi();
    const paths = ['a.png', 'b.png'];
    await syncAfterListing({ api, files: paths.map(unhashedFile), reader: countingReader() });

    const reader = countingReader();
    const { report, hashNeeded } = await syncAfterListing({ api, files: paths.map(unhashedFile), reader });

    expect(hashNeeded).toBe(true);
    expect(reader.reads).toEqual([]);
    expect(report.counts).toMatchObject({ uploaded: 0, unchanged: 2 });
  });

  it.each<[string, Partial<Setup>]>([
    ['without a file reader', { reader: undefined }],
    ['in a dry run', { options: { dryRun: true } }],
    ['when the journal holds a batch of this sync', {
      journal: memoryJournal([{
        id: 'left', ownerTag: OWNER, libraryId: 'lib', startedAt: 900, baselineIds: [], baselineNewestCreated: null, clockOffsetLowerBound: null,
        files: [{ path: 'z.png', name: 'z', size: 5, fingerprint: 'f'.repeat(64) }],
      }]),
    }],
  ])('keeps hashing %s', async (_case, setup) => {
    const api = new FakeApi();

    const { report, hashNeeded } = await syncAfterListing({ api, files: [unhashedFile('a.png')], reader: countingReader(), ...setup });

    expect(hashNeeded).toBe(true);
    expect(report.plan.upload.every((entry) => entry.fingerprint !== undefined)).toBe(true);
  });

  it('keeps hashing when the listing fails', async () => {
    const api = new FakeApi();
    api.listFault = () => new Error('listing failed');

    const { report, hashNeeded } = await syncAfterListing({ api, files: [unhashedFile('a.png')], reader: countingReader() });

    expect(hashNeeded).toBe(true);
    expect(report.outcome).toBe('failed');
  });

  it('hashes unhashed files when recovery finds assets to adopt', async () => {
    const api = new FakeApi();
    const left = bytesOf('left.png');
    // An interrupted run stored left.png untagged. Its batch reaches the journal only after the
    // check, as from a run without the run lock.
    const stored = api.store('left', left.length);
    const batch: PendingBatch = {
      id: 'left', ownerTag: OWNER, libraryId: 'lib', startedAt: stored.created! - 1, baselineIds: [], baselineNewestCreated: null, clockOffsetLowerBound: null,
      files: [{ path: 'left.png', name: 'left', size: left.length, fingerprint: fingerprintFor(SYNC_ID, 'left.png', sha256(left)) }],
    };
    const journal = memoryJournal();
    let loads = 0;
    journal.load = async () => (++loads === 1 ? [] : [batch]);
    const reader = countingReader();

    const { report, hashNeeded } = await syncAfterListing({ api, files: [unhashedFile('left.png'), unhashedFile('new.png')], reader, journal });

    expect(hashNeeded).toBe(false);
    expect(report.adoptedAssetIds).toEqual([stored.id]);
    expect(report.plan.unchanged.map((entry) => entry.path)).toEqual(['left.png']);
    expect(report.plan.upload.map((entry) => [entry.path, entry.fingerprint])).toEqual([
      ['new.png', fingerprintFor(SYNC_ID, 'new.png', sha256(bytesOf('new.png')))],
    ]);
    expect(reader.reads).toEqual(['left.png', 'new.png']);
    expect(reader.released).toBe(2);
    expect(report.outcome).toBe('success');
  });
});
