import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { FilePart } from '@raster-toolkit/core';

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
