import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { checkFile, HASH_ON_UPLOAD_MAX_BYTES, scanFolder } from '../../core/src/node/scan';
import { uploadReader } from '../../core/src/node/sync-read';
import type { LocalFile } from '../../core/src/sync/plan';

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

describe('scanFolder without hashes', () => {
  it('leaves the hash of small files to the upload', async () => {
    const entries: Array<[string, Buffer]> = [
      ['a-small.png', pngLike(1_500)],
      ['b-at-limit.png', pngLike(HASH_ON_UPLOAD_MAX_BYTES)],
      ['c-over-limit.png', pngLike(HASH_ON_UPLOAD_MAX_BYTES + 1)],
      ['d-large.png', pngLike(2 * 1024 * 1024)],
      ['e-text.png', Buffer.from('plain text, not an image')],
      ['f-empty.png', Buffer.alloc(0)],
    ];
    await Promise.all(entries.map(([name, bytes]) => writeFile(join(root, name), bytes)));

    const result = await scanFolder(root, { hashNeeded: () => false });

    const files = result.found ? result.files : [];
    expect(files.map((file) => [file.path, file.hashOnUpload, file.sha256])).toEqual([
      ['a-small.png', true, undefined],
      ['b-at-limit.png', true, undefined],
      ['c-over-limit.png', undefined, sha256(entries[2]![1])],
      ['d-large.png', undefined, sha256(entries[3]![1])],
      ['e-text.png', undefined, undefined],
      ['f-empty.png', undefined, undefined],
    ]);
    expect(files.slice(0, 2).map((file) => file.contentType)).toEqual(['image/png', 'image/png']);
    expect(files.slice(0, 2).map((file) => file.identity)).toEqual([expect.stringMatching(/^\d+:\d+:\d+$/), expect.stringMatching(/^\d+:\d+:\d+$/)]);
    expect(files[4]!.skipReason).toContain('does not accept this type');
    expect(files[5]!.skipReason).toContain('empty');
  });

  it('reads past 4 KiB only for types it needs', async () => {
    const svg = Buffer.from(`<!--${'x'.repeat(10_000)}-->\n<svg xmlns="http://www.w3.org/2000/svg"/>`);
    const entries: Array<[string, Buffer]> = [
      ['a-long-prolog.svg', svg],
      ['b-text.png', Buffer.alloc(20_000, 'a')],
      ['c-image.png', pngLike(20_000)],
      ['d-short.png', pngLike(100)],
    ];
    await Promise.all(entries.map(([name, bytes]) => writeFile(join(root, name), bytes)));

    const result = await scanFolder(root, { hashNeeded: () => false });

    const files = result.found ? result.files : [];
    expect(files.map((file) => [file.path, file.contentType ?? file.skipReason?.slice(0, 40)])).toEqual([
      ['a-long-prolog.svg', 'image/svg+xml'],
      ['b-text.png', 'Raster does not accept this type of file'],
      ['c-image.png', 'image/png'],
      ['d-short.png', 'image/png'],
    ]);
  });

  it('hashes the files read before hashes were no longer needed', async () => {
    await Promise.all(Array.from({ length: 6 }, (_, index) => writeFile(join(root, `image-${index}.png`), pngLike(1_000 + index))));
    let calls = 0;

    const result = await scanFolder(root, { hashNeeded: () => ++calls <= 2 });

    const files = result.found ? result.files : [];
    expect(files.map((file) => file.sha256 !== undefined)).toEqual([true, true, false, false, false, false]);
    expect(files.map((file) => file.hashOnUpload ?? false)).toEqual([false, false, true, true, true, true]);
  });

  it('still skips a file that grew while read', async () => {
    const absolutePath = join(root, 'image.png');
    await writeFile(absolutePath, pngLike(1_200));

    // Called just before the read, after the walk took the file's size.
    const result = await scanFolder(root, {
      hashNeeded: () => {
        execFileSync('sh', ['-c', `printf 'more bytes' >> "$1"`, 'sh', absolutePath]);
        return false;
      },
    });

    const files = result.found ? result.files : [];
    expect(files[0]!.hashOnUpload).toBeUndefined();
    expect(files[0]!.skipReason ?? '').toMatch(/changed while it was being read/);
  });
});

describe('uploadReader', () => {
  /** Writes `bytes` as `name` and returns the file as a scan without hashes reports it. */
  async function scannedFile(name: string, bytes: Buffer): Promise<LocalFile> {
    const absolutePath = join(root, name);
    await writeFile(absolutePath, bytes);
    const result = await scanFolder(root, { include: [name], hashNeeded: () => false });
    const file = result.found ? result.files.find((candidate) => candidate.path === name) : undefined;
    if (file?.identity === undefined) throw new Error(`${name} was not scanned without a hash`);
    return file;
  }

  it('reads each file with its SHA-256 and type', async () => {
    const reader = uploadReader();
    const contents = [pngLike(10), pngLike(5_000), pngLike(HASH_ON_UPLOAD_MAX_BYTES)].map((bytes, index) => bytes.fill(index + 1, 8));

    for (const [index, bytes] of contents.entries()) {
      const read = await reader.read(await scannedFile(`image-${index}.png`, bytes));
      expect(Buffer.from(read.bytes!).equals(bytes)).toBe(true);
      expect(read).toMatchObject({ length: bytes.length, sha256: sha256(bytes), contentType: 'image/png' });
    }
  });

  it('reuses released memory only', async () => {
    const reader = uploadReader();
    const first = await scannedFile('first.png', pngLike(3_000).fill(1, 8));
    const second = await scannedFile('second.png', pngLike(3_000).fill(2, 8));
    const third = await scannedFile('third.png', pngLike(2_500).fill(3, 8));

    const inUse = await reader.read(first);
    const released = await reader.read(second);
    reader.release(released.bytes!);
    const reused = await reader.read(third);

    expect(reused.bytes!.buffer).toBe(released.bytes!.buffer);
    expect(reused.bytes!.buffer).not.toBe(inUse.bytes!.buffer);
    expect(Buffer.from(inUse.bytes!).equals(pngLike(3_000).fill(1, 8))).toBe(true);
    expect(Buffer.from(reused.bytes!).equals(pngLike(2_500).fill(3, 8))).toBe(true);
    expect(reused.sha256).toBe(sha256(pngLike(2_500).fill(3, 8)));
  });

  it('keeps no bytes past its budget', async () => {
    const reader = uploadReader(100_000);
    const bytes = pngLike(60_000);
    const first = await reader.read(await scannedFile('first.png', bytes));
    const second = await reader.read(await scannedFile('second.png', bytes));
    reader.release(first.bytes!);
    const third = await reader.read(await scannedFile('third.png', bytes));

    expect(first.bytes).toBeDefined();
    expect(second.bytes).toBeUndefined();
    expect(second).toMatchObject({ length: 60_000, sha256: sha256(bytes), contentType: 'image/png' });
    expect(third.bytes).toBeDefined();
  });

  it('rejects a file written since the scan', async () => {
    const reader = uploadReader();
    const file = await scannedFile('image.png', pngLike(1_000));
    // The same inode, with a new change time.
    await appendFile(join(root, 'image.png'), pngLike(500));

    await expect(reader.read(file)).rejects.toThrow('is no longer the file that was scanned: it was written');
  });

  // Without an identity, as from a scanner that notes none, the read shows the change itself.
  it('returns one byte more for a file that grew', async () => {
    const reader = uploadReader();
    const { identity: _identity, ...file } = await scannedFile('image.png', pngLike(1_000));
    await appendFile(join(root, 'image.png'), pngLike(500));

    expect((await reader.read(file)).length).toBe(1_001);
  });

  it('returns the type the bytes have now', async () => {
    const reader = uploadReader();
    const { identity: _identity, ...file } = await scannedFile('image.png', pngLike(1_000));
    await writeFile(join(root, 'image.png'), Buffer.alloc(1_000, 'a'));

    expect((await reader.read(file)).contentType).toBeNull();
  });

  it('rejects a file replaced by a named pipe', async () => {
    const reader = uploadReader();
    const file = await scannedFile('image.png', pngLike(1_000));
    await rm(join(root, 'image.png'));
    execFileSync('mkfifo', [join(root, 'image.png')]);

    await expect(reader.read(file)).rejects.toThrow('is no longer a regular file');
  });

  it('rejects a file removed since the scan', async () => {
    const reader = uploadReader();
    const file = await scannedFile('image.png', pngLike(1_000));
    await rm(join(root, 'image.png'));

    await expect(reader.read(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['a link to a file outside the folder', async (path: string, outside: string) => symlink(outside, path)],
    ['another file', async (path: string, outside: string) => rename(outside, path)],
  ])('rejects a file replaced by %s', async (_case, replace) => {
    const reader = uploadReader();
    const file = await scannedFile('image.png', pngLike(1_000).fill(1, 8));
    const outside = join(root, '..', `${basename(root)}-outside.png`);
    await writeFile(outside, pngLike(1_000).fill(2, 8));

    try {
      await rm(join(root, 'image.png'));
      await replace(join(root, 'image.png'), outside);

      await expect(reader.read(file)).rejects.toThrow('is no longer the file that was scanned');
    } finally {
      await rm(outside, { force: true });
    }
  });
});
