import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { FilePart } from '@raster-toolkit/core';

import { SETTLED_MS, stampOf } from '../../core/src/node/file-stamp';
import { createMultipartBody } from '../../core/src/node/multipart';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'raster-multipart-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function fileOf(size: number): Promise<FilePart> {
  const path = join(folder, 'image.png');
  await writeFile(path, randomBytes(size));
  return { filename: 'image.png', contentType: 'image/png', size, source: { kind: 'path', path } };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}

describe('createMultipartBody', () => {
  // Files up to 256 KiB are read with one call, larger ones in 64 KiB chunks.
  it.each([1_000, 256 * 1024, 256 * 1024 + 1, 320 * 1024])('streams the declared length (%i bytes)', async (size) => {
    const body = await createMultipartBody([await fileOf(size)]);

    expect(await readAll(body.stream)).toBe(body.length);
  });

  it.each([
    ['grew', 1_000, 1],
    ['shrank', 1_000, -200],
    ['grew by one byte', 300 * 1024, 1],
    ['shrank by one byte', 300 * 1024, -1],
    ['grew by one byte at a chunk boundary', 320 * 1024, 1],
  ])('fails when the file %s after the check', async (_change, size, delta) => {
    const part = await fileOf(size);
    const body = await createMultipartBody([part]);
    const path = (part.source as { path: string }).path;
    if (delta > 0) await appendFile(path, randomBytes(delta));
    else await truncate(path, size + delta);

    await expect(readAll(body.stream)).rejects.toThrow(`${path} changed while it was uploaded: expected ${size} bytes, read ${size + delta}`);
  });

  // A file replaced by a named pipe after the check: parts up to 256 KiB are read synchronously,
  // larger ones through the thread pool, and neither open may wait for a writer.
  it.skipIf(process.platform === 'win32').each([1_000, 300 * 1024])('fails a %i-byte part replaced by a pipe', async (size) => {
    const part = await fileOf(size);
    const body = await createMultipartBody([part]);
    const path = (part.source as { path: string }).path;
    await rm(path);
    execFileSync('mkfifo', [path]);

    await expect(readAll(body.stream)).rejects.toMatchObject({ parameter: 'files[0].source', message: expect.stringContaining(path) });
  });

  // Parts up to 256 KiB are read whole, and a larger part's last chunk waits until it is checked.
  it.each([1_000, 300 * 1024])('fails a %i-byte part whose bytes changed', async (size) => {
    const part = await fileOf(size);
    const path = (part.source as { path: string }).path;
    const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
    const body = await createMultipartBody([{ ...part, sha256 }]);
    await writeFile(path, randomBytes(size));
    let sent = 0;

    const reading = (async () => {
      for await (const chunk of body.stream) sent += (chunk as Uint8Array).byteLength;
    })();

    await expect(reading).rejects.toMatchObject({ parameter: 'files[0].sha256', message: expect.stringContaining(`not ${sha256}`) });
    // The part's last byte was never passed on: the part's CRLF and the closing boundary follow it.
    const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!;
    expect(sent).toBeLessThan(body.length - `\r\n--${boundary}--\r\n`.length);
  });

  it('streams a part with a matching SHA-256', async () => {
    const part = await fileOf(300 * 1024);
    const sha256 = createHash('sha256').update(await readFile((part.source as { path: string }).path)).digest('hex');
    const body = await createMultipartBody([{ ...part, sha256 }]);

    expect(await readAll(body.stream)).toBe(body.length);
  });

  it.skipIf(process.platform === 'win32')('rejects a named pipe without blocking', async () => {
    const path = join(folder, 'image.png');
    execFileSync('mkfifo', [path]);

    await expect(createMultipartBody([{ filename: 'image.png', contentType: 'image/png', size: 10, source: { kind: 'path', path } }]))
      .rejects.toThrow(`Invalid files[0].source: ${path} is not a regular file.`);
  });
});

// These parts carry a SHA-256 that is not their bytes', so a part that is hashed again fails, and
// one sent on the strength of its stamp goes through.
describe.skipIf(process.platform === 'win32')('createMultipartBody with stamped parts', () => {
  const WRONG_SHA256 = '0'.repeat(64);

  /** Returns a part whose stamp was taken `afterChangeMs` after the file's last change. */
  async function stampedPart(size: number, afterChangeMs: number, sha256 = WRONG_SHA256): Promise<FilePart> {
    const part = await fileOf(size);
    const path = (part.source as { path: string }).path;
    const stats = await stat(path);
    return { ...part, sha256, source: { kind: 'path', path, stamp: stampOf(stats, stats.ctimeMs + afterChangeMs) } };
  }

  async function sha256Of(part: FilePart): Promise<string> {
    return createHash('sha256').update(await readFile((part.source as { path: string }).path)).digest('hex');
  }

  /** Writes new bytes over the file, after a pause so that its change time moves on. */
  async function overwrite(part: FilePart): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const handle = await open((part.source as { path: string }).path, 'r+');
    try {
      await handle.write(randomBytes(16), 0, 16, 0);
    } finally {
      await handle.close();
    }
  }

  it.each([1_000, 300 * 1024])('sends a %i-byte part whose stamp holds without hashing it', async (size) => {
    const body = await createMultipartBody([await stampedPart(size, SETTLED_MS + 1_000)]);

    expect(await readAll(body.stream)).toBe(body.length);
  });

  it.each([1_000, 300 * 1024])('hashes a %i-byte part stamped within 5 seconds of its last change', async (size) => {
    const body = await createMultipartBody([await stampedPart(size, SETTLED_MS - 1_000)]);

    await expect(readAll(body.stream)).rejects.toMatchObject({ parameter: 'files[0].sha256', message: expect.stringContaining(`not ${WRONG_SHA256}`) });
  });

  it.each([1_000, 300 * 1024])('hashes a %i-byte part written to after its stamp', async (size) => {
    const part = await stampedPart(size, SETTLED_MS + 1_000);
    const sha256 = await sha256Of(part);
    const body = await createMultipartBody([{ ...part, sha256 }]);
    await overwrite(part);

    await expect(readAll(body.stream)).rejects.toMatchObject({ parameter: 'files[0].sha256', message: expect.stringContaining(`not ${sha256}`) });
  });

  it('fails a part written to while it is sent, before its last chunk', async () => {
    const part = await stampedPart(300 * 1024, SETTLED_MS + 1_000);
    const body = await createMultipartBody([{ ...part, sha256: await sha256Of(part) }]);
    const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!;
    let sent = 0;

    const reading = (async () => {
      for await (const chunk of body.stream) {
        sent += (chunk as Uint8Array).byteLength;
        if (sent > 64 * 1024 && sent < 128 * 1024) await overwrite(part);
      }
    })();

    await expect(reading).rejects.toMatchObject({ parameter: 'files[0].sha256', message: expect.stringContaining('it was written to after it was hashed') });
    expect(sent).toBeLessThan(body.length - `\r\n--${boundary}--\r\n`.length);
  });
});
