import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { randomPng } from './png';
import type { SeededRandom } from './random';

/** One file of a generated folder: its bytes and whether the API accepts it as an asset. */
export interface GeneratedFile {
  bytes: Buffer;
  uploadable: boolean;
}

/** What one call to `GeneratedFolder.mutate` changed, by relative path. */
export interface FolderChanges {
  added: string[];
  edited: string[];
  deleted: string[];
  renamed: Array<{ from: string; to: string }>;
}

const DIRECTORIES = ['', 'screens', 'docs/figures', 'art/2026', 'Release Art', 'café'];
const WORDS = ['home', 'login', 'chart', 'logo', 'hero', 'banner', 'map', 'icon', 'photo', 'diagram'];
const EXTENSIONS = ['.png', '.png', '.png', '.PNG'];

/**
 * A folder of small files described in memory (relative POSIX paths in Unicode NFC) and
 * written to disk by `writeFolder`. Paths never differ only by case, because a sync reports
 * such pairs instead of uploading them.
 */
export class GeneratedFolder {
  readonly files = new Map<string, GeneratedFile>();

  constructor(private readonly random: SeededRandom) {}

  /** Relative paths of the files the API accepts, sorted. */
  uploadablePaths(): string[] {
    return [...this.files].filter(([, file]) => file.uploadable).map(([path]) => path).sort();
  }

  private hasPathIgnoringCase(path: string): boolean {
    const lower = path.toLowerCase();
    for (const existing of this.files.keys()) {
      if (existing.toLowerCase() === lower) return true;
    }
    return false;
  }

  /** Draws a path that no file of the folder uses, even ignoring case. */
  newImagePath(): string {
    for (let attempt = 0; attempt < 1000; attempt += 1) {
      const directory = this.random.pick(DIRECTORIES);
      const name = `${this.random.pick(WORDS)}-${this.random.int(1, 999)}${this.random.pick(EXTENSIONS)}`;
      const path = directory === '' ? name : `${directory}/${name}`;
      if (!this.hasPathIgnoringCase(path)) return path.normalize('NFC');
    }
    throw new Error('no free file name after 1000 draws; the folder is too full for the vocabulary');
  }

  addImage(path = this.newImagePath()): string {
    this.files.set(path, { bytes: randomPng(this.random), uploadable: true });
    return path;
  }

  /** Adds files that a sync must skip: text, JSON, and a text file named like an image. */
  addNonImages(): void {
    this.files.set('notes.md', { bytes: Buffer.from('# Notes\n\nNot an image.\n'), uploadable: false });
    this.files.set('docs/data.json', { bytes: Buffer.from('{"not":"an image"}\n'), uploadable: false });
    this.files.set('docs/fake.png', { bytes: Buffer.from('this is text with a .png name\n'), uploadable: false });
  }

  /**
   * Applies a random mix of adds, edits, deletes and renames to the uploadable files. Every
   * kind is drawn independently, so some calls change nothing of a kind.
   */
  mutate(maxPerKind: number): FolderChanges {
    const changes: FolderChanges = { added: [], edited: [], deleted: [], renamed: [] };

    for (const path of this.random.sample(this.uploadablePaths(), this.random.int(0, maxPerKind))) {
      this.files.set(path, { bytes: randomPng(this.random), uploadable: true });
      changes.edited.push(path);
    }

    const untouched = this.uploadablePaths().filter((path) => !changes.edited.includes(path));
    const picked = this.random.sample(untouched, this.random.int(0, maxPerKind * 2));
    const toDelete = picked.slice(0, Math.ceil(picked.length / 2));
    const toRename = picked.slice(toDelete.length);
    for (const path of toDelete) {
      this.files.delete(path);
      changes.deleted.push(path);
    }
    for (const from of toRename) {
      const file = this.files.get(from);
      if (file === undefined) continue;
      this.files.delete(from);
      const to = this.newImagePath();
      this.files.set(to, file);
      changes.renamed.push({ from, to });
    }

    for (let i = this.random.int(0, maxPerKind); i > 0; i -= 1) changes.added.push(this.addImage());
    return changes;
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Makes the folder at `root` hold exactly the files of `folder`, removing any other file. */
export async function writeFolder(root: string, folder: GeneratedFolder): Promise<void> {
  await mkdir(root, { recursive: true });
  const existing = await listFiles(root);
  for (const path of existing) {
    if (!folder.files.has(path)) await rm(join(root, path));
  }
  for (const [path, file] of folder.files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), file.bytes);
  }
  await removeEmptyDirectories(root, root);
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out;
}

async function removeEmptyDirectories(root: string, directory: string): Promise<boolean> {
  let empty = true;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.isDirectory() && (await removeEmptyDirectories(root, join(directory, entry.name)))) continue;
    empty = false;
  }
  if (empty && directory !== root) await rmdir(directory);
  return empty;
}
