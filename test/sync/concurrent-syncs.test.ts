import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunningEmulator } from '@raster-toolkit/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { syncFolder } from '../../core/src/node/sync';
import { ownerTagFor } from '../../core/src/sync/tags';
import type { SyncLogger, SyncReport } from '../../core/src/sync/types';
import { listAllAssets } from './support/library';
import { emulatorPerFile } from './support/emulator';

const OWNERS = [ownerTagFor('concurrent-a'), ownerTagFor('concurrent-b')] as const;

/** Milliseconds each tag call waits, so the other sync's fresh uploads stay untagged that long. */
const TAG_LATENCY_MS = 2_000;

/** Milliseconds the reconciling sync's first listing waits, so the other sync's upload is stored first. */
const LISTING_LATENCY_MS = 1_000;

/** Returns a 1x1 PNG followed by four bytes ending in `seed`: other bytes, the same size. */
function png(seed: number): Uint8Array {
  const bytes = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const copy = new Uint8Array(bytes.length + 4);
  copy.set(bytes);
  copy.set([0, 0, 0, seed], bytes.length);
  return copy;
}

let emulator: RunningEmulator;
let root: string;

emulatorPerFile((running) => (emulator = running));

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'raster-concurrent-'));
  for (const name of ['a', 'b']) {
    await mkdir(join(root, name));
    for (let i = 0; i < 3; i += 1) await writeFile(join(root, name, `shared-${i}.png`), png(i));
  }
});

afterEach(async () => {
  emulator.admin.clearFaults();
  await rm(root, { recursive: true, force: true });
});

function sync(name: 'a' | 'b', reconcileTimeoutMs: number, logger?: SyncLogger): Promise<SyncReport> {
  return syncFolder({
    apiKey: emulator.writeKey,
    library: emulator.libraryId,
    apiUrl: emulator.url,
    path: join(root, name),
    syncId: `concurrent-${name}`,
    reconcileTimeoutMs,
    journalDir: join(root, 'journals'),
    ...(logger === undefined ? {} : { logger }),
  });
}

/**
 * Runs sync a, whose first upload's response is lost (after the store unless `resetKind` is
 * `reset-before-store`), and starts sync b as soon as a begins to reconcile. b's copies are
 * stored, untagged for `TAG_LATENCY_MS`, before a's first reconciling listing, and they are newer
 * than a's own.
 */
async function runWhileOtherUploads(
  reconcileTimeoutMs: number,
  resetKind: 'reset-after-store' | 'reset-before-store' = 'reset-after-store',
): Promise<{ a: SyncReport; b: SyncReport }> {
  emulator.admin.injectFaults([
    { route: 'upload', kind: resetKind, times: 1 },
    { route: 'tag-assets', kind: 'latency', latencyMs: TAG_LATENCY_MS, times: 1_000 },
  ]);

  let startB!: () => void;
  const bStarted = new Promise<void>((resolve) => {
    startB = resolve;
  });
  const logger: SyncLogger = {
    debug: () => {},
    info: () => {},
    warn: (message) => {
      if (!message.startsWith('The response to an upload')) return;
      // The next listing is a's reconciling one: delay it, then let b upload meanwhile.
      emulator.admin.injectFaults([{ route: 'list-assets', kind: 'latency', latencyMs: LISTING_LATENCY_MS, times: 1 }]);
      startB();
    },
  };

  const a = sync('a', reconcileTimeoutMs, logger);
  const b = bStarted.then(() => sync('b', 30_000));
  const reports = await Promise.all([a, b]);
  emulator.admin.clearFaults();
  return { a: reports[0], b: reports[1] };
}

/** Checks that each sync owns one asset per file, none owned by both, and nothing untagged. */
async function expectSeparateOwnership(): Promise<void> {
  const assets = await listAllAssets(emulator);
  const sharedIds = assets.filter((asset) => OWNERS.every((owner) => asset.tags.includes(owner))).map((asset) => asset.id);
  const untaggedIds = assets.filter((asset) => asset.tags.length === 0).map((asset) => asset.id);

  expect(sharedIds).toEqual([]);
  expect(untaggedIds).toEqual([]);
  for (const owner of OWNERS) {
    const owned = assets.filter((asset) => asset.tags.includes(owner)).map((asset) => asset.name).sort();
    expect(owned).toEqual(['shared-0', 'shared-1', 'shared-2']);
  }
}

describe('two syncs into one library at once', () => {
  it('adopts only its own copies after the other tags', async () => {
    const { a, b } = await runWhileOtherUploads(15_000);

    expect(b.outcome).toBe('success');
    expect(a.outcome).toBe('success');
    await expectSeparateOwnership();

    const nextA = await sync('a', 15_000);
    const nextB = await sync('b', 15_000);

    expect(nextA.counts.uploaded).toBe(0);
    expect(nextB.counts.uploaded).toBe(0);
    await expectSeparateOwnership();
  }, 30_000);

  it('never adopts copies the other tags later', async () => {
    const { a, b } = await runWhileOtherUploads(5_000, 'reset-before-store');

    expect(b.outcome).toBe('success');
    expect(a.outcome).toBe('success');
    expect(emulator.admin.stats().byRoute.upload).toBe(3);
    await expectSeparateOwnership();
  }, 30_000);

  it('leaves ambiguous files to the next run', async () => {
    const { a, b } = await runWhileOtherUploads(500);

    expect(b.outcome).toBe('success');
    expect(a.outcome).not.toBe('success');
    const failed = a.files.filter((file) => file.status === 'failed');
    expect(failed.map((file) => file.path).sort()).toEqual(['shared-0.png', 'shared-1.png', 'shared-2.png']);
    expect(failed[0]?.reason).toContain('could not be told apart');
    const owners = (await listAllAssets(emulator)).map((asset) => asset.tags.filter((tag) => OWNERS.includes(tag as never)));
    expect(owners.filter((tags) => tags.length > 1)).toEqual([]);

    const nextA = await sync('a', 15_000);
    const nextB = await sync('b', 15_000);

    expect(nextA.outcome).toBe('success');
    expect(nextA.adoptedAssetIds).toHaveLength(3);
    expect(nextA.counts.uploaded).toBe(0);
    expect(nextB.counts.uploaded).toBe(0);
    await expectSeparateOwnership();
  }, 30_000);
});
