/**
 * Discovery: walks the sync root and lists the files that take part in the sync, with paths in
 * the canonical form (relative, `/` separators, Unicode NFC), except names skipped for their
 * characters, which keep them.
 */

import { type Dirent, readdirSync, statSync } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

import { canonicalRelativePath } from '../sync/paths';
import { compareStrings } from '../sync/plan';
import { eventLoopSlices } from './event-loop';
import { errorCode, isInside } from './file-system';
import { FileFilter } from './patterns';

export interface DiscoverOptions {
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  /**
   * Walk files and folders whose name starts with `.`; false by default. The folders of version
   * control systems (`.git`, `.hg`, `.svn`) are never walked.
   */
  includeHidden?: boolean | undefined;
  /**
   * Follow symbolic links whose target is inside the root; false by default. A link that points
   * outside the root is never followed, and a link back to one of its own parent folders is
   * reported as a loop.
   */
  followSymlinks?: boolean | undefined;
  /**
   * Called once the root is known to be a folder, before it is walked. The sync starts its
   * listing then, so that the listing runs during the walk and the hashing.
   */
  onFolderFound?: (() => void) | undefined;
}

/** A file found under the root. */
export interface DiscoveredFile {
  /**
   * Canonical relative path, except for a name skipped for a backslash or a control character:
   * that name keeps its real characters after the parent folder's canonical path.
   */
  path: string;
  /** Set when `path` keeps the real characters of a name skipped for them. */
  verbatimPath?: true;
  /**
   * The relative path as the file system stores it, with `/` separators, when it differs from
   * `path`: a name in another Unicode normalisation than NFC. Messages show it to tell apart names
   * that are equal in NFC.
   */
  rawPath?: string;
  /** Path to read the bytes from (the link's own path when a symbolic link was followed). */
  absolutePath: string;
  size: number;
  /** Reason the file takes no part in the sync, when it cannot. */
  skipReason?: string;
  /** Set when the file or folder is there but could not be read. */
  readFailed?: true;
}

/** Folders that contain a version control system's data. */
const VERSION_CONTROL_FOLDERS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn']);

export type DiscoveryResult =
  | { found: true; files: DiscoveredFile[] }
  | { found: false; reason: string };

interface WalkState {
  root: string;
  realRoot: string;
  filter: FileFilter;
  options: DiscoverOptions;
  files: DiscoveredFile[];
  /** Pause to await before each folder read and each `stat`, since both are synchronous. */
  nextSlice: () => Promise<void>;
}

/**
 * Lists the files under `root` that the include and exclude patterns select, sorted by path.
 * Files that are selected but cannot take part (unfollowed links, links out of the root, loops,
 * unreadable folders, special files) come back with a `skipReason`. Resolves with
 * `{ found: false }` when the root is missing or is not a folder.
 */
export async function discoverFiles(root: string, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const absoluteRoot = path.resolve(root);

  let rootStats;
  try {
    rootStats = await stat(absoluteRoot);
  } catch (error) {
    return { found: false, reason: `The folder ${absoluteRoot} does not exist (${errorCode(error)}). Check the path: it must name an existing folder.` };
  }
  if (!rootStats.isDirectory()) {
    return { found: false, reason: `${absoluteRoot} is not a folder. Pass the folder that contains the files to sync.` };
  }
  options.onFolderFound?.();

  const state: WalkState = {
    root: absoluteRoot,
    realRoot: await realpath(absoluteRoot),
    filter: new FileFilter(options.include, options.exclude),
    options,
    files: [],
    nextSlice: eventLoopSlices(),
  };
  await walk(state, absoluteRoot, state.realRoot, new Set([state.realRoot]));

  state.files.sort((a, b) => compareStrings(a.path, b.path));
  return { found: true, files: state.files };
}

/** Pattern of the characters that `nameProblem` may reject. Names without them skip the call. */
// eslint-disable-next-line no-control-regex
const SUSPECT_NAME = /[\u0000-\u001f\u007f\\\uFFFD]/;

/**
 * Returns why a file or folder name cannot be synced, or undefined when it can. Such names are
 * valid on Linux but would not reach Raster intact or would sync differently on Windows.
 */
async function nameProblem(folder: string, name: string): Promise<string | undefined> {
  // Node decodes bytes that are not UTF-8 as U+FFFD, so the decoded name no longer leads to the
  // file. A name that really contains U+FFFD still does.
  if (name.includes('\uFFFD')) {
    try {
      await lstat(path.join(folder, name));
    } catch {
      return 'Its name is not valid UTF-8, so it cannot be sent to Raster. Rename it using UTF-8 characters.';
    }
  }
  if (name.includes('\\')) {
    return 'Its name contains a backslash, which Windows reads as a folder separator, so the folder would sync differently there. Rename it without the backslash.';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return 'Its name contains a control character such as a line break, which Windows forbids and which would break log lines. Rename it.';
  }
  return undefined;
}

/**
 * Walks `folder`, whose real path (every link resolved) is `realFolder`. `ancestors` contains the
 * real paths of the folders above it, to tell a link back to one of them.
 */
async function walk(state: WalkState, folder: string, realFolder: string, ancestors: ReadonlySet<string>): Promise<void> {
  let entries: Dirent[];
  await state.nextSlice();
  try {
    // One synchronous call per folder: reading a folder through `opendir` took several hand-offs
    // to the thread pool, and the walk of 10,000 files in 100 folders spent about 40 ms waiting.
    entries = readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    const relative = path.relative(state.root, folder);
    state.files.push({
      path: relative === '' ? './' : `${canonicalRelativePath(relative)}/`,
      absolutePath: folder,
      size: 0,
      skipReason: `The folder cannot be read (${errorCode(error)}).`,
      readFailed: true,
    });
    return;
  }
  entries.sort((a, b) => compareStrings(a.name, b.name));

  // The canonical path of each entry is the folder's plus the entry's name in NFC. A name from
  // readdir is never empty, `.` or `..`, has no `/`, and one with a backslash is skipped below.
  const folderRelative = path.relative(state.root, folder);
  const folderPrefix = folderRelative === '' ? '' : `${canonicalRelativePath(folderRelative)}/`;
  // For the same reason the absolute path is the folder's, which is already normalised, plus a
  // separator and the name. path.join normalised it again for each file: about 5 ms of a CPU
  // profile over 10,000 files.
  const absolutePrefix = folder.endsWith(path.sep) ? folder : `${folder}${path.sep}`;
  // The relative path as stored on disk, kept for names whose NFC form differs.
  const rawFolderPrefix = folderRelative === '' ? '' : `${folderRelative.split(path.sep).join('/')}/`;
  const folderIsNfc = rawFolderPrefix === folderPrefix;

  // The sizes of the files are read together after the loop; the final sort restores the order.
  const files: Array<{ absolutePath: string; relativePath: string; rawPath: string | undefined; isRegular: boolean }> = [];
  for (const entry of entries) {
    if (!state.options.includeHidden && entry.name.startsWith('.')) continue;
    // A repository's own data is never content to sync, even when hidden files are included.
    if (VERSION_CONTROL_FOLDERS.has(entry.name) && entry.isDirectory()) continue;

    const absolutePath = absolutePrefix + entry.name;
    const problem = SUSPECT_NAME.test(entry.name) ? await nameProblem(folder, entry.name) : undefined;
    if (problem !== undefined) {
      // The name keeps its real characters (a backslash is not a separator here), so the
      // adapters print it as the JSON string it is. Only the parent folder's path is canonical.
      const rawPath = folderPrefix + entry.name;
      if (entry.isDirectory()) {
        state.files.push({ path: `${rawPath}/`, verbatimPath: true, absolutePath, size: 0, skipReason: `The folder is not synced. ${problem}` });
      } else if (state.filter.accepts(rawPath)) {
        state.files.push({ path: rawPath, verbatimPath: true, absolutePath, size: 0, skipReason: problem });
      }
      continue;
    }

    const name = entry.name.normalize('NFC');
    const relativePath = folderPrefix + name;
    const rawRelativePath = name === entry.name && folderIsNfc ? undefined : rawFolderPrefix + entry.name;

    if (entry.isSymbolicLink()) {
      await visitLink(state, absolutePath, relativePath, ancestors, rawRelativePath);
    } else if (entry.isDirectory()) {
      // A folder that is not a link lies in its parent's real path. realpath() per folder would
      // check every component of the path again, which grows with the cube of the depth: a tree
      // 800 folders deep took 5 s.
      const realPath = path.join(realFolder, entry.name);
      await walk(state, absolutePath, realPath, new Set([...ancestors, realPath]));
    } else if (state.filter.accepts(relativePath)) {
      files.push({ absolutePath, relativePath, rawPath: rawRelativePath, isRegular: entry.isFile() });
    }
  }

  for (const file of files) {
    await state.nextSlice();
    addFile(state, file.absolutePath, file.relativePath, file.isRegular, file.rawPath);
  }
}

async function visitLink(
  state: WalkState,
  linkPath: string,
  relativePath: string,
  ancestors: ReadonlySet<string>,
  rawPath: string | undefined,
): Promise<void> {
  const skip = (skipReason: string, readFailed = false): void => {
    const file: DiscoveredFile = { path: relativePath, absolutePath: linkPath, size: 0, skipReason };
    if (rawPath !== undefined) file.rawPath = rawPath;
    if (readFailed) file.readFailed = true;
    state.files.push(file);
  };

  if (!state.options.followSymlinks) {
    if (state.filter.accepts(relativePath)) {
      skip('It is a symbolic link, and symbolic links are not followed unless following symbolic links is on ' +
        "(--follow-symlinks, or the action's follow-symlinks input).");
    }
    return;
  }

  let target: string;
  try {
    target = await realpath(linkPath);
  } catch (error) {
    if (state.filter.accepts(relativePath)) skip(`The symbolic link is broken (${errorCode(error)}).`);
    return;
  }

  if (!isInside(state.realRoot, target)) {
    if (state.filter.accepts(relativePath)) skip('The symbolic link points outside the synced folder, so it is not followed.');
    return;
  }

  let targetStats;
  try {
    targetStats = await stat(target);
  } catch (error) {
    skip(`The link target cannot be read (${errorCode(error)}).`, true);
    return;
  }
  if (targetStats.isDirectory()) {
    if (ancestors.has(target)) {
      state.files.push({
        path: `${relativePath}/`,
        absolutePath: linkPath,
        size: 0,
        skipReason: 'The symbolic link points to one of its own parent folders (a loop), so it is not followed.',
      });
      return;
    }
    await walk(state, linkPath, target, new Set([...ancestors, target]));
  } else if (state.filter.accepts(relativePath)) {
    addFile(state, linkPath, relativePath, targetStats.isFile(), rawPath);
  }
}

function addFile(state: WalkState, absolutePath: string, relativePath: string, isRegular: boolean, rawPath?: string): void {
  const file: DiscoveredFile = { path: relativePath, absolutePath, size: 0 };
  if (rawPath !== undefined) file.rawPath = rawPath;
  state.files.push(file);
  if (!isRegular) {
    file.skipReason = 'It is not a regular file.';
    return;
  }

  try {
    // A synchronous stat of a file takes a few microseconds. Through the promise API, 16 at a
    // time, each call cost more main-thread time than that, for the hand-off to the thread pool.
    file.size = statSync(absolutePath).size;
  } catch (error) {
    file.skipReason = `The file cannot be read (${errorCode(error)}).`;
    // A file removed since the folder was read is gone, not unreadable.
    if (errorCode(error) !== 'ENOENT') file.readFailed = true;
  }
}

