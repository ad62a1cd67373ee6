import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';

import type { RunningEmulator } from '@raster-toolkit/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { RasterClient } from '../../core/src/client';
import { RasterUsageError } from '../../core/src/errors';
import { HASH_ON_UPLOAD_MAX_BYTES, scanFolder } from '../../core/src/node/scan';
import { uploadReader } from '../../core/src/node/sync-read';
import { syncFolder } from '../../core/src/node/sync';
import { FileJournal, journalFileFor } from '../../core/src/node/journal';
import { lockFileFor } from '../../core/src/node/run-lock';
import { createUndiciTransport } from '../../core/src/node/undici-transport';
import type { SyncApi } from '../../core/src/sync/api';
import { runSync } from '../../core/src/sync/engine';
import { resolveSyncOptions } from '../../core/src/sync/options';
import { assetNameFor } from '../../core/src/sync/paths';
import { fingerprintFor, fingerprintTagFor, ownerTagFor } from '../../core/src/sync/tags';
import type { SyncEvent, SyncOptions, SyncReport } from '../../core/src/sync/types';
import { scanAfterListing, syncAfterListing as syncAfterListingIn } from './support/first-sync';
import { copySampleImages, getLibrary, listAllAssets, SAMPLE_IMAGES, uploadForeign, writeRequests } from './support/library';
import { emulatorPerFile } from './support/emulator';

const SYNC_ID = 'octo/site:images';
const OWNER = ownerTagFor(SYNC_ID);

/** Files of the sample folder that Raster cannot take, and the words their reason contains. */
const NOT_UPLOADABLE: Record<string, string> = {
  'README.md': 'does not accept this type',
  'not-images/data.json': 'does not accept this type',
  'not-images/empty.png': 'empty',
  'not-images/fake.png': 'does not accept this type',
  'not-images/notes.md': 'does not accept this type',
};

let emulator: RunningEmulator;
let folder: { path: string; remove: () => Promise<void> };

emulatorPerFile((running) => (emulator = running), { listingLagMs: 0, processingDelayMs: 0, maxFileSize: 100 * 1024 * 1024 });

beforeEach(async () => {
  folder = await copySampleImages();
});

afterEach(async () => {
  await folder.remove();
});

function sync(options: Partial<SyncOptions> = {}): Promise<SyncReport> {
  return syncFolder({
    apiKey: emulator.writeKey,
    library: emulator.libraryId,
    apiUrl: emulator.url,
    path: folder.path,
    syncId: SYNC_ID,
    journalDir: join(folder.path, '..', 'journal'),
    ...options,
  });
}

/** Lists the non-hidden files under `root` with canonical relative paths. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !path.split('/').some((segment) => segment.startsWith('.')))
    .sort();
}

async function uploadableFiles(root: string): Promise<string[]> {
  return (await listFiles(root)).filter((path) => !(path in NOT_UPLOADABLE));
}

async function fingerprintTag(root: string, path: string): Promise<string> {
  const sha256 = createHash('sha256').update(await readFile(join(root, path))).digest('hex');
  return fingerprintTagFor(OWNER, fingerprintFor(SYNC_ID, path, sha256));
}

/** Checks with raw HTTP that each uploadable file under `root` is exactly one owned asset. */
async function expectEachFileOnce(root: string, foreign = 0): Promise<void> {
  const assets = await listAllAssets(emulator);
  const files = await uploadableFiles(root);
  const owned = assets.filter((asset) => asset.tags.includes(OWNER));

  expect(owned).toHaveLength(files.length);
  expect(assets).toHaveLength(files.length + foreign);
  for (const path of files) {
    const tag = await fingerprintTag(root, path);
    const matches = owned.filter((asset) => asset.tags.includes(tag));
    expect(matches.map((asset) => asset.name), path).toEqual([assetNameFor(path)]);
  }
}

/**
 * Starts a sync of `brand/**` whose uploads are stored but whose tag calls never complete, as when
 * the process dies between the two. The run is left hanging, like a process that no longer runs.
 */
function startKilledRun(): { tagCallReached: Promise<void>; close: () => Promise<void> } {
  const journalDir = join(folder.path, '..', 'journal');
  const options = resolveSyncOptions({ apiKey: emulator.writeKey, library: emulator.libraryId, path: folder.path, syncId: SYNC_ID, include: ['brand/**'] }, () => SYNC_ID);
  const transport = createUndiciTransport();
  const client = new RasterClient({ transport, apiKey: emulator.writeKey, baseUrl: emulator.url });
  let reached: () => void = () => {};
  const tagCallReached = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const hangingTags: SyncApi = {
    listLibrarySummaries: (page) => client.listLibrarySummaries(page),
    listAssetSummaries: (libraryId, page) => client.listAssetSummaries(libraryId, page),
    uploadAssets: (libraryId, files) => client.uploadAssets(libraryId, files),
    deleteAssets: (libraryId, ids) => client.deleteAssets(libraryId, ids),
    tagAssets: () => {
      reached();
      return new Promise<never>(() => {});
    },
  };
  // The killed run hashes its files as it uploads them, so the journal contains those fingerprints.
  const scan = scanAfterListing(folder.path, { include: ['brand/**'] });
  void runSync(options, {
    api: hangingTags,
    resolveOrganization: () => client.organizationId(),
    scan: scan.run,
    requestCount: () => client.requestCount,
    now: Date.now,
    sleep: async () => {},
    journal: new FileJournal(journalFileFor(journalDir, emulator.url, emulator.libraryId, OWNER)),
    fileReader: uploadReader(),
  });
  return { tagCallReached, close: () => transport.close() };
}

/**
 * Runs a sync of the sample folder through real HTTP and the journal, with a scan that waits for
 * the listing, so that a first sync hashes its files as it uploads them. `keptBytes` is the
 * upload reader's budget of bytes kept for sending.
 */
function syncAfterListing(options: Partial<SyncOptions> = {}, keptBytes?: number): Promise<{ report: SyncReport; unhashed: number }> {
  const journalDir = join(folder.path, '..', 'journal');
  return syncAfterListingIn({ emulator, root: folder.path, syncId: SYNC_ID, journalDir, options, reader: uploadReader(keptBytes) });
}

/** Returns an event handler that rewrites the file at `path` when the plan is made: same size, last byte changed. */
async function rewriteOnPlan(path: string): Promise<(event: SyncEvent) => void> {
  const absolutePath = join(folder.path, path);
  const original = await readFile(absolutePath);
  return (event) => {
    if (event.type !== 'plan') return;
    const rewritten = Buffer.from(original);
    rewritten[rewritten.length - 1] = rewritten.at(-1)! ^ 0xff;
    writeFileSync(absolutePath, rewritten);
  };
}

/** Checks that each uploaded file's asset serves exactly the file's bytes. */
async function expectStoredBytes(report: SyncReport): Promise<void> {
  const uploaded = report.files.filter((file) => file.status === 'uploaded');
  expect(uploaded.length).toBeGreaterThan(0);
  for (const file of uploaded) {
    const served = Buffer.from(await (await fetch(file.url!)).arrayBuffer());
    expect(served.equals(await readFile(join(folder.path, file.path))), file.path).toBe(true);
  }
}

describe('syncFolder against the emulator', () => {
  it('uploads every uploadable file once', async () => {
    const report = await sync();
    const serverRequests = emulator.admin.stats().requests;

    expect(report.outcome).toBe('success');
    expect(report.requests).toBe(serverRequests);
    const files = await uploadableFiles(folder.path);
    expect(report.counts.uploaded).toBe(files.length);
    expect(report.counts.skipped).toBe(Object.keys(NOT_UPLOADABLE).length);
    await expectEachFileOnce(folder.path);

    for (const [path, words] of Object.entries(NOT_UPLOADABLE)) {
      const outcome = report.files.find((file) => file.path === path);
      expect(outcome?.status, path).toBe('skipped');
      expect(outcome?.reason, path).toContain(words);
    }
    const uploaded = report.files.filter((file) => file.status === 'uploaded');
    expect(uploaded.every((file) => file.assetId && file.url?.startsWith(emulator.url))).toBe(true);
  });

  it('uploads nothing on a second run', async () => {
    await sync();
    const before = writeRequests(emulator);

    const report = await sync();

    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(0);
    expect(report.counts.unchanged).toBe((await uploadableFiles(folder.path)).length);
    expect(writeRequests(emulator)).toEqual(before);
  });

  it('uploads two and prunes two after edits', async () => {
    const foreign = await uploadForeign(emulator, 'someone-else.png', await readFile(join(SAMPLE_IMAGES, 'brand/logo-128.png')));
    await sync();

    await appendFile(join(folder.path, 'brand/logo-128.png'), new Uint8Array([0]));
    await rm(join(folder.path, 'odd/photo.jpeg'));
    await mkdir(join(folder.path, 'new'));
    await copyFile(join(SAMPLE_IMAGES, 'brand/logo-256.png'), join(folder.path, 'new/added.png'));
    await appendFile(join(folder.path, 'new/added.png'), new Uint8Array([1]));

    const report = await sync();

    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(2);
    expect(report.counts.pruned).toBe(2);
    expect(report.counts.foreign).toBe(1);
    expect(report.files.filter((file) => file.status === 'uploaded').map((file) => file.path).sort()).toEqual(['brand/logo-128.png', 'new/added.png']);
    const pruned = report.files.filter((file) => file.status === 'pruned').sort((a, b) => a.path.localeCompare(b.path));
    expect(pruned.map((file) => file.path)).toEqual(['brand/logo-128.png', 'odd/photo.jpeg']);
    expect(pruned.map((file) => file.name)).toEqual(['logo-128', 'photo']);
    expect(pruned.every((file) => file.assetId !== undefined && file.url?.startsWith(emulator.url))).toBe(true);
    expect(report.plan.prune.map((entry) => entry.path).sort()).toEqual(['brand/logo-128.png', 'odd/photo.jpeg']);
    await expectEachFileOnce(folder.path, 1);

    const foreignNow = (await listAllAssets(emulator)).find((asset) => asset.id === foreign.id);
    expect(foreignNow?.tags).toEqual([]);
    expect(foreignNow?.name).toBe('someone-else');
  });

  it('dry run writes nothing and plans the same', async () => {
    await sync();
    await rm(join(folder.path, 'odd/photo.jpeg'));
    await appendFile(join(folder.path, 'brand/logo-128.png'), new Uint8Array([0]));
    const before = writeRequests(emulator);

    const dry = await sync({ dryRun: true });

    expect(writeRequests(emulator)).toEqual(before);
    expect(dry.dryRun).toBe(true);
    expect(dry.outcome).toBe('success');
    expect(dry.plan.upload.map((entry) => entry.path)).toEqual(['brand/logo-128.png']);
    expect(dry.plan.prune).toHaveLength(2);

    const real = await sync();
    expect(real.plan).toEqual(dry.plan);
    expect(real.counts.uploaded).toBe(1);
    expect(real.counts.pruned).toBe(2);
  });

  it('plans no prune when prune is off', async () => {
    await sync();
    await rm(join(folder.path, 'odd/photo.jpeg'));
    await rm(join(folder.path, 'brand/logo-128.png'));

    const report = await sync({ prune: false });

    expect(report.outcome).toBe('success');
    expect(report.plan.prune).toEqual([]);
    expect(report.plan.stale?.map((entry) => entry.name).sort()).toEqual(['logo-128', 'photo']);
    expect(report.counts.pruned).toBe(0);
    expect(emulator.admin.stats().byRoute['delete-assets']).toBeUndefined();

    const withPrune = await sync({ dryRun: true });
    expect(withPrune.plan.prune).toHaveLength(2);
    expect(withPrune.plan.stale).toBeUndefined();
  });

  it('stops a second run of the same sync', async () => {
    // Either run may take the lock first, because the file system calls finish in any order.
    const reports = await Promise.all([sync(), sync()]);
    const winner = reports.find((report) => report.outcome === 'success');
    const loser = reports.find((report) => report.outcome === 'guard');

    expect(reports.map((report) => report.outcome).sort()).toEqual(['guard', 'success']);
    expect(winner?.counts.uploaded).toBe((await uploadableFiles(folder.path)).length);
    expect(loser?.stopReason).toContain('Another run of this sync into this library is in progress');
    expect(loser?.stopReason).toContain(`process ${process.pid}`);
    expect(loser?.requests).toBe(0);
    expect(loser?.counts).not.toHaveProperty('foreign');
    expect(winner?.counts.foreign).toBe(0);
    await expectEachFileOnce(folder.path);

    const afterwards = await sync();
    expect(afterwards.outcome).toBe('success');
    expect(afterwards.counts.uploaded).toBe(0);
  });

  it('runs a dry run beside a running sync', async () => {
    const [real, dry] = await Promise.all([sync(), sync({ dryRun: true })]);

    expect(real.outcome).toBe('success');
    expect(dry.outcome).toBe('success');
    await expectEachFileOnce(folder.path);
  });

  it("leaves out a live run's journal in a dry run", async () => {
    const journalDir = join(folder.path, '..', 'journal');
    const journalFile = journalFileFor(journalDir, emulator.url, emulator.libraryId, OWNER);
    await mkdir(journalDir, { recursive: true });
    await new FileJournal(journalFile).add({
      id: 'in-flight',
      ownerTag: OWNER,
      libraryId: emulator.libraryId,
      startedAt: Date.now(),
      baselineIds: [],
      baselineNewestCreated: null,
      clockOffsetLowerBound: 0,
      files: [{ path: 'brand/logo-256.png', name: 'logo-256', size: 4589, fingerprint: 'f' }],
    });
    // The parent process is alive and started before the lock was taken, so the lock counts as
    // held by a live run.
    const startedAt = new Date().toISOString();
    await writeFile(lockFileFor(journalFile), JSON.stringify({ pid: process.ppid, hostname: hostname(), startedAt, syncId: SYNC_ID }));
    const lines: string[] = [];
    const logger = { debug: (line: string) => lines.push(line), info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };

    const report = await sync({ dryRun: true, logger });

    expect(report.outcome).toBe('success');
    expect(lines).toContain(
      `Another run of this sync into this library is in progress (process ${process.ppid}, started ${startedAt}). ` +
        'This dry run leaves out its uploads in flight, so the plan may list them as uploads.',
    );
    expect(lines.filter((line) => line.includes('interrupted run'))).toEqual([]);
    expect(report.plan.upload.map((file) => file.path)).toContain('brand/logo-256.png');
    expect(await new FileJournal(journalFile).load()).toHaveLength(1);
  });

  it('rejects invalid options before any request', async () => {
    const cases: Array<[Partial<SyncOptions>, RegExp]> = [
      [{ apiKey: '' }, /apiKey/],
      [{ library: ' ' }, /library/],
      [{ concurrency: 0 }, /concurrency/],
      [{ tags: ['index'] }, /reserved/],
      [{ maxDeletes: { count: -1 } }, /maxDeletes/],
      [{ syncId: 'octo/site:a\nb' }, /^Invalid syncId "octo\/site:a\\nb": it contains a control character such as a line break\./],
      [{ apiUrl: 'http://example.com' }, /^Invalid apiUrl: http:\/\/example\.com uses plain http:\/\//],
      [{ apiUrl: 'https://u:p@127.0.0.1:9' }, /^Invalid apiUrl: the URL for https:\/\/127\.0\.0\.1:9 contains a user name or password/],
    ];
    for (const [options, message] of cases) {
      const attempt = sync(options);
      await expect(attempt, JSON.stringify(options)).rejects.toBeInstanceOf(RasterUsageError);
      await expect(attempt, JSON.stringify(options)).rejects.toThrow(message);
    }
    expect(emulator.admin.stats().requests).toBe(0);
  });

  describe('guards', () => {
    it('stops on a missing folder before any request', async () => {
      const report = await sync({ path: join(folder.path, 'does-not-exist') });

      expect(report.outcome).toBe('guard');
      expect(report.stopReason).toContain('does not exist');
      expect(emulator.admin.stats().requests).toBe(0);
    });

    it('keeps the given organization when stopped', async () => {
      const missing = await sync({ path: join(folder.path, 'does-not-exist'), organization: emulator.organizationId });
      expect(missing.outcome).toBe('guard');
      expect(missing.organization).toBe(emulator.organizationId);
      expect(missing.counts).not.toHaveProperty('foreign');
    });

    it('stops on an empty folder with prune', async () => {
      await sync();
      const before = writeRequests(emulator);
      const empty = join(folder.path, 'empty-folder');
      await mkdir(empty);

      const report = await sync({ path: empty });

      expect(report.outcome).toBe('guard');
      expect(report.stopReason).toContain('matches no files');
      expect(writeRequests(emulator)).toEqual(before);
    });

    it('names skipped folders in the guard', async () => {
      await sync();
      const before = writeRequests(emulator);
      const root = join(folder.path, 'only-a-skipped-folder');
      await mkdir(join(root, 'a\\b'), { recursive: true });
      await writeFile(join(root, 'a\\b', 'logo.png'), await readFile(join(folder.path, 'brand', 'logo-128.png')));

      const report = await sync({ path: root });

      expect(report.outcome).toBe('guard');
      expect(report.stopReason).toContain('The folder matches no files, and the scan skipped 1 folder, while prune is on');
      expect(report.plan.skipped.map((entry) => entry.path)).toEqual(['a\\b/']);
      expect(writeRequests(emulator)).toEqual(before);
    });

    it('names the patterns beside a skipped folder', async () => {
      await sync();
      const before = writeRequests(emulator);
      const root = join(folder.path, 'mistyped-include');
      await mkdir(join(root, 'a\\b'), { recursive: true });
      await mkdir(join(root, 'good'));
      await copyFile(join(folder.path, 'brand', 'logo-128.png'), join(root, 'good', 'logo.png'));

      const report = await sync({ path: root, include: ['goood/**'] });

      expect(report.outcome).toBe('guard');
      expect(report.stopReason).toContain('Check the path, the include and exclude patterns and the skipped folders');
      expect(writeRequests(emulator)).toEqual(before);
    });

    it('stops a prune over the budget', async () => {
      await sync();
      const before = writeRequests(emulator);
      await rm(join(folder.path, 'themes'), { recursive: true });

      const byDefault = await sync();
      expect(byDefault.outcome).toBe('guard');
      expect(byDefault.stopReason).toContain('default: 25%');

      const byCount = await sync({ maxDeletes: { count: 2 } });
      expect(byCount.outcome).toBe('guard');
      expect(byCount.stopReason).toContain('background-nologo');

      const byPercent = await sync({ maxDeletes: { percent: 10 } });
      expect(byPercent.outcome).toBe('guard');
      expect(byPercent.stopReason).toContain('10% of');
      expect(writeRequests(emulator)).toEqual(before);

      const allowed = await sync({ maxDeletes: { percent: 100 } });
      expect(allowed.outcome).toBe('success');
      expect(allowed.counts.pruned).toBe(byCount.plan.prune.length);
    });
  });

  it('uploads the rest when one file is too large', async () => {
    await sync({ include: ['brand/**'] });
    await rm(join(folder.path, 'brand/logo-128.png'));
    emulator.admin.configure({ maxFileSize: 1_000_000 });

    const report = await sync();

    expect(report.outcome).toBe('failed');
    const failed = report.files.filter((file) => file.status === 'failed');
    expect(failed.map((file) => file.path)).toEqual(['photos/wallpapers/adwaita-l.webp']);
    expect(failed[0]!.reason).toContain('413');
    expect(report.stopReason).toContain('photos/wallpapers/adwaita-l.webp');
    expect(report.counts.pruned).toBe(0);
    expect(emulator.admin.stats().byRoute['delete-assets']).toBeUndefined();

    const owned = (await listAllAssets(emulator)).filter((asset) => asset.tags.includes(OWNER));
    const expected = (await uploadableFiles(folder.path)).length - 1 + 1;
    expect(owned).toHaveLength(expected);
  });

  it('skips a file over maxFileSize unsent', async () => {
    const report = await sync({ maxFileSize: 1_000_000 });

    expect(report.outcome).toBe('success');
    const outcome = report.files.find((file) => file.path === 'photos/wallpapers/adwaita-l.webp');
    expect(outcome?.status).toBe('skipped');
    expect(outcome?.reason).toContain('over the per-file limit of 1000000 bytes');
    const names = (await listAllAssets(emulator)).map((asset) => asset.name);
    expect(names).not.toContain('adwaita-l');
    expect(names).toHaveLength((await uploadableFiles(folder.path)).length - 1);
  });

  it('keeps the asset of a file that grew over maxFileSize', async () => {
    await sync();
    const before = await listAllAssets(emulator);

    const report = await sync({ maxFileSize: 1_000_000 });

    expect(report.outcome).toBe('success');
    expect(report.counts.pruned).toBe(0);
    const outcome = report.files.find((file) => file.path === 'photos/wallpapers/adwaita-l.webp');
    expect(outcome?.status).toBe('skipped');
    expect(outcome?.reason).toMatch(/over the per-file limit of 1000000 bytes .*The asset synced from it earlier is kept\.$/);
    expect((await listAllAssets(emulator)).map((asset) => asset.id).sort()).toEqual(before.map((asset) => asset.id).sort());
  });

  it('keeps the assets of a folder replaced by a link', async () => {
    await sync();
    const before = await listAllAssets(emulator);
    await rename(join(folder.path, 'brand'), join(folder.path, '..', 'brand-elsewhere'));
    await symlink(join(folder.path, '..', 'brand-elsewhere'), join(folder.path, 'brand'));

    const report = await sync();

    expect(report.outcome).toBe('success');
    expect(report.counts.pruned).toBe(0);
    expect(report.files.find((file) => file.path === 'brand')?.reason).toMatch(/The \d+ assets synced from files under it earlier are kept\.$/);
    expect((await listAllAssets(emulator)).map((asset) => asset.id).sort()).toEqual(before.map((asset) => asset.id).sort());
  });

  it('reconciles a lost upload response', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);

    const report = await sync();

    expect(report.outcome).toBe('success');
    expect(emulator.admin.listFaults()).toEqual([]);
    await expectEachFileOnce(folder.path);
    const batches = Math.ceil((await uploadableFiles(folder.path)).length / 20);
    expect(emulator.admin.stats().byRoute.upload).toBe(batches);
  });

  it('never adopts a foreign look-alike', async () => {
    const bytes = await readFile(join(folder.path, 'brand/logo-128.png'));
    const lookalike = await uploadForeign(emulator, 'logo-128.png', bytes);
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-before-store', times: 1 }]);

    const report = await sync({ include: ['brand/**'], reconcileTimeoutMs: 300 });

    expect(report.outcome).toBe('success');
    const assets = await listAllAssets(emulator);
    expect(assets.find((asset) => asset.id === lookalike.id)?.tags).toEqual([]);
    expect(report.files.find((file) => file.path === 'brand/logo-128.png')?.assetId).not.toBe(lookalike.id);
    expect(assets).toHaveLength(report.counts.uploaded + 1);
    // The foreign upload, the batch that was reset, and the same batch sent again.
    expect(emulator.admin.stats().byRoute.upload).toBe(3);
  });

  it('reconciles a lost response during listing lag', async () => {
    emulator.admin.configure({ listingLagMs: 1_000 });
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);

    const report = await sync({ include: ['brand/**', 'docs/**'] });

    expect(report.outcome).toBe('success');
    expect(emulator.admin.stats().byRoute.upload).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const assets = await listAllAssets(emulator);
    expect(assets).toHaveLength(report.counts.uploaded);
    expect(assets.filter((asset) => !asset.tags.includes(OWNER))).toEqual([]);
  });

  it('sends again an upload reset before the store', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-before-store', times: 1 }]);

    const report = await sync({ reconcileTimeoutMs: 500 });

    expect(report.outcome).toBe('success');
    await expectEachFileOnce(folder.path);
  });

  it('second run during listing lag adds nothing', async () => {
    emulator.admin.configure({ listingLagMs: 1_500 });

    const first = await sync();
    const second = await sync();

    expect(first.counts.uploaded).toBe((await uploadableFiles(folder.path)).length);
    expect(second.counts.uploaded).toBe(0);
    await expectEachFileOnce(folder.path);
  });

  it('second run after a stop adds nothing', async () => {
    emulator.admin.configure({ listingLagMs: 1_000 });
    emulator.admin.injectFaults([{ route: 'upload', kind: 'latency', latencyMs: 100 }]);
    const controller = new AbortController();
    const onEvent = (event: SyncEvent) => {
      if (event.type === 'file' && event.outcome.status === 'uploaded') controller.abort();
    };

    const stopped = await sync({ signal: controller.signal, onEvent, concurrency: 2, batchBytes: 64 * 1024 });
    emulator.admin.clearFaults();
    const next = await sync();

    expect(stopped.outcome).toBe('partial');
    expect(stopped.counts.uploaded).toBeGreaterThan(0);
    expect(next.counts.uploaded).toBe(stopped.counts.cancelled);
    await expectEachFileOnce(folder.path);
  });

  it('reports thumbnails processed while waiting', async () => {
    emulator.admin.configure({ processingDelayMs: 300, listingLagMs: 600 });

    const report = await sync({ include: ['brand/**'] });

    const uploaded = report.files.filter((file) => file.status === 'uploaded');
    expect(uploaded.length).toBeGreaterThan(0);
    for (const file of uploaded) expect(file.thumbUrl, file.path).toMatch(/^http/);
  });

  it('second run without the wait duplicates', async () => {
    // The control for the test above: without waiting for the listing, the lag hides the first
    // run's uploads from the second run, which uploads them again.
    emulator.admin.configure({ listingLagMs: 1_500 });

    await sync({ waitForListing: false, include: ['brand/**'] });
    const second = await sync({ waitForListing: false, include: ['brand/**'] });

    expect(second.counts.uploaded).toBeGreaterThan(0);
  });

  it('fails a file rewritten after the scan', async () => {
    // With an asset of this sync in the library the scan hashes every file, and the upload sends
    // each file checked against that hash.
    await sync({ include: ['brand/logo-256.png'] });
    // Same size, other bytes: only the SHA-256 shows that the file is not the one in the plan.
    const onEvent = await rewriteOnPlan('brand/logo-128.png');

    const report = await sync({ include: ['brand/**'], onEvent });

    expect(report.outcome).toBe('failed');
    const failed = report.files.filter((file) => file.status === 'failed');
    expect(failed.map((file) => file.path)).toEqual(['brand/logo-128.png']);
    expect(failed[0]!.reason).toBe(
      'The file changed or was removed after it was scanned, so it was not uploaded: its bytes are no longer those the scan hashed. Run the sync again.',
    );
    expect(report.counts.uploaded).toBe(report.plan.upload.length - 1);
    const names = (await listAllAssets(emulator)).map((asset) => asset.name);
    expect(names).not.toContain('logo-128');

    const next = await sync({ include: ['brand/**'] });
    expect(next.outcome).toBe('success');
    expect(next.counts.uploaded).toBe(1);
  });

  it('hashes the files of a first sync as it uploads them', async () => {
    // Batches of a few files and four at once, so that reads reuse the memory of settled batches.
    const { report, unhashed } = await syncAfterListing({ batchBytes: 64 * 1024 });

    expect(report.outcome).toBe('success');
    const files = await uploadableFiles(folder.path);
    // Larger files are hashed by the scan still.
    expect(unhashed).toBe(report.plan.upload.filter((entry) => entry.size <= HASH_ON_UPLOAD_MAX_BYTES).length);
    expect(unhashed).toBeGreaterThan(files.length / 2);
    expect(report.counts.uploaded).toBe(files.length);
    expect(report.plan.upload.every((entry) => entry.fingerprint !== undefined)).toBe(true);
    await expectEachFileOnce(folder.path);
    await expectStoredBytes(report);

    const next = await sync();
    expect(next.counts.uploaded).toBe(0);
    expect(next.counts.unchanged).toBe(files.length);
  });

  it('fails a file rewritten after a first scan', async () => {
    const onEvent = await rewriteOnPlan('brand/logo-128.png');

    const { report, unhashed } = await syncAfterListing({ include: ['brand/**'], onEvent });

    expect(unhashed).toBeGreaterThan(0);
    expect(report.outcome).toBe('failed');
    const failed = report.files.filter((file) => file.status === 'failed');
    expect(failed.map((file) => file.path)).toEqual(['brand/logo-128.png']);
    expect(failed[0]!.reason).toMatch(/changed or was removed after it was scanned.*is no longer the file that was scanned: it was written/);
    expect((await listAllAssets(emulator)).map((asset) => asset.name)).not.toContain('logo-128');
    await expectStoredBytes(report);

    const next = await sync({ include: ['brand/**'] });
    expect(next.counts.uploaded).toBe(1);
    expect((await listAllAssets(emulator)).filter((asset) => asset.name === 'logo-128')).toHaveLength(1);
  });

  it('fails files changed in kind after a first scan', async () => {
    const brand = join(folder.path, 'brand');
    const outside = join(folder.path, '..', 'outside.png');
    const linked = await readFile(join(brand, 'logo-text-128.png'));
    // Same size, other bytes, outside the folder.
    writeFileSync(outside, Buffer.from(linked).fill(7, 64));
    const onEvent = (event: SyncEvent) => {
      if (event.type !== 'plan') return;
      execFileSync('rm', [join(brand, 'logo-128.png')]);
      appendFileSync(join(brand, 'logo-256.png'), 'more bytes');
      execFileSync('ln', ['-sf', outside, join(brand, 'logo-text-128.png')]);
      writeFileSync(join(brand, 'logo-text-256.png'), Buffer.alloc(statSync(join(brand, 'logo-text-256.png')).size, 'a'));
    };

    const { report, unhashed } = await syncAfterListing({ include: ['brand/**'], onEvent });

    expect(unhashed).toBeGreaterThan(4);
    expect(report.outcome).toBe('failed');
    const failed = Object.fromEntries(report.files.filter((file) => file.status === 'failed').map((file) => [file.path, file.reason]));
    expect(Object.keys(failed).sort()).toEqual(['brand/logo-128.png', 'brand/logo-256.png', 'brand/logo-text-128.png', 'brand/logo-text-256.png']);
    const prefix = 'changed or was removed after it was scanned';
    expect(failed['brand/logo-128.png']).toMatch(new RegExp(`${prefix}.*ENOENT.*logo-128\\.png`));
    expect(failed['brand/logo-256.png']).toMatch(new RegExp(`${prefix}.*is no longer the file that was scanned: it was written`));
    expect(failed['brand/logo-text-128.png']).toMatch(new RegExp(`${prefix}.*is no longer the file that was scanned`));
    expect(failed['brand/logo-text-256.png']).toMatch(new RegExp(`${prefix}.*is no longer the file that was scanned`));
    const assets = await listAllAssets(emulator);
    for (const name of ['logo-128', 'logo-256', 'logo-text-128', 'logo-text-256']) expect(assets.map((asset) => asset.name), name).not.toContain(name);
    expect(assets).toHaveLength(report.counts.uploaded);
    expect(emulator.admin.stats().byRoute['upload']).toBeGreaterThan(0);
  });

  it('sends the files past the kept bytes from disk, checked', async () => {
    const { report, unhashed } = await syncAfterListing({ batchBytes: 64 * 1024 }, 100_000);

    expect(unhashed).toBeGreaterThan(0);
    expect(report.outcome).toBe('success');
    await expectEachFileOnce(folder.path);
    await expectStoredBytes(report);
  });

  it('stops cleanly when aborted mid-upload', async () => {
    await sync({ include: ['brand/**'] });
    await rm(join(folder.path, 'brand/logo-128.png'));
    emulator.admin.injectFaults([{ route: 'upload', kind: 'latency', latencyMs: 200 }]);
    const controller = new AbortController();
    const onEvent = (event: SyncEvent) => {
      if (event.type === 'file' && event.outcome.status === 'uploaded') controller.abort();
    };

    // Small batches, so that many are left when the first file is tagged.
    const report = await sync({ signal: controller.signal, onEvent, concurrency: 2, batchBytes: 64 * 1024 });

    expect(report.outcome).toBe('partial');
    expect(report.counts.uploaded).toBeGreaterThan(0);
    expect(report.counts.uploaded).toBeLessThan(report.plan.upload.length);
    expect(report.counts.pruned).toBe(0);
    expect(emulator.admin.stats().byRoute['delete-assets']).toBeUndefined();
    const cancelled = report.files.filter((file) => file.status === 'cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((file) => file.reason?.includes('stopped'))).toBe(true);
    expect(report.counts.cancelled).toBe(cancelled.length);
    expect(report.files.filter((file) => file.status === 'skipped' && file.reason?.includes('stopped'))).toEqual([]);
    expect(report.counts.uploaded + report.counts.cancelled!).toBe(report.plan.upload.length);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const assets = await listAllAssets(emulator);
    expect(assets.filter((asset) => !asset.tags.includes(OWNER))).toEqual([]);
    expect(assets.length).toBe(report.counts.uploaded + 7);
  });

  it('trashes an asset whose tagging fails', async () => {
    // Two faults: a rejected tag call is sent once more without the path tag. One file, so both
    // faults hit the same asset.
    emulator.admin.injectFaults([{ route: 'tag-assets', kind: 'status', status: 400, times: 2 }]);

    const report = await sync({ include: ['brand/logo-128.png'] });

    expect(report.outcome).toBe('failed');
    const failed = report.files.filter((file) => file.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toContain('moved to the trash');
    const assets = await listAllAssets(emulator);
    expect(assets.filter((asset) => !asset.tags.includes(OWNER))).toEqual([]);
    expect(assets).toHaveLength(report.counts.uploaded);
    expect((await getLibrary(emulator)).trashCount).toBe(1);
  });

  it('adopts uploads a killed run left untagged', async () => {
    const lookalike = await uploadForeign(emulator, 'logo-128.png', await readFile(join(folder.path, 'brand/logo-128.png')));
    const killed = startKilledRun();
    const brandFiles = (await uploadableFiles(folder.path)).filter((path) => path.startsWith('brand/'));
    for (let waited = 0; (await listAllAssets(emulator)).length < brandFiles.length + 1; waited += 50) {
      if (waited > 5_000) throw new Error('the killed run did not upload its files');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // A dry run plans the adoption but tags nothing.
    const writesBefore = writeRequests(emulator);
    const dry = await sync({ include: ['brand/**'], dryRun: true });
    expect(dry.plan.unchanged).toHaveLength(brandFiles.length);
    expect(dry.adoptedAssetIds).toBeUndefined();
    expect(writeRequests(emulator)).toEqual(writesBefore);

    const report = await sync({ include: ['brand/**'] });

    expect(report.outcome).toBe('success');
    expect(report.plan).toEqual(dry.plan);
    expect(report.counts.uploaded).toBe(0);
    expect(report.counts.unchanged).toBe(brandFiles.length);
    expect(report.adoptedAssetIds).toHaveLength(brandFiles.length);
    expect(report.adoptedAssetIds).not.toContain(lookalike.id);
    const assets = await listAllAssets(emulator);
    expect(assets).toHaveLength(brandFiles.length + 1);
    expect(assets.find((asset) => asset.id === lookalike.id)?.tags).toEqual([]);
    expect(assets.filter((asset) => asset.id !== lookalike.id && !asset.tags.includes(OWNER))).toEqual([]);

    const again = await sync({ include: ['brand/**'] });
    expect(again.adoptedAssetIds).toBeUndefined();
    await killed.close();
  });

  it('adopts killed uploads during listing lag', async () => {
    emulator.admin.configure({ listingLagMs: 1_500 });
    const killed = startKilledRun();
    await killed.tagCallReached;

    // The next run starts while the lag still hides the stored uploads.
    const report = await sync({ include: ['brand/**'] });

    const brandFiles = (await uploadableFiles(folder.path)).filter((path) => path.startsWith('brand/'));
    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(0);
    expect(report.adoptedAssetIds).toHaveLength(brandFiles.length);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const assets = await listAllAssets(emulator);
    expect(assets).toHaveLength(brandFiles.length);
    expect(assets.filter((asset) => !asset.tags.includes(OWNER))).toEqual([]);
    await killed.close();
  });

  it('plans Windows paths the same', async () => {
    const scanned = await scanFolder(folder.path);
    if (!scanned.found) throw new Error(scanned.reason);
    const windowsFiles = scanned.files.map((file) => ({ ...file, path: file.path.replaceAll('/', '\\') }));
    expect(windowsFiles.some((file) => file.path.includes('\\'))).toBe(true);
    await sync({ include: ['brand/**', 'themes/**'] });
    await rm(join(folder.path, 'brand/logo-128.png'));

    const options = resolveSyncOptions({ apiKey: emulator.writeKey, library: emulator.libraryId, path: folder.path, syncId: SYNC_ID, dryRun: true }, () => SYNC_ID);
    const transport = createUndiciTransport();
    const client = new RasterClient({ transport, apiKey: emulator.writeKey, baseUrl: emulator.url });
    try {
      const fromWindows = await runSync(options, {
        api: client,
        resolveOrganization: () => client.organizationId(),
        scan: async () => ({ found: true, files: windowsFiles.filter((file) => file.path !== 'brand\\logo-128.png') }),
        requestCount: () => client.requestCount,
        now: Date.now,
        sleep: async () => {},
      });
      const fromPosix = await sync({ dryRun: true });

      expect(fromWindows.plan).toEqual(fromPosix.plan);
      expect(fromPosix.plan.unchanged.length).toBeGreaterThan(0);
      expect(fromPosix.plan.prune).toHaveLength(1);
    } finally {
      await transport.close();
    }
  });
});
