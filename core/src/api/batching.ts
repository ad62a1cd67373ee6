/** Splitting of work into requests that stay within the API's per-request limits. */

import { RasterUsageError } from '../errors';
import type { FilePart } from '../transport';
import { DEFAULT_UPLOAD_BATCH_BYTES, MAX_FILES_PER_UPLOAD } from './limits';

/** Splits items into consecutive groups of at most `size`, keeping their order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RasterUsageError('size', `Invalid batch size: ${String(size)}. Pass an integer of at least 1.`);
  }

  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    groups.push(items.slice(start, start + size));
  }
  return groups;
}

export interface FileBatchOptions {
  /** Files per request; at most 20, the API's limit, which is also the default. */
  maxFiles?: number;
  /** Bytes per request; 64 MiB by default. A larger file goes alone in its own request. */
  maxBytes?: number;
}

/**
 * Splits files into upload requests of at most `maxFiles` files and `maxBytes` bytes, keeping
 * their order, so each batch is one `uploadAssets` call.
 */
export function batchFileParts(files: readonly FilePart[], options: FileBatchOptions = {}): FilePart[][] {
  const maxFiles = options.maxFiles ?? MAX_FILES_PER_UPLOAD;
  const maxBytes = options.maxBytes ?? DEFAULT_UPLOAD_BATCH_BYTES;

  if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > MAX_FILES_PER_UPLOAD) {
    throw new RasterUsageError(
      'maxFiles',
      `Invalid maxFiles: ${String(maxFiles)}. Pass an integer from 1 to ${MAX_FILES_PER_UPLOAD}.`,
    );
  }
  if (!Number.isFinite(maxBytes) || maxBytes < 1) {
    throw new RasterUsageError('maxBytes', `Invalid maxBytes: ${String(maxBytes)}. Pass a byte count of at least 1.`);
  }

  const batches: FilePart[][] = [];
  let current: FilePart[] = [];
  let currentBytes = 0;

  for (const file of files) {
    const full = current.length >= maxFiles || (current.length > 0 && currentBytes + file.size > maxBytes);
    if (full) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(file);
    currentBytes += file.size;
  }

  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}
