/** Reads the inputs of action.yml into sync options. */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { SyncOptions } from '@raster-toolkit/core';
import { isInside } from '@raster-toolkit/core/node';
import {
  InputError,
  parseApiUrl,
  parseBoolean,
  parseByteSize,
  parseDeletionBudget,
  parseConcurrency,
  parseList,
  parseTags,
} from './parse';
import { checkPatterns } from './patterns';

/** The sync options an action run sets; the entry point adds the signal, logger and event hook. */
export type ActionOptions = Omit<SyncOptions, 'signal' | 'logger' | 'onEvent'>;

/**
 * Reads an input the way the runner passes it: `INPUT_` and the name in upper case with spaces
 * replaced by underscores and dashes kept (`max-deletes` is `INPUT_MAX-DELETES`).
 */
export function readInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim() ?? '';
}

/**
 * Builds the sync options from the action inputs. `path` is resolved against the workspace. An
 * empty `sync-id` is left to the engine, whose default (`GITHUB_REPOSITORY` and the folder relative
 * to the repository root) is also what `raster-sync` derives from the `origin` remote on a laptop.
 */
export function readActionOptions(env: NodeJS.ProcessEnv = process.env): ActionOptions {
  const input = (name: string) => readInput(name, env);
  const workspace = env['GITHUB_WORKSPACE'] || process.cwd();

  const apiKey = input('api-key');
  if (apiKey === '') {
    throw new InputError('Missing input api-key. Pass a Raster API key from a secret: api-key: ${{ secrets.RASTER_API_KEY }}.');
  }
  const library = input('library');
  if (library === '') {
    throw new InputError('Missing input library. Set it to the slug of the Raster library to sync into.');
  }

  const folder = input('path') || '.';
  const root = path.resolve(workspace, folder);
  // A path that leaves the checkout would sync (and prune) files the repository does not own,
  // such as the runner's home folder.
  // A symbolic link in the checkout can lead out of it, and a workspace reached through a link
  // has another path than the folder given in full, so existing folders are compared by their
  // real paths. A folder that does not exist is compared as written, and the sync reports it.
  const realRoot = realPathOrNull(root);
  const realWorkspace = realPathOrNull(workspace);
  if (realRoot !== null && realWorkspace !== null) {
    if (!isInside(realWorkspace, realRoot)) {
      const through = isInside(path.resolve(workspace), root) ? ` leads through a symbolic link to ${realRoot}, which` : '';
      throw new InputError(
        `Invalid value for path: ${JSON.stringify(folder)}${through} is outside the workspace ${workspace}. Use a folder inside the repository checkout.`,
      );
    }
  } else if (!isInside(path.resolve(workspace), root)) {
    throw new InputError(
      `Invalid value for path: ${JSON.stringify(folder)} is outside the workspace ${workspace}. Use a folder inside the repository checkout.`,
    );
  }
  const include = parseList(input('include'));
  const exclude = parseList(input('exclude'));
  checkPatterns('include', include);
  checkPatterns('exclude', exclude);

  const options: ActionOptions = {
    apiKey,
    library,
    path: root,
    include,
    exclude,
    tags: parseTags('tags', input('tags')),
  };

  const organization = input('organization');
  if (organization !== '') options.organization = organization;

  const apiUrl = input('api-url');
  if (apiUrl !== '') options.apiUrl = parseApiUrl('api-url', apiUrl);

  const booleans = [
    ['include-hidden', 'includeHidden'],
    ['follow-symlinks', 'followSymlinks'],
    ['prune', 'prune'],
    ['dry-run', 'dryRun'],
  ] as const;
  for (const [name, key] of booleans) {
    const value = input(name);
    if (value !== '') options[key] = parseBoolean(name, value);
  }

  const maxDeletes = input('max-deletes');
  if (maxDeletes !== '') options.maxDeletes = parseDeletionBudget('max-deletes', maxDeletes);

  const maxFileSize = input('max-file-size');
  if (maxFileSize !== '') options.maxFileSize = parseByteSize('max-file-size', maxFileSize);

  const concurrency = input('concurrency');
  if (concurrency !== '') options.concurrency = parseConcurrency('concurrency', concurrency);

  const syncId = input('sync-id');
  if (syncId !== '') options.syncId = syncId;

  return options;
}

function realPathOrNull(target: string): string | null {
  try {
    return realpathSync(target);
  } catch {
    return null;
  }
}
