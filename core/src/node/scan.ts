/**
 * Scanning: discovery, then the local pre-checks and the SHA-256 of every selected file, in one
 * pass over each file's bytes with bounded concurrency.
 */

import { createHash, hash as digest } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

import { mapWithConcurrency } from '../sync/concurrency';
import { detectMediaType, detectMediaTypeFromShortHead, MEDIA_SNIFF_BYTES, SHORT_SNIFF_BYTES } from '../sync/media-type';
import type { LocalFile } from '../sync/plan';
import { discoverFiles, type DiscoverOptions, type DiscoveredFile } from './discover';
import { eventLoopSlices } from './event-loop';
import { errorCode } from './file-system';
import { fileIdentity, READ_NO_LINKS, READ_NONBLOCKING, readExpectedBytesFromFd } from './sync-read';

/**
 * Per-file size limit of the Raster API. Not published by Raster: 100 MiB is this project's
 * reading, kept in one place so that it can change when the service documents it.
 */
export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;

/**
 * Maximum number of files over `SYNC_READ_MAX_BYTES` read at once through the thread pool. Smaller
 * files are read one at a time with synchronous calls.
 */
export const DEFAULT_HASH_CONCURRENCY = 8;

export interface ScanOptions extends DiscoverOptions {
  maxFileSize?: number | undefined;
  /** Maximum number of files over 1 MiB read at once; `DEFAULT_HASH_CONCURRENCY` when omitted. */
  hashConcurrency?: number | undefined;
  /** Called after each file is checked, with the count done and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /**
   * Called before each file of at most `HASH_ON_UPLOAD_MAX_BYTES` is read. When it returns false,
   * the file is checked but not hashed, and marked `hashOnUpload`. Every file is hashed without it.
   */
  hashNeeded?: (() => boolean) | undefined;
}

/**
 * Largest file whose hash the scan may leave to the upload. The upload keeps the bytes of such
 * files until their batch is sent, up to `DEFAULT_KEPT_BYTES` in all.
 */
export const HASH_ON_UPLOAD_MAX_BYTES = 256 * 1024;

export type ScanResult =
  | { found: true; files: LocalFile[] }
  | { found: false; reason: string };

/** Formats a size in MiB, or in bytes below 1 MiB so that a small limit does not print as 0.0 MiB. */
function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Largest read when hashing. Each file is read into one buffer of its own size, or of this size
 * for larger files, which is reused for every chunk. A read stream would allocate a new 64 KiB
 * buffer per chunk; that garbage is freed late. Hashing 2 GB of large files with streams
 * raised the peak RSS by about 65 MB against 20 MB with reused buffers. On 10,000 files of
 * 1.5 kB it was also 1.8 times slower (both measured on 2 vCPUs).
 */
const READ_CHUNK_BYTES = 1024 * 1024;

interface FileRead {
  /** Undefined when the file was read without hashing. */
  sha256: string | undefined;
  /** Identity (device, inode and change time) of a file checked without hashing, which its upload checks. */
  identity?: string;
  /** Bytes read, or the size from `fstat` for a file checked without hashing. */
  bytesRead: number;
  /** Content type detected from the head, or null when Raster does not accept the file. */
  contentType: string | null;
}

/**
 * Files up to this size are read with synchronous calls. Each promise-based call costs about
 * 10 µs of main-thread time and a hand-off to the thread pool, which for a file in the page cache
 * is more than the read itself. The hash runs on the main thread either way. On 10,000 files of
 * 1.5 kB the synchronous reads made the scan 1.6 times faster (2 vCPUs). Larger files are read
 * through the thread pool, several at once, which also suits a cold cache.
 */
const SYNC_READ_MAX_BYTES = 1024 * 1024;

/**
 * Buffer of the synchronous reads, reused by each: a file's bytes are hashed before the next read
 * starts, and a new buffer per file was garbage for the collector (100 MB for 1,000 files of
 * 100 kB).
 */
let smallFileBuffer = Buffer.alloc(0);

/**
 * Free 1 MiB read buffers for files over `SYNC_READ_MAX_BYTES`, taken per file and returned after.
 * A new buffer per file raised a 34-file dry run's peak RSS from 109 to 119 MB (2 vCPUs).
 */
const largeReadBuffers: Buffer[] = [];

/** Reads a small file with one synchronous read of its size plus one byte, and hashes it. */
function readSmallFile(absolutePath: string, expectedSize: number, flags: number): FileRead {
  if (smallFileBuffer.length <= expectedSize) smallFileBuffer = Buffer.allocUnsafe(Math.max(expectedSize + 1, 64 * 1024));
  const fd = openSync(absolutePath, flags);
  let bytes: Buffer;
  try {
    bytes = readExpectedBytesFromFd(fd, expectedSize, smallFileBuffer);
  } finally {
    closeSync(fd);
  }
  const bytesRead = bytes.length;
  const contentType = detectMediaType(bytes.subarray(0, Math.min(MEDIA_SNIFF_BYTES, bytesRead)));
  if (contentType === null) return { sha256: undefined, bytesRead, contentType };
  // The one-shot hash makes no Hash object per file: 14 instead of 20 ms over 10,000 files of
  // 1.5 kB (2 vCPUs).
  return { sha256: digest('sha256', bytes, 'hex'), bytesRead, contentType };
}

/**
 * Checks a small file without hashing it: its size from `fstat`, its type from its first bytes,
 * and its identity, which the upload checks before it reads the file. Reads 4 KiB of most images
 * instead of the whole file. For 1,000 files of 100 kB that took the scan from 55 to 47 ms
 * (medians of 12 alternating runs, 2 vCPUs).
 */
function checkUnhashedFile(absolutePath: string, flags: number): FileRead {
  if (smallFileBuffer.length < MEDIA_SNIFF_BYTES) smallFileBuffer = Buffer.allocUnsafe(MEDIA_SNIFF_BYTES);
  const fd = openSync(absolutePath, flags);
  try {
    const { identity, size } = fileIdentity(fd);
    let head = readHead(fd, Math.min(size, SHORT_SNIFF_BYTES));
    let contentType = detectMediaTypeFromShortHead(head, size);
    if (contentType === undefined) {
      head = readHead(fd, Math.min(size, MEDIA_SNIFF_BYTES));
      contentType = detectMediaType(head);
    }
    if (contentType === null) return { sha256: undefined, bytesRead: size, contentType };
    return { sha256: undefined, identity, bytesRead: size, contentType };
  } finally {
    closeSync(fd);
  }
}

/** Reads up to `length` bytes from the start of an open file into the shared small-file buffer. */
function readHead(fd: number, length: number): Buffer {
  let bytesRead = 0;
  while (bytesRead < length) {
    const count = readSync(fd, smallFileBuffer, bytesRead, length - bytesRead, bytesRead);
    if (count === 0) break;
    bytesRead += count;
  }
  return smallFileBuffer.subarray(0, bytesRead);
}

/**
 * Reads a file once: feeds every byte to SHA-256 and detects the type from the first bytes.
 * Stops one byte past `expectedSize`, which is enough to tell that the file grew, and stops
 * after the head of a file whose type Raster does not accept, which is then never hashed.
 */
async function readLargeFile(absolutePath: string, expectedSize: number, flags: number): Promise<FileRead> {
  const hash = createHash('sha256');
  const head = new Uint8Array(Math.min(MEDIA_SNIFF_BYTES, expectedSize));
  let headLength = 0;
  let bytesRead = 0;
  let contentType: string | null | undefined;
  const buffer = largeReadBuffers.pop() ?? Buffer.allocUnsafe(READ_CHUNK_BYTES);

  let handle;
  try {
    handle = await open(absolutePath, flags);
    while (bytesRead <= expectedSize) {
      const { bytesRead: count } = await handle.read(buffer, 0, buffer.length, bytesRead);
      if (count === 0) break;
      const bytes = buffer.subarray(0, count);
      hash.update(bytes);
      if (headLength < head.length) {
        const take = Math.min(head.length - headLength, count);
        head.set(bytes.subarray(0, take), headLength);
        headLength += take;
      }
      bytesRead += count;

      if (contentType === undefined && headLength === head.length) {
        contentType = detectMediaType(head);
        if (contentType === null) return { sha256: undefined, bytesRead, contentType };
      }
      // A regular file returns fewer bytes than asked only at its end, so the read that would
      // return 0 can be skipped when the expected size was reached.
      if (count < buffer.length && bytesRead === expectedSize) break;
    }
  } finally {
    largeReadBuffers.push(buffer);
    await handle?.close();
  }

  const headBytes = head.subarray(0, headLength);
  return { sha256: hash.digest('hex'), bytesRead, contentType: contentType ?? detectMediaType(headBytes) };
}

/** Explains a skip for size, saying whether the limit is the assumed default or a chosen one. */
function sizeLimitReason(size: number, maxFileSize: number): string {
  const over = `The file is ${formatSize(size)}, over the per-file limit of ${formatSize(maxFileSize)}`;
  if (maxFileSize !== DEFAULT_MAX_FILE_SIZE) {
    return `${over} set by --max-file-size, the action's max-file-size input or the maxFileSize sync option.`;
  }
  return `${over} that this toolkit assumes, because Raster does not publish its limit. ` +
    "Raise it with --max-file-size or the action's max-file-size input if your Raster plan accepts larger files.";
}

/** Returns true when `checkFile` reads the file with synchronous calls. */
function readsSynchronously(file: DiscoveredFile): boolean {
  return file.size <= SYNC_READ_MAX_BYTES;
}

/**
 * Runs the local pre-checks that need no read. Returns the file to report, and whether it must
 * still be read and hashed.
 */
function precheck(file: DiscoveredFile, maxFileSize: number): { local: LocalFile; read: boolean } {
  const local: LocalFile = { path: file.path, size: file.size, source: { kind: 'path', path: file.absolutePath } };
  if (file.verbatimPath) local.verbatimPath = true;
  if (file.rawPath !== undefined) local.rawPath = file.rawPath;

  if (file.readFailed) local.readFailed = true;
  if (file.skipReason !== undefined) local.skipReason = file.skipReason;
  else if (file.size === 0) local.skipReason = 'The file is empty, and Raster rejects empty files.';
  else if (file.size > maxFileSize) local.skipReason = sizeLimitReason(file.size, maxFileSize);
  return { local, read: local.skipReason === undefined };
}

/** Completes a checked file with the outcome of its read. */
function withRead(local: LocalFile, read: FileRead | { error: unknown }): LocalFile {
  if ('error' in read) {
    const code = errorCode(read.error);
    local.skipReason = `The file cannot be read (${code}).`;
    // A file removed since the folder was read is gone, not unreadable.
    if (code !== 'ENOENT') local.readFailed = true;
  } else if (read.contentType === null) {
    local.skipReason = 'Raster does not accept this type of file: its content is not JPEG, PNG, GIF, WebP, AVIF, ' +
      'HEIC, TIFF, BMP, SVG, MP4, QuickTime or WebM.';
  } else if (read.bytesRead !== local.size) {
    local.skipReason = 'The file changed while it was being read; run the sync again.';
  } else {
    if (read.sha256 !== undefined) {
      local.sha256 = read.sha256;
    } else {
      local.hashOnUpload = true;
      if (read.identity !== undefined) local.identity = read.identity;
    }
    local.contentType = read.contentType;
  }
  return local;
}

/**
 * Checks a file of at most `SYNC_READ_MAX_BYTES`, like `checkFile` but without a promise. Leaves
 * a file of at most `HASH_ON_UPLOAD_MAX_BYTES` unhashed when `hashNeeded` returns false.
 */
function checkFileSync(file: DiscoveredFile, maxFileSize: number, flags: number, hashNeeded?: () => boolean): LocalFile {
  const { local, read } = precheck(file, maxFileSize);
  if (!read) return local;
  const hash = file.size > HASH_ON_UPLOAD_MAX_BYTES || (hashNeeded?.() ?? true);
  let outcome: FileRead | { error: unknown };
  try {
    outcome = hash ? readSmallFile(file.absolutePath, file.size, flags) : checkUnhashedFile(file.absolutePath, flags);
  } catch (error) {
    outcome = { error };
  }
  return withRead(local, outcome);
}

/**
 * Runs the local pre-checks on one discovered file and hashes it when it passes them. `flags`
 * are those of the file's open.
 */
export async function checkFile(file: DiscoveredFile, maxFileSize: number, flags = READ_NONBLOCKING): Promise<LocalFile> {
  if (readsSynchronously(file)) return checkFileSync(file, maxFileSize, flags);
  const { local, read } = precheck(file, maxFileSize);
  if (!read) return local;
  const outcome = await readLargeFile(file.absolutePath, file.size, flags).catch((error: unknown) => ({ error }));
  return withRead(local, outcome);
}

/** Discovers, checks and hashes the files under `root`. */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const discovery = await discoverFiles(root, options);
  if (!discovery.found) return discovery;

  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  // The walk found regular files, so unless links are followed, a link at a file's path now was
  // swapped in since, and reading it could read a file outside the folder.
  // NOTE: with followSymlinks, a link swapped in between the walk and the read is followed
  // wherever it points, because the walk checked only the link it found.
  const flags = options.followSymlinks ? READ_NONBLOCKING : READ_NO_LINKS;
  const total = discovery.files.length;
  const files = new Array<LocalFile>(total);
  let done = 0;
  const record = (index: number, file: LocalFile): void => {
    files[index] = file;
    done += 1;
    options.onProgress?.(done, total);
  };

  // Large files are read through the thread pool, several at once, and small ones here with
  // synchronous calls and no promise per file. Over the benchmark's 10,000 files of 1.5 kB,
  // `scanFolder` took 108 instead of 115 ms (medians of 16 alternating runs, 2 vCPUs).
  const large: number[] = [];
  const small: number[] = [];
  discovery.files.forEach((file, index) => (readsSynchronously(file) ? small : large).push(index));

  // The first failure, from a large file or a small one, stops both before their next file.
  let failure: { error: unknown } | undefined;
  const largeDone = mapWithConcurrency(large, options.hashConcurrency ?? DEFAULT_HASH_CONCURRENCY, async (index) => {
    if (failure === undefined) record(index, await checkFile(discovery.files[index]!, maxFileSize, flags));
  }).catch((error: unknown) => {
    failure ??= { error };
  });

  const nextSlice = eventLoopSlices();
  try {
    for (const index of small) {
      if (failure !== undefined) break;
      await nextSlice();
      record(index, checkFileSync(discovery.files[index]!, maxFileSize, flags, options.hashNeeded));
    }
  } catch (error) {
    failure ??= { error };
  }
  await largeDone;
  // The upload that follows does not read through these buffers, so they are left to the collector.
  largeReadBuffers.length = 0;
  if (failure !== undefined) throw failure.error;
  return { found: true, files };
}
