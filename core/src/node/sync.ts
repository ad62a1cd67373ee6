/**
 * `syncFolder`: the Node entry of the sync engine. Wires the undici transport, the client, the
 * file scanner and the real clock into the pure engine.
 */

import { hash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { checkBaseUrl } from '../api/validate';
import { RasterClient } from '../client';
import { DEFAULT_BASE_URL } from '../api/limits';
import { reportStoppedBeforeStart, runSync } from '../sync/engine';
import { ownerTagFor } from '../sync/tags';
import { connectionsFor, resolveSyncOptions, type ResolvedSyncOptions } from '../sync/options';
import type { SyncOptions, SyncReport } from '../sync/types';
import { errorCode } from './file-system';
import { defaultJournalDir, FileJournal, journalFileFor, prepareJournalDir } from './journal';
import { acquireRunLock, lockFileFor, lockHolder, type RunLock } from './run-lock';
import { scanFolder } from './scan';
import { uploadReader } from './sync-read';
import { createUndiciTransport } from './undici-transport';

/** Finds the nearest folder at or above `start` that contains `.git`. */
function findRepositoryRoot(start: string): string | undefined {
  for (let folder = start; ; folder = path.dirname(folder)) {
    try {
      statSync(path.join(folder, '.git'));
      return folder;
    } catch {
      // Not here; try the parent.
    }
    if (path.dirname(folder) === folder) return undefined;
  }
}

/**
 * Reads the repository's path on its host from the `origin` remote, when it has one. That is
 * `owner/name` on GitHub, and every group on hosts that nest them, such as `group/sub/site` on
 * GitLab, so that projects of different groups never share an id. A remote that is a local path
 * gives its last two folders.
 */
function originRepository(root: string): string | undefined {
  let config: string;
  try {
    config = readFileSync(path.join(root, '.git', 'config'), 'utf8');
  } catch {
    return undefined;
  }

  const section = /\[remote "origin"\]([^[]*)/.exec(config)?.[1];
  const url = section ? /^\s*url\s*=\s*(.+)$/m.exec(section)?.[1]?.trim() : undefined;
  return url === undefined ? undefined : remoteRepositoryPath(url);
}

/**
 * Returns the repository path of a remote URL, such as `a/b` for `https://host/a/b.git`,
 * `ssh://git@host:22/a/b` or `git@host:a/b.git`, or undefined when it has fewer than two parts.
 */
export function remoteRepositoryPath(url: string): string | undefined {
  const withScheme = /^file:/i.test(url) ? undefined : /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/(.+)$/i.exec(url)?.[1];
  // The scp-like form host:path has a colon before any slash, and is not a Windows drive.
  const scpLike = withScheme === undefined ? /^(?:[^@/]+@)?[^/:]{2,}:(?!\/)(.+)$/.exec(url)?.[1] : undefined;
  let repository = (withScheme ?? scpLike)?.replace(/\/+$/, '').replace(/\.git$/, '');
  if (repository === undefined) {
    // A local path: its last two folders, as for a remote without groups.
    repository = /([^/\\]+[/\\][^/\\]+?)(?:\.git)?[/\\]?$/.exec(url)?.[1]?.replace(/\\/g, '/');
  }
  return repository?.includes('/') ? repository : undefined;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/').normalize('NFC');
}

/** Returns the real path of `file` (symbolic links resolved), or its absolute path when it does not exist. */
function realPath(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** Returns `child` relative to `parent` with `/` separators, or undefined when it is not inside it. */
function relativeInside(parent: string, child: string): string | undefined {
  const relative = path.relative(parent, child);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return toPosix(relative) || '.';
}

/**
 * Returns the default sync id of a folder: `<repository>:<folder relative to the repository
 * root>`. The repository is `GITHUB_REPOSITORY` in GitHub Actions, otherwise the `owner/name`
 * of the `origin` remote, otherwise the name of the repository's folder, so that a laptop and
 * CI agree whenever the remote is set. A folder without `.git` inside `GITHUB_WORKSPACE` (a
 * checkout without history) gets `<GITHUB_REPOSITORY>:<folder relative to the workspace>`.
 * Elsewhere it is `path:<absolute folder>`. Paths are real paths, so a folder reached through
 * a symbolic link keeps its id. Set `syncId` explicitly to share one sync between machines whose
 * defaults differ.
 */
export function defaultSyncId(folder: string, env: NodeJS.ProcessEnv = process.env): string {
  const absolute = realPath(folder);
  const root = findRepositoryRoot(absolute);
  if (root !== undefined) {
    const repository = env.GITHUB_REPOSITORY || originRepository(root) || path.basename(root);
    return `${repository}:${relativeInside(root, absolute) ?? '.'}`;
  }

  if (env.GITHUB_REPOSITORY && env.GITHUB_WORKSPACE) {
    const relative = relativeInside(realPath(env.GITHUB_WORKSPACE), absolute);
    if (relative !== undefined) return `${env.GITHUB_REPOSITORY}:${relative}`;
  }
  return `path:${toPosix(absolute)}`;
}

/**
 * Syncs a folder into a Raster library: scans, lists, plans, guards, uploads and tags, prunes,
 * waits for the listing and resolves with the report. Never prints: progress goes to `logger`
 * and `onEvent`. Rejects with `RasterUsageError` for invalid options, before any request; every
 * later failure is in the report's `outcome` and `stopReason`. Holds a lock file next to the
 * upload journal for the whole run (dry runs excepted), so that a second run of the same sync
 * into the same library stops with the outcome `guard` before any request.
 * NOTE: the lock covers only runs that share the journal folder, normally those of one machine.
 */
export async function syncFolder(options: SyncOptions): Promise<SyncReport> {
  const resolved = resolveSyncOptions(options, () => defaultSyncId(options.path));
  // The client checks the URL too, but under its own option name, baseUrl.
  if (options.apiUrl !== undefined) checkBaseUrl('apiUrl', options.apiUrl);

  const journalDir = options.journalDir ?? defaultJournalDir();
  const journalFile = journalFileFor(journalDir, options.apiUrl ?? DEFAULT_BASE_URL, resolved.library, ownerTagFor(resolved.syncId));
  const journal = new FileJournal(journalFile);

  // Two runs of one sync at once would both upload every new file. A dry run writes nothing, so
  // it needs no lock.
  let lock: RunLock | undefined;
  if (!resolved.dryRun) {
    const elsewhere = options.journalDir === undefined ? 'set TMPDIR to a folder that this user can write' : 'choose another journalDir';
    await prepareJournalDir(journalDir, elsewhere);
    const result = await acquireRunLock(lockFileFor(journalFile), resolved.syncId).catch((error: unknown) => {
      throw new Error(`The run lock cannot be written in ${journalDir} (${errorCode(error)}). Make the folder writable, or ${elsewhere}.`, { cause: error });
    });
    if (!result.acquired) return reportStoppedBeforeStart(resolved, result.reason, options.logger);
    lock = result.lock;
  }

  // The journal of a live run lists its batches in flight, which are not an interrupted run's to
  // adopt. A dry run, which takes no lock, leaves them out instead of waiting for their assets.
  let runJournal: FileJournal | undefined = journal;
  if (resolved.dryRun) {
    const holder = await lockHolder(lockFileFor(journalFile));
    if (holder !== null) {
      options.logger?.info(`Another run of this sync into this library is in progress (${holder}). This dry run leaves out its uploads in flight, so the plan may list them as uploads.`);
      runJournal = undefined;
    }
  }

  try {
    return await runLocked(options, resolved, runJournal);
  } finally {
    await lock?.release();
  }
}

async function runLocked(options: SyncOptions, resolved: ResolvedSyncOptions, journal: FileJournal | undefined): Promise<SyncReport> {
  const transport = createUndiciTransport({ connections: connectionsFor(resolved.concurrency) });
  try {
    // The client checks the key, the organization and the URL, and throws RasterUsageError.
    const client = new RasterClient({
      transport,
      apiKey: resolved.apiKey,
      organizationId: resolved.organization,
      baseUrl: options.apiUrl,
      onRetry: (info) => {
        options.logger?.info(`Retrying ${info.method} ${info.path} in ${info.delayMs} ms (attempt ${info.attempt} failed: ${info.reason}).`);
        options.onEvent?.({ type: 'retry', method: info.method, path: info.path, attempt: info.attempt, delayMs: info.delayMs, reason: info.reason });
      },
    });

    return await runSync(resolved, {
      api: client,
      // The key's own lookup takes the run's signal, so a stop aborts it; me() caches the slug.
      resolveOrganization: async (signal) => resolved.organization ?? (await client.me({ signal })).organizationId,
      scan: (onProgress, onFolderFound, hashNeeded) => scanFolder(resolved.path, {
        include: options.include,
        exclude: options.exclude,
        includeHidden: options.includeHidden,
        followSymlinks: options.followSymlinks,
        maxFileSize: resolved.maxFileSize,
        onFolderFound,
        onProgress,
        hashNeeded,
      }),
      fileReader: uploadReader(),
      requestCount: () => client.requestCount,
      now: Date.now,
      hashText: (text) => hash('sha256', text),
      sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
      signal: options.signal,
      logger: options.logger,
      onEvent: options.onEvent,
      journal,
    });
  } finally {
    await transport.close();
  }
}
