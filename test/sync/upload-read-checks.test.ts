import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { linkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';

import type { RunningEmulator } from '@raster-toolkit/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ScanOptions } from '../../core/src/node/scan';
import { uploadReader } from '../../core/src/node/sync-read';
import { fingerprintFor, fingerprintTagFor, ownerTagFor } from '../../core/src/sync/tags';
import type { LocalFile } from '../../core/src/sync/plan';
import type { FileReader } from '../../core/src/sync/upload';
import type { SyncEvent, SyncOptions, SyncReport } from '../../core/src/sync/types';
import { syncAfterListing } from './support/first-sync';
import { listAllAssets } from './support/library';
import { emulatorPerFile } from './support/emulator';

const SYNC_ID = 'review/checks:images';
const OWNER = ownerTagFor(SYNC_ID);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let emulator: RunningEmulator;
let parent: string;
let root: string;
let outside: string;

emulatorPerFile((running) => (emulator = running), { listingLagMs: 0, processingDelayMs: 0 });

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'raster-review-'));
  root = join(parent, 'images');
  outside = join(parent, 'outside');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside, { recursive: true });
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** Returns PNG-like bytes: the PNG signature and `size - 8` random bytes. */
function pngLike(size: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, randomBytes(size - PNG_SIGNATURE.length)]);
}

async function writeImages(count: number, size: number, folder = 'sub'): Promise<string[]> {
  const paths: string[] = [];
  for (let index = 0; index < count; index++) {
    const path = `${folder}/image-${String(index).padStart(3, '0')}.png`;
    await writeFile(join(root, path), pngLike(size));
    paths.push(path);
  }
  return paths;
}

interface RunInput {
  options?: Partial<SyncOptions>;
  scanOptions?: ScanOptions;
  onScanProgress?: (done: number) => void;
  reader?: FileReader;
}

function firstSync(input: RunInput = {}): Promise<{ report: SyncReport; unhashed: number }> {
  return syncAfterListing({ emulator, root, syncId: SYNC_ID, journalDir: join(parent, 'journal'), ...input });
}

function onPlan(change: () => void): (event: SyncEvent) => void {
  return (event) => {
    if (event.type === 'plan') change();
  };
}

function failedFiles(report: SyncReport): Record<string, string | undefined> {
  return Object.fromEntries(report.files.filter((file) => file.status === 'failed').map((file) => [file.path, file.reason]));
}

/** Checks that every stored asset serves bytes whose fingerprint is the asset's fingerprint tag. */
async function expectStoredBytesMatchTags(): Promise<number> {
  const assets = await listAllAssets(emulator);
  for (const asset of assets) {
    const pathTag = asset.tags.find((tag) => tag.startsWith(`${OWNER}:path:`));
    expect(pathTag, asset.id).toBeDefined();
    const path = pathTag!.slice(`${OWNER}:path:`.length);
    const served = Buffer.from(await (await fetch(asset.url!)).arrayBuffer());
    const sha256 = createHash('sha256').update(served).digest('hex');
    expect(asset.tags, path).toContain(fingerprintTagFor(OWNER, fingerprintFor(SYNC_ID, path, sha256)));
  }
  return assets.length;
}

async function storedBytesOf(name: string): Promise<Buffer[]> {
  const assets = (await listAllAssets(emulator)).filter((asset) => asset.name === name);
  return Promise.all(assets.map(async (asset) => Buffer.from(await (await fetch(asset.url!)).arrayBuffer())));
}

describe('first sync reading files after the scan', () => {
  it('rejects a file swapped for a link outside', async () => {
    await writeImages(5, 4096);
    const secret = pngLike(4096);
    writeFileSync(join(outside, 'secret.png'), secret);
    const target = join(root, 'sub/image-002.png');

    const { report, unhashed } = await firstSync({ options: { onEvent: onPlan(() => {
      rmSync(target);
      symlinkSync(join(outside, 'secret.png'), target);
    }) } });

    expect(unhashed).toBe(5);
    expect(failedFiles(report)['sub/image-002.png']).toMatch(/no longer the file that was scanned/);
    expect(report.counts.uploaded).toBe(4);
    expect(await storedBytesOf('image-002')).toEqual([]);
    expect(await expectStoredBytesMatchTags()).toBe(4);
  });

  it('rejects an outside link to a file on a reused inode', async () => {
    await writeImages(3, 4096);
    const secret = pngLike(4096);
    const target = join(root, 'sub/image-001.png');

    // ext4 usually gives a new file the inode number that a removed file freed, so the outside
    // file can have the scanned file's device and inode. Its change time still differs.
    const { report } = await firstSync({ options: { onEvent: onPlan(() => {
      rmSync(target);
      writeFileSync(join(outside, 'secret.png'), secret);
      symlinkSync(join(outside, 'secret.png'), target);
    }) } });

    expect(await storedBytesOf('image-001')).not.toContainEqual(secret);
    expect(report.files.find((file) => file.path === 'sub/image-001.png')?.status).toBe('failed');
  });

  it('rejects a parent folder swapped for a link outside', async () => {
    await writeImages(3, 4096);
    await mkdir(join(outside, 'sub'));
    for (let index = 0; index < 3; index++) writeFileSync(join(outside, `sub/image-00${index}.png`), pngLike(4096));

    const { report, unhashed } = await firstSync({ options: { onEvent: onPlan(() => {
      renameSync(join(root, 'sub'), join(parent, 'moved-away'));
      symlinkSync(join(outside, 'sub'), join(root, 'sub'));
    }) } });

    expect(unhashed).toBe(3);
    expect(report.counts.uploaded).toBe(0);
    expect(Object.keys(failedFiles(report)).sort()).toEqual(['sub/image-000.png', 'sub/image-001.png', 'sub/image-002.png']);
    expect((await listAllAssets(emulator))).toEqual([]);
  });

  it('uploads an earlier hard link to outside', async () => {
    const bytes = pngLike(4096);
    writeFileSync(join(outside, 'shared.png'), bytes);
    linkSync(join(outside, 'shared.png'), join(root, 'sub/linked.png'));

    const { report, unhashed } = await firstSync();

    expect(unhashed).toBe(1);
    expect(report.outcome).toBe('success');
    expect(await storedBytesOf('linked')).toEqual([bytes]);
    await expectStoredBytesMatchTags();
  });

  it('uploads links inside the folder when following them', async () => {
    await writeImages(3, 4096);
    symlinkSync(join(root, 'sub/image-000.png'), join(root, 'link-file.png'));
    symlinkSync('sub', join(root, 'link-folder'));

    const { report, unhashed } = await firstSync({ options: { followSymlinks: true } });

    expect(unhashed).toBe(7);
    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(7);
    expect(await storedBytesOf('link-file')).toEqual([await readFile(join(root, 'sub/image-000.png'))]);
    expect(await expectStoredBytesMatchTags()).toBe(7);
  });

  it('rejects a followed link retargeted after the scan', async () => {
    await writeImages(2, 4096);
    symlinkSync(join(root, 'sub/image-000.png'), join(root, 'link-file.png'));

    const { report } = await firstSync({ options: { followSymlinks: true, onEvent: onPlan(() => {
      rmSync(join(root, 'link-file.png'));
      symlinkSync(join(root, 'sub/image-001.png'), join(root, 'link-file.png'));
    }) } });

    expect(failedFiles(report)['link-file.png']).toMatch(/no longer the file that was scanned/);
    expect(report.counts.uploaded).toBe(2);
  });

  it('fails a file replaced by a FIFO', async () => {
    await writeImages(3, 4096);
    const target = join(root, 'sub/image-001.png');

    const started = Date.now();
    const { report } = await firstSync({ options: { onEvent: onPlan(() => {
      rmSync(target);
      execFileSync('mkfifo', [target]);
    }) } });

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(failedFiles(report)['sub/image-001.png']).toMatch(/changed or was removed after it was scanned/);
    expect(report.counts.uploaded).toBe(2);
  });

  it('fails alone a file rewritten as text', async () => {
    const paths = await writeImages(10, 4096);
    const control = await firstSync();
    expect(control.report.counts.uploaded).toBe(10);
    const controlUploads = emulator.admin.stats().byRoute['upload'];

    await emulator.admin.reset();
    emulator.admin.configure({ listingLagMs: 0, processingDelayMs: 0 });
    await rm(join(parent, 'journal'), { recursive: true, force: true });
    const { report } = await firstSync({ options: { onEvent: onPlan(() => {
      writeFileSync(join(root, paths[4]!), 'x'.repeat(4096));
    }) } });

    expect(failedFiles(report)).toEqual({ [paths[4]!]: expect.stringMatching(/is no longer the file that was scanned: it was written/) });
    expect(report.counts.uploaded).toBe(9);
    expect(emulator.admin.stats().byRoute['upload']).toBe(controlUploads);
    expect(await expectStoredBytesMatchTags()).toBe(9);
  });

  it('fails a file swapped after its unkept read', async () => {
    const paths = await writeImages(6, 4096);
    const secret = pngLike(4096);
    writeFileSync(join(outside, 'secret.png'), secret);
    const inner = uploadReader(0);
    const target = paths[2]!;
    const reader: FileReader = {
      async read(file) {
        const read = await inner.read(file);
        if (file.path === target) {
          rmSync(join(root, target));
          symlinkSync(join(outside, 'secret.png'), join(root, target));
        }
        return read;
      },
      release: (bytes) => inner.release(bytes),
    };

    const { report } = await firstSync({ reader });

    expect(Object.keys(failedFiles(report))).toContain(target);
    expect(await storedBytesOf('image-002')).toEqual([]);
    expect(report.counts.uploaded).toBe(5);
    expect(await expectStoredBytesMatchTags()).toBe(5);
  });

  it('rejects an outside link swapped in mid-scan', async () => {
    await writeImages(3, 4096);
    const secret = pngLike(4096);
    writeFileSync(join(outside, 'secret.png'), secret);
    const target = join(root, 'sub/image-002.png');

    // The scan reads the files after it has listed the folder, in the order listed, and reports
    // progress after each. The swap after the first read comes before the third file is read.
    const { report } = await firstSync({ onScanProgress: (done) => {
      if (done !== 1) return;
      rmSync(target);
      symlinkSync(join(outside, 'secret.png'), target);
    } });

    expect(await storedBytesOf('image-002')).not.toContainEqual(secret);
    expect(report.files.find((file) => file.path === 'sub/image-002.png')?.status).not.toBe('uploaded');
  });
});

describe('uploadReader memory', () => {
  it('holds at most the kept bytes after phases of sizes', async () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const keptBytes = 8 * 1024 * 1024;
    const reader = uploadReader(keptBytes);
    collectGarbage();
    const start = process.memoryUsage().arrayBuffers;

    // Each size needs pool buffers of another capacity (128, 192, 256 and 320 KiB). Each phase
    // keeps as many files as the budget allows, then releases them all, as batches sent in turn.
    for (const size of [120_000, 190_000, 250_000, 262_144]) {
      const path = join(root, `sub/size-${size}.png`);
      writeFileSync(path, pngLike(size));
      const keptReads: Uint8Array[] = [];
      for (let index = 0; index < 100; index++) {
        const file: LocalFile = { path: `sub/size-${size}.png`, size, source: { kind: 'path', path } };
        const read = await reader.read(file);
        if (read.bytes !== undefined) keptReads.push(read.bytes);
      }
      expect(keptReads.length).toBeGreaterThan(0);
      for (const bytes of keptReads) reader.release(bytes);
    }
    // The backing stores of collected buffers are freed after the collection, on a later turn.
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
    collectGarbage();

    const heldBytes = process.memoryUsage().arrayBuffers - start;
    // One scratch buffer of at most 320 KiB may be held beside the pool.
    expect(heldBytes).toBeLessThanOrEqual(keptBytes + 320 * 1024);
  });
});
