import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { COLLECT_EVERY_BYTES, countReadBytes, FULL_COLLECTION_EVERY } from '../../core/src/node/collect-garbage';
import { createMultipartBody } from '../../core/src/node/multipart';

const MiB = 1024 * 1024;

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'raster-collect-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('countReadBytes', () => {
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
      if (++chunks % 32 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }

    expect(read).toBe(body.length);
    // Without the collections, every chunk read so far stays allocated: about 48 MiB.
    expect(peak).toBeLessThan(4 * COLLECT_EVERY_BYTES);
  });

  it('leaves no gc global behind', () => {
    countReadBytes(COLLECT_EVERY_BYTES);

    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });

  it('collects the whole heap periodically', async () => {
    const kinds: (number | undefined)[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as { detail?: { kind?: number } }).detail?.kind);
    });
    observer.observe({ entryTypes: ['gc'] });

    for (let count = 0; count < FULL_COLLECTION_EVERY; count++) countReadBytes(COLLECT_EVERY_BYTES);
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();

    expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MINOR);
    expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MAJOR);
  });
});
