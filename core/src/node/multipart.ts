/**
 * A `multipart/form-data` body built as a stream with an exact byte length, so file parts are
 * read from disk while the request is written and memory use does not grow with file size.
 */

import { createHash, type Hash, randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

import { RasterUsageError } from '../errors';
import type { FilePart } from '../transport';
import { countReadBytes } from './collect-garbage';
import { READ_NONBLOCKING, readExpectedBytesSync } from './sync-read';

/** Every file part of an upload carries this field name. */
export const FILE_FIELD_NAME = 'files';

export interface MultipartBody {
  contentType: string;
  /** Exact byte length of `stream`, sent as `Content-Length`. */
  length: number;
  stream: Readable;
}

const encoder = new TextEncoder();
const CRLF = encoder.encode('\r\n');

/**
 * Builds the body for `files`. Checks first that every `path` source is a readable file of the
 * size its part declares, because the length of the body is sent before the files are read.
 */
export async function createMultipartBody(files: readonly FilePart[]): Promise<MultipartBody> {
  checkFileSizes(files);

  const boundary = `raster-toolkit-${randomUUID()}`;
  const heads = files.map((file) => encoder.encode(partHead(boundary, file)));
  const tail = encoder.encode(`--${boundary}--\r\n`);

  let length = tail.byteLength;
  for (const [index, file] of files.entries()) {
    length += heads[index]!.byteLength + file.size + CRLF.byteLength;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    stream: Readable.from(generateBody(files, heads, tail), { objectMode: false }),
  };
}

async function* generateBody(
  files: readonly FilePart[],
  heads: readonly Uint8Array[],
  tail: Uint8Array,
): AsyncGenerator<Uint8Array, void, undefined> {
  for (const [index, file] of files.entries()) {
    yield heads[index]!;

    if (file.source.kind === 'bytes') {
      yield file.source.bytes;
    } else {
      yield* readFilePart(file, file.source.path, index);
    }

    yield CRLF;
  }
  yield tail;
}

/**
 * Size of each chunk read from a file part larger than `WHOLE_READ_MAX_BYTES`. A new buffer is
 * allocated per chunk, because the transport may still hold a chunk after taking the next one.
 * 64 KiB chunks synced 2 GB in 4.7 to 5.0 s and 16 KiB ones in 5.9 to 6.3 s, both peaking at
 * 105 MB RSS with the collections of `countReadBytes` (`npm run bench -- --only large`).
 */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Files up to this size are read with one synchronous call into a buffer of their size plus one
 * byte, which also shows whether the file grew. Read in 16 KiB chunks through the promise API, a
 * 100 kB file took 8 calls instead of 1, and each call cost more main-thread time than a
 * synchronous read of a file in the page cache.
 */
const WHOLE_READ_MAX_BYTES = 256 * 1024;

/**
 * Streams the file of part `index`, failing with a `RasterUsageError` when the file changed.
 * The parameter is `files[index].size` when the size differs, and `files[index].sha256` when the
 * bytes differ, checked before the last chunk is passed on. A read that fails gives
 * `files[index].source`.
 */
async function* readFilePart(file: FilePart, path: string, index: number): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* readFile(file, path, index);
  } catch (error) {
    if (error instanceof RasterUsageError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new RasterUsageError(
      `files[${index}].source`,
      `Invalid files[${index}].source: ${path} could not be read while it was uploaded (${String(code ?? error)}). Upload it again.`,
      { cause: error },
    );
  }
}

async function* readFile(file: FilePart, path: string, index: number): AsyncGenerator<Uint8Array, void, undefined> {
  const expectedSize = file.size;
  const hash = file.sha256 === undefined ? null : createHash('sha256');

  if (expectedSize <= WHOLE_READ_MAX_BYTES) {
    const bytes = readExpectedBytesSync(path, expectedSize);
    if (bytes.length !== expectedSize) throw sizeChanged(index, path, expectedSize, bytes.length);
    if (hash !== null) checkDigest(file, path, index, hash.update(bytes));
    yield bytes;
    return;
  }

  const handle = await open(path, READ_NONBLOCKING);
  try {
    let read = 0;
    for (;;) {
      // Past the expected end, a read of one byte only checks that the file did not grow.
      const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK_BYTES, expectedSize + 1 - read)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, read);
      read += bytesRead;
      if (read > expectedSize) break;
      if (bytesRead > 0) {
        const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
        hash?.update(chunk);
        countReadBytes(bytesRead);
        if (hash !== null && read === expectedSize) checkDigest(file, path, index, hash);
        yield chunk;
      }
      // A regular file returns fewer bytes than asked only at its end.
      if (bytesRead < buffer.length) break;
    }
    if (read !== expectedSize) throw sizeChanged(index, path, expectedSize, read);
  } finally {
    await handle.close();
  }
}

function sizeChanged(index: number, path: string, expectedSize: number, read: number): RasterUsageError {
  return new RasterUsageError(
    `files[${index}].size`,
    `Invalid files[${index}].size: ${path} changed while it was uploaded: expected ${expectedSize} bytes, read ${read}. Upload it again.`,
  );
}

/** Throws when the bytes fed to `hash` do not have the part's SHA-256. */
function checkDigest(file: FilePart, path: string, index: number, hash: Hash): void {
  const digest = hash.digest('hex');
  if (digest === file.sha256?.toLowerCase()) return;
  throw new RasterUsageError(
    `files[${index}].sha256`,
    `Invalid files[${index}].sha256: ${path} changed while it was uploaded: its bytes now have the SHA-256 ${digest}, ` +
      `not ${file.sha256}. Upload it again.`,
  );
}

/** Headers of one part, quoting the filename as browsers do in `FormData`. */
function partHead(boundary: string, file: FilePart): string {
  const filename = file.filename.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const contentType = file.contentType.replace(/[\r\n]/g, '') || 'application/octet-stream';

  return (
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${FILE_FIELD_NAME}"; filename="${filename}"\r\n` +
    `Content-Type: ${contentType}\r\n\r\n`
  );
}

/**
 * Checks every file with synchronous calls: opening a file and reading its size take a few
 * microseconds, less than the hand-off of each call to the thread pool.
 */
function checkFileSizes(files: readonly FilePart[]): void {
  for (const [index, file] of files.entries()) checkFileSize(file, index);
}

function checkFileSize(file: FilePart, index: number): void {
  if (file.source.kind !== 'path') {
    return;
  }

  const parameter = `files[${index}]`;
  let size: number;
  try {
    // Opening the file proves that it can be read, which stat alone does not.
    const fd = openSync(file.source.path, READ_NONBLOCKING);
    try {
      const stats = fstatSync(fd);
      size = stats.isFile() ? stats.size : -1;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new RasterUsageError(
      `${parameter}.source`,
      `Invalid ${parameter}.source: ${file.source.path} cannot be read (${String(code ?? error)}). Pass a readable file.`,
      { cause: error },
    );
  }

  if (size === -1) {
    throw new RasterUsageError(
      `${parameter}.source`,
      `Invalid ${parameter}.source: ${file.source.path} is not a regular file. Pass a file, not a folder or device.`,
    );
  }
  if (size !== file.size) {
    throw new RasterUsageError(
      `${parameter}.size`,
      `Invalid ${parameter}.size: ${file.size}, but ${file.source.path} has ${size} bytes. Pass the current size.`,
    );
  }
}
