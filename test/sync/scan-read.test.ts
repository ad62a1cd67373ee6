import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { checkFile, scanFolder } from '../../core/src/node/scan';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A file that starts like a PNG, so type detection accepts it, followed by `size` bytes in all. */
function pngLike(size: number): Buffer {
  const bytes = Buffer.alloc(size, 7);
  PNG_SIGNATURE.copy(bytes);
  return bytes;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'raster-scan-read-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('checkFile', () => {
  // Files up to 1 MiB are read with synchronous calls, and larger ones through the thread pool,
  // in several chunks through one reused buffer.
  it.each([1_000, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 5])('hashes a file of %i bytes', async (size) => {
    const bytes = pngLike(size);
    const absolutePath = join(root, 'image.png');
    await writeFile(absolutePath, bytes);

    const checked = await checkFile({ path: 'image.png', absolutePath, size }, 100 * 1024 * 1024);

    expect(checked.skipReason).toBeUndefined();
    expect(checked.sha256).toBe(sha256(bytes));
    expect(checked.contentType).toBe('image/png');
  });

  it.each([
    ['grew', 1_000, 1_200],
    ['shrank', 1_000, 800],
    ['grew by one byte at the limit of synchronous reads', 1024 * 1024, 1024 * 1024 + 1],
    ['shrank by one byte past the limit of synchronous reads', 1024 * 1024 + 1, 1024 * 1024],
    ['grew past one chunk', 1024 * 1024, 1024 * 1024 + 10],
    ['grew by one byte', 3 * 1024 * 1024, 3 * 1024 * 1024 + 1],
    ['shrank by one byte', 3 * 1024 * 1024, 3 * 1024 * 1024 - 1],
  ])('skips a file that %s after discovery', async (_change, discoveredSize, actualSize) => {
    const absolutePath = join(root, 'image.png');
    await writeFile(absolutePath, pngLike(actualSize));

    const checked = await checkFile({ path: 'image.png', absolutePath, size: discoveredSize }, 100 * 1024 * 1024);

    expect(checked.sha256).toBeUndefined();
    expect(checked.skipReason).toMatch(/changed while it was being read/);
  });
});

describe('checkFile after a failed read', () => {
  it.each([1_000, 2 * 1024 * 1024])('marks a file of %i bytes replaced by a folder as unreadable', async (size) => {
    const absolutePath = join(root, 'image.png');
    await mkdir(absolutePath);

    const checked = await checkFile({ path: 'image.png', absolutePath, size }, 100 * 1024 * 1024);

    expect(checked.skipReason).toBe('The file cannot be read (EISDIR).');
    expect(checked.readFailed).toBe(true);
  });

  it('marks a file removed after discovery as gone, not unreadable', async () => {
    const checked = await checkFile({ path: 'image.png', absolutePath: join(root, 'image.png'), size: 1_000 }, 100 * 1024 * 1024);

    expect(checked.skipReason).toBe('The file cannot be read (ENOENT).');
    expect(checked.readFailed).toBeUndefined();
  });
});

describe('checkFile on a named pipe', () => {
  // A file replaced by a named pipe after discovery: opening it must not wait for a writer, for
  // files read synchronously (up to 1 MiB) and through the thread pool alike.
  it.skipIf(process.platform === 'win32').each([1_000, 2 * 1024 * 1024])('skips a pipe of %i bytes without blocking', async (size) => {
    const absolutePath = join(root, 'image.png');
    execFileSync('mkfifo', [absolutePath]);

    const checked = await checkFile({ path: 'image.png', absolutePath, size }, 100 * 1024 * 1024);

    expect(checked.sha256).toBeUndefined();
    expect(checked.skipReason).toMatch(/cannot be read|changed while it was being read/);
  });
});

describe('scanFolder', () => {
  it('hashes small files read into one buffer', async () => {
    // A large file, then smaller ones: each hash must cover only its own file's bytes.
    const sizes = [200_000, 1_000, 150_000, 10, 200_000];
    const contents = sizes.map((size, index) => {
      const bytes = pngLike(size);
      bytes.fill(index + 1, PNG_SIGNATURE.length);
      return bytes;
    });
    await Promise.all(contents.map((bytes, index) => writeFile(join(root, `image-${index}.png`), bytes)));

    const result = await scanFolder(root);

    expect(result.found && result.files.map((file) => file.sha256)).toEqual(contents.map(sha256));
  });

  it('hashes large files concurrently', async () => {
    // Files over 1 MiB are read several at a time through a few shared buffers. Each hash must
    // cover only its own file's bytes, whichever buffer it was read through.
    const sizes = [3 * 1024 * 1024 + 7, 1024 * 1024 + 1, 2 * 1024 * 1024, 1024 * 1024 + 300, 4 * 1024 * 1024 + 1];
    const contents = Array.from({ length: 12 }, (_, index) => {
      const bytes = pngLike(sizes[index % sizes.length]!);
      bytes.fill(index + 1, PNG_SIGNATURE.length);
      return bytes;
    });
    await Promise.all(contents.map((bytes, index) => writeFile(join(root, `image-${String(index).padStart(2, '0')}.png`), bytes)));

    const result = await scanFolder(root, { hashConcurrency: 4 });

    expect(result.found && result.files.map((file) => file.sha256)).toEqual(contents.map(sha256));
  });


  it('checks mixed small and large files', async () => {
    const big = pngLike(2 * 1024 * 1024 + 5);
    const small = pngLike(1_500);
    const text = Buffer.from('plain text, not an image');
    const entries: Array<[string, Buffer]> = [
      ['a-big.png', big],
      ['b-small.png', small],
      ['c-empty.png', Buffer.alloc(0)],
      ['d-big-text.png', Buffer.concat([text, Buffer.alloc(2 * 1024 * 1024)])],
      ['e-text.png', text],
      ['f-small.png', pngLike(900)],
    ];
    await Promise.all(entries.map(([name, bytes]) => writeFile(join(root, name), bytes)));
    const progress: string[] = [];

    const result = await scanFolder(root, { onProgress: (done, total) => progress.push(`${done}/${total}`) });

    expect(result.found).toBe(true);
    const files = result.found ? result.files : [];
    expect(files.map((file) => file.path)).toEqual(entries.map(([name]) => name));
    expect(files.map((file) => file.sha256)).toEqual([sha256(big), sha256(small), undefined, undefined, undefined, sha256(entries[5]![1])]);
    expect(files[2]!.skipReason).toContain('empty');
    expect(files[3]!.skipReason).toContain('does not accept this type');
    expect(files[4]!.skipReason).toContain('does not accept this type');
    expect(progress).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
  });

  it('stops reading after a failed callback', async () => {
    const large = pngLike(1024 * 1024 + 1);
    await Promise.all([
      ...Array.from({ length: 12 }, (_, index) => writeFile(join(root, `large-${String(index).padStart(2, '0')}.png`), large)),
      ...Array.from({ length: 5 }, (_, index) => writeFile(join(root, `small-${index}.png`), pngLike(1_500))),
    ]);
    let calls = 0;

    const scan = scanFolder(root, {
      hashConcurrency: 1,
      onProgress: () => {
        calls += 1;
        if (calls === 1) throw new Error('progress failed');
      },
    });

    await expect(scan).rejects.toThrow('progress failed');
    // The failed call for a small file, and at most one call for the large file in flight.
    expect(calls).toBeLessThanOrEqual(2);
  });

  it('lets timers run between reads', async () => {
    await Promise.all(Array.from({ length: 3_000 }, (_, index) => writeFile(join(root, `image-${index}.png`), pngLike(1_000))));
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    let ticksWhenHashingStarted: number | undefined;

    try {
      const result = await scanFolder(root, { onProgress: () => (ticksWhenHashingStarted ??= ticks) });

      expect(result.found && result.files.every((file) => file.sha256 !== undefined)).toBe(true);
      expect(ticks).toBeGreaterThan(ticksWhenHashingStarted!);
    } finally {
      clearInterval(timer);
    }
  });
});
