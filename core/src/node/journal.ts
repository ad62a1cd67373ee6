/** The upload journal kept in a JSON file, by default under the system's temporary folder. */

import { chmod, lstat, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sha256Hex } from '../sync/sha256';
import type { PendingBatch, UploadJournal } from '../sync/journal';
import { errorCode } from './file-system';

/**
 * Folder of the journal files when `SyncOptions.journalDir` is omitted: one per user on systems
 * with user ids, so that one user's folder neither blocks nor shows another's runs.
 */
export function defaultJournalDir(): string {
  const uid = process.getuid?.();
  return path.join(tmpdir(), uid === undefined ? 'raster-sync' : `raster-sync-${uid}`);
}

/**
 * Creates the journal folder, open to its user alone, and checks that it is a folder this user
 * owns. Throws an error that names the folder and the fix, which ends with `elsewhere`: how to
 * choose another folder, such as `set TMPDIR to a folder that this user can write`.
 */
export async function prepareJournalDir(folder: string, elsewhere: string): Promise<void> {
  let stats;
  try {
    // A file in the folder's place fails with EEXIST, and is named below.
    await mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      if (errorCode(error) !== 'EEXIST') throw error;
    });
    stats = await lstat(folder);
  } catch (error) {
    throw new Error(`The upload journal folder ${folder} cannot be created (${errorCode(error)}). Make its parent folder writable, or ${elsewhere}.`, { cause: error });
  }
  if (!stats.isDirectory()) throw new Error(`The upload journal folder ${folder} is not a folder. Remove it, or ${elsewhere}.`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new Error(
      `The upload journal folder ${folder} belongs to another user (uid ${stats.uid}), who could read or change this user's journal. ` +
        `Remove it, or ${elsewhere}.`,
    );
  }
  // A folder made earlier with a wider mode is closed to other users too.
  if (uid !== undefined && (stats.mode & 0o077) !== 0) await chmod(folder, 0o700);
}

/** Returns the journal file of one sync (its owner tag) into one library of one service. */
export function journalFileFor(folder: string, apiUrl: string, libraryId: string, ownerTag: string): string {
  const key = sha256Hex([apiUrl, libraryId, ownerTag].join('\u0000')).slice(0, 32);
  return path.join(folder, `${key}.json`);
}

/**
 * A journal in one JSON file, rewritten through a temporary file and a rename so that a killed
 * process leaves either the old or the new content, and removed when it has no batch. The file is read once, and the batches are
 * then kept in memory. Changes made while a write is in progress go to disk together in the next
 * write, and each `add` and `remove` resolves once a write that contains its change has finished.
 * Two processes must not write one journal at once: `syncFolder` holds a lock file beside it for
 * the whole run, which keeps out a second run that uses the same journal folder.
 */
export class FileJournal implements UploadJournal {
  /** The batches as read from the file, then changed in place by every `add` and `remove`. */
  private batches: Promise<PendingBatch[]> | undefined;
  /** The last write started or waiting to start. */
  private lastWrite: Promise<void> = Promise.resolve();
  /** A write that has not taken its snapshot yet, which every new change can join. */
  private waitingWrite: Promise<void> | undefined;

  constructor(readonly filePath: string) {}

  async load(): Promise<PendingBatch[]> {
    return [...(await this.current())];
  }

  async add(batch: PendingBatch): Promise<void> {
    const batches = await this.current();
    const replaced = removeBatch(batches, (entry) => entry.id === batch.id);
    batches.push(batch);
    try {
      await this.save(batches);
    } catch (error) {
      // The caller goes on without this entry, so no later write should bring it back. The file
      // still contains the entry it replaced, so later writes keep that one.
      removeBatch(batches, (entry) => entry === batch);
      if (!batches.some((entry) => entry.id === batch.id)) batches.push(...replaced);
      throw error;
    }
  }

  async remove(batchId: string): Promise<void> {
    const batches = await this.current();
    const removed = removeBatch(batches, (entry) => entry.id === batchId);
    if (removed.length === 0) return;
    try {
      await this.save(batches);
    } catch (error) {
      // The file still contains the batch, so later writes keep it unless it was added again.
      if (!batches.some((entry) => entry.id === batchId)) batches.push(...removed);
      throw error;
    }
  }

  private current(): Promise<PendingBatch[]> {
    this.batches ??= this.read().catch((error: unknown) => {
      this.batches = undefined;
      throw error;
    });
    return this.batches;
  }

  /** Writes the batches after the write in progress, or joins a write that has not started. */
  private save(batches: PendingBatch[]): Promise<void> {
    if (this.waitingWrite !== undefined) return this.waitingWrite;
    const write = this.lastWrite.catch(() => undefined).then(() => {
      this.waitingWrite = undefined;
      // A journal with no batch is no file, so finished runs leave nothing in the folder.
      return batches.length === 0 ? this.removeFile() : this.write(JSON.stringify(batches));
    });
    this.waitingWrite = write;
    this.lastWrite = write;
    return write;
  }

  private async read(): Promise<PendingBatch[]> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as PendingBatch[]) : [];
  }

  private async removeFile(): Promise<void> {
    try {
      await unlink(this.filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  private async write(text: string): Promise<void> {
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The folder is made at the first write, and again if a cleaner of temporary files removed it.
      await mkdir(path.dirname(this.filePath), { recursive: true });
      await writeFile(temporary, text);
    }
    await rename(temporary, this.filePath);
  }
}

/** Removes the batches that match and returns them. */
function removeBatch(batches: PendingBatch[], matches: (batch: PendingBatch) => boolean): PendingBatch[] {
  const removed = batches.filter(matches);
  if (removed.length > 0) batches.splice(0, batches.length, ...batches.filter((batch) => !matches(batch)));
  return removed;
}
