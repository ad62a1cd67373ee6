import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { COLLECT_EVERY_BYTES, countReadBytes, enableUploadChunkCollection, FULL_COLLECTION_EVERY } from '../../core/src/node/collect-garbage';
import { createMultipartBody } from '../../core/src/node/multipart';

const MiB = 1024 * 1024;
const gcAtStart = typeof (globalThis as { gc?: unknown }).gc === 'function';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'raster-collect-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Returns the kinds of the garbage collections that ran during `action`. */
async function collectionsDuring(action: () => void): Promise<Array<number | undefined>> {
  const kinds: Array<number | undefined> = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) kinds.push((entry as { detail?: { kind?: number } }).detail?.kind);
  });
  observer.observe({ entryTypes: ['gc'] });

  action();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return kinds;
}

function readCollectionCycle(): void {
  for (let count = 0; count < FULL_COLLECTION_EVERY; count++) countReadBytes(COLLECT_EVERY_BYTES);
}

// The tests run in order: the collections are off until the third one turns them on.
describe('countReadBytes', () => {
  it('collects nothing until enabled', async () => {
    const kinds = await collectionsDuring(readCollectionCycle);

    expect(kinds).toEqual([]);
  });

  it.skipIf(gcAtStart)('leaves gc unexposed until enabled', () => {
    readCollectionCycle();

    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('collects periodically once enabled', async () => {
    enableUploadChunkCollection();

    const kinds = await collectionsDuring(readCollectionCycle);

    expect(kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(FULL_COLLECTION_EVERY - 1);
    expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MAJOR);
  });

  it.skipIf(gcAtStart)('leaves no gc global behind', () => {
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });

  it('frees chunks while streaming', async () => {
    const size = 48 * MiB;
    const path = join(folder, 'large.png');
    await writeFile(path, randomBytes(size));
    const body = await createMultipartBody([
      { filename: 'large.png', contentType: 'image/png', size, source: { kind: 'path', path } },
    ]);

    const before = process.memoryUsage().arrayBuffers;
    let read = 0;
    let peak = 0;
    let chunks = 0;
    for await (const chunk of body.stream) {
      read += (chunk as Uint8Array).byteLength;
      chunks += 1;
      if (chunks % 32 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }

    expect(read).toBe(body.length);
    // Without the collections, 17 MB of chunks were still allocated at the peak of a run.
    expect(peak).toBeLessThan(4 * COLLECT_EVERY_BYTES);
  });

  it('ignores a gc function that throws', async () => {
    vi.resetModules();
    const fresh = await import('../../core/src/node/collect-garbage');
    const host = globalThis as { gc?: unknown };
    const previous = host.gc;
    let calls = 0;
    host.gc = () => {
      calls += 1;
      throw new Error('gc is not available here');
    };
    try {
      fresh.enableUploadChunkCollection();

      expect(() => fresh.countReadBytes(2 * fresh.COLLECT_EVERY_BYTES)).not.toThrow();
      expect(() => fresh.countReadBytes(2 * fresh.COLLECT_EVERY_BYTES)).not.toThrow();
      expect(calls).toBe(1);
    } finally {
      host.gc = previous;
    }
  });
});
