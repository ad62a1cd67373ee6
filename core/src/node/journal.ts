/** The upload journal kept in a JSON file, by default under the system's temporary folder. */

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { sha256Hex } from '../sync/sha256';
import type { PendingBatch, UploadJournal } from '../sync/journal';

/** Folder of the journal files when `SyncOptions.journalDir` is omitted. */
export function defaultJournalDir(): string {
  return path.join(tmpdir(), 'raster-sync');
}

/** Returns the journal file of one sync (its owner tag) into one library of one service. */
export function journalFileFor(folder: string, apiUrl: string, libraryId: string, ownerTag: string): string {
  const key = sha256Hex([apiUrl, libraryId, ownerTag].join('\u0000')).slice(0, 32);
  return path.join(folder, `${key}.json`);
}

/**
 * A journal in one JSON file, rewritten through a temporary file and a rename so that a killed
 * process leaves either the old or the new content. Operations of one process run one at a time.
 * Two processes must not write one journal at once: `syncFolder` holds a lock file beside it for
 * the whole run, which keeps out a second run that uses the same journal folder.
 */
export class FileJournal implements UploadJournal {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly filePath: string) {}

  load(): Promise<PendingBatch[]> {
    return this.serialize(() => this.read());
  }

  add(batch: PendingBatch): Promise<void> {
    return this.serialize(async () => {
      const batches = (await this.read()).filter((entry) => entry.id !== batch.id);
      await this.write([...batches, batch]);
    });
  }

  remove(batchId: string): Promise<void> {
    return this.serialize(async () => {
      const batches = await this.read();
      const kept = batches.filter((entry) => entry.id !== batchId);
      if (kept.length !== batches.length) await this.write(kept);
    });
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
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

  private async write(batches: PendingBatch[]): Promise<void> {
    await mkdir(path.dirname(this.filePath), { recursive: true });
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(batches));
    await rename(temporary, this.filePath);
  }
}
