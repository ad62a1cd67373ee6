import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomAlphanumeric } from '../random';
import { lockDataDir } from './data-lock';
import type { StateSnapshot } from './records';

const STATE_FILE = 'state.json';

/**
 * Maximum bytes of uploaded files that an emulator without a data folder keeps in memory. Once
 * they are reached, files are written to disk, like the files too large to keep in memory.
 */
export const MEMORY_BLOBS_BYTES = 256 * 1024 * 1024;

export interface PersistenceOptions {
  /** Maximum bytes of uploaded files kept in memory without a data folder. */
  memoryBlobsBytes?: number;
}

/** An uploaded file waiting to be stored: its bytes in memory, or a temporary file. */
export interface UploadedBytes {
  bytes: Buffer | null;
  tempPath: string | null;
}

/** The location of a stored file's bytes: a buffer in memory or a file path. */
export type StoredBlob = { bytes: Buffer; path?: undefined } | { path: string; bytes?: undefined };

/**
 * Storage of the emulator's state and uploaded files. With a data folder, state and files
 * survive restarts and every write is atomic. The bytes go to a temporary file that is flushed
 * with fsync and then renamed over the old one, so a killed process leaves the previous or the
 * new version, never a torn one. Without a data folder, state stays in memory, and so do the
 * files received in memory (up to 1 MiB each), until they take `MEMORY_BLOBS_BYTES` in all. Other
 * files go to a private temporary folder that `close()` removes.
 */
export class Persistence {
  readonly filesDir: string;
  readonly tempDir: string;
  private readonly root: string;
  private readonly durable: boolean;
  private readonly snapshot: () => StateSnapshot;
  private current: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private readonly memoryBlobs = new Map<string, Buffer>();
  private readonly memoryBlobsLimit: number;
  private memoryBlobsBytes = 0;
  private releaseLock: (() => Promise<void>) | null = null;

  private constructor(root: string, durable: boolean, snapshot: () => StateSnapshot, options: PersistenceOptions) {
    this.root = root;
    this.memoryBlobsLimit = options.memoryBlobsBytes ?? MEMORY_BLOBS_BYTES;
    this.durable = durable;
    this.snapshot = snapshot;
    this.filesDir = join(root, 'files');
    this.tempDir = join(root, 'tmp');
  }

  /** Opens the data folder (created when missing) or, with `dataDir` null, a temporary one. */
  static async open(dataDir: string | null, snapshot: () => StateSnapshot, options: PersistenceOptions = {}): Promise<Persistence> {
    const root = dataDir ?? (await mkdtemp(join(tmpdir(), `raster-emulator-${process.pid}-`)));
    const persistence = new Persistence(root, dataDir !== null, snapshot, options);
    // Two emulators on one data folder would overwrite each other's state, and the cleanup below
    // would remove the files of the other's uploads in progress.
    if (dataDir !== null) {
      await mkdir(root, { recursive: true });
      persistence.releaseLock = await lockDataDir(root);
    }
    try {
      await mkdir(persistence.filesDir, { recursive: true });
      // Upload files and state files left half-written by a killed process belong to nothing.
      await rm(persistence.tempDir, { recursive: true, force: true });
      await mkdir(persistence.tempDir, { recursive: true });
      for (const name of await readdir(root)) {
        if (name.startsWith(`${STATE_FILE}.`) && name.endsWith('.tmp')) {
          await rm(join(root, name), { force: true });
        }
      }
    } catch (error) {
      await persistence.releaseLock?.();
      throw error;
    }
    return persistence;
  }

  /** Reads the saved state, or returns null when the data folder has none. */
  async load(): Promise<StateSnapshot | null> {
    if (!this.durable) {
      return null;
    }
    let text: string;
    try {
      text = await readFile(join(this.root, STATE_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }
    let snapshot: StateSnapshot;
    try {
      snapshot = JSON.parse(text) as StateSnapshot;
    } catch (error) {
      throw new Error(
        `Invalid state file ${join(this.root, STATE_FILE)}: ${(error as Error).message}. The emulator did not write it; use another --data folder.`,
      );
    }
    if (snapshot.version !== 1) {
      throw new Error(
        `Unsupported state file version ${String(snapshot.version)} in ${join(this.root, STATE_FILE)}; use an empty --data folder.`,
      );
    }
    return snapshot;
  }

  /**
   * Writes the current state. Calls made while a write runs share the next write, which takes its
   * snapshot when it starts, so every change is on disk when the returned promise resolves.
   */
  save(): Promise<void> {
    if (!this.durable) {
      return Promise.resolve();
    }
    if (this.queued !== null) {
      return this.queued;
    }
    const previous = this.current ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.writeAtomically(join(this.root, STATE_FILE), JSON.stringify(this.snapshot()));
      });
    this.queued = next;
    this.current = next;
    return next;
  }

  /** Returns a fresh path in the temporary folder for an upload in progress. */
  tempPath(): string {
    return join(this.tempDir, `upload-${randomAlphanumeric(16)}`);
  }

  blobPath(assetId: string): string {
    return join(this.filesDir, assetId);
  }

  /**
   * Stores an uploaded file under the asset's id: kept in memory when there is no data folder and
   * the memory budget allows, otherwise written to or moved into the files folder.
   */
  async storeBlob(upload: UploadedBytes, assetId: string): Promise<void> {
    if (upload.bytes !== null) {
      const size = upload.bytes.length;
      if (!this.durable && this.memoryBlobsBytes + size <= this.memoryBlobsLimit) {
        this.memoryBlobs.set(assetId, upload.bytes);
        this.memoryBlobsBytes += size;
        return;
      }
      const temp = this.tempPath();
      try {
        await writeThenRename(temp, this.blobPath(assetId), upload.bytes, this.durable);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return;
    }
    if (upload.tempPath === null) {
      throw new Error(`The upload for asset "${assetId}" has neither bytes nor a temporary file.`);
    }
    if (this.durable) {
      await syncPath(upload.tempPath, 'r+');
    }
    await rename(upload.tempPath, this.blobPath(assetId));
  }

  /** Finds the asset's stored bytes in memory or on disk, or returns null when nothing is stored for it. */
  async findBlob(assetId: string): Promise<StoredBlob | null> {
    const bytes = this.memoryBlobs.get(assetId);
    if (bytes !== undefined) {
      return { bytes };
    }
    const path = this.blobPath(assetId);
    try {
      await stat(path);
    } catch {
      return null;
    }
    return { path };
  }

  /** Removes the asset's stored bytes from memory or disk. A missing file is not an error. */
  async removeBlob(assetId: string): Promise<void> {
    const bytes = this.memoryBlobs.get(assetId);
    if (bytes !== undefined) {
      this.memoryBlobs.delete(assetId);
      this.memoryBlobsBytes -= bytes.length;
    }
    await rm(this.blobPath(assetId), { force: true });
  }

  /** Flushes the files folder so that renames done by `storeBlob` survive a crash. */
  async syncFiles(): Promise<void> {
    if (this.durable) {
      await syncPath(this.filesDir, 'r');
    }
  }

  /**
   * Removes stored files that belong to no asset of the loaded state, which a process killed
   * between storing an upload's files and saving its state leaves behind.
   */
  async removeOrphanBlobs(assetIds: ReadonlySet<string>): Promise<void> {
    for (const name of await readdir(this.filesDir)) {
      if (!assetIds.has(name)) {
        await rm(join(this.filesDir, name), { force: true });
      }
    }
  }

  async removeAllBlobs(): Promise<void> {
    this.memoryBlobs.clear();
    this.memoryBlobsBytes = 0;
    await rm(this.filesDir, { recursive: true, force: true });
    await mkdir(this.filesDir, { recursive: true });
  }

  /** Waits for pending writes, then removes temporary uploads, or the whole folder of an in-memory emulator. */
  async close(): Promise<void> {
    await this.current?.catch(() => undefined);
    if (this.durable) {
      await rm(this.tempDir, { recursive: true, force: true });
    } else {
      await rm(this.root, { recursive: true, force: true });
    }
    await this.releaseLock?.();
    this.releaseLock = null;
  }

  private async writeAtomically(path: string, text: string): Promise<void> {
    await writeThenRename(`${path}.${randomAlphanumeric(8)}.tmp`, path, text, true);
    await syncPath(this.root, 'r');
  }
}

/**
 * Writes `data` to `temp`, flushed with fsync when `flush` is set, then renames it to `target`.
 * The file is open to its user alone, because the state contains the API keys.
 */
async function writeThenRename(temp: string, target: string, data: string | Buffer, flush: boolean): Promise<void> {
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    if (flush) {
      await handle.sync();
    }
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}

async function syncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
