/** Command-line flags and environment of `raster-sync`, parsed into sync options. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SyncOptions } from '@raster-toolkit/core';
import {
  InputError,
  parseApiUrl,
  parseByteSize,
  parseConcurrency,
  parseDeletionBudget,
  parseTags,
} from './parse';
import { checkFlagPatterns } from './patterns';

export const HELP = `Usage: raster-sync [options] [folder]

Keeps a Raster library in step with a folder: uploads new and changed files, moves the assets
of deleted files to the trash, and never touches assets that this sync did not upload.

Options:
  --library <slug>        Library to sync into. Default: $RASTER_LIBRARY. Required.
  --organization <slug>   Organization of the library. Default: $RASTER_ORGANIZATION, else the
                          organization of the API key.
  --path <folder>         Folder to sync, same as the folder argument. Default: the current folder.
  --include <glob>        Sync only files matching the pattern, relative to the folder, as in
                          .gitignore: a leading / anchors it at the folder, a trailing / matches
                          folders only. Repeat for more patterns; a leading ! negates.
                          Default: every file.
  --exclude <glob>        Leave out files matching the pattern. Repeatable.
  --include-hidden        Include files and folders whose name starts with a dot.
  --follow-symlinks       Follow symbolic links that stay inside the folder.
  --no-prune              Keep the assets of deleted files. Pruning is on by default, and
                          --prune turns it back on after an earlier --no-prune.
  --max-deletes <N|N%>    Stop before any write when the run would trash more than N assets, or
                          more than N percent of the assets this sync owns.
                          Default: 25% of the owned assets, at least 10.
  --max-file-size <size>  Skip files larger than this, in bytes or with a unit: 250MiB, 1GiB
                          (KiB, MiB and GiB are powers of 1024). Raster does not publish its
                          per-file limit. Default: 100MiB (104857600 bytes), this toolkit's
                          assumption.
  --dry-run               Print the plan and write nothing.
  --sync-id <id>          Identity of this sync, which decides the assets it owns. Default:
                          owner/name of the origin remote and the folder relative to the
                          repository root (as the action), else the folder's absolute path.
  --tags <tags>           Extra tags for uploaded assets, comma-separated. Repeatable.
  --concurrency <n>       Upload batches in flight at once, 1 to 32, with four times as
                          many tag calls. Default: 4.
  --api-url <url>         Base URL of the API. Default: $RASTER_API_URL, else https://api.raster.app.
  --json                  Print the JSON report on stdout (one line unless stdout is a
                          terminal); progress and messages go to stderr.
  --verbose               Also print unchanged files and debug messages.
  -h, --help              Print this help.

Environment:
  RASTER_API_KEY          API key with Write access to the library. Required.
  RASTER_LIBRARY, RASTER_ORGANIZATION, RASTER_API_URL
                          Defaults for --library, --organization and --api-url.
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY
                          Proxy URL for https:// and http:// API URLs, and hosts that
                          bypass it. The lower-case names take precedence.

Exit codes:
  0  the sync succeeded, or the dry run finished and no guard stopped it
  1  the run failed or finished partially (a file failed, the API failed, or it was stopped by
     SIGINT or SIGTERM); nothing was pruned
  2  invalid use: a missing or invalid option, or a missing API key or library
  3  a guard stopped the run before any write (missing or empty folder, deletion budget, or
     another run of this sync on this machine holds its lock); a dry run whose plan fails a
     guard exits 3 too, after printing the plan
`;

export type CliOptions = Omit<SyncOptions, 'signal' | 'logger' | 'onEvent'>;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'sync'; options: CliOptions; json: boolean; verbose: boolean };

const FLAGS = {
  library: { type: 'string' },
  organization: { type: 'string' },
  path: { type: 'string' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'include-hidden': { type: 'boolean' },
  'follow-symlinks': { type: 'boolean' },
  prune: { type: 'boolean' },
  'max-deletes': { type: 'string' },
  'max-file-size': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'sync-id': { type: 'string' },
  tags: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'api-url': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses the arguments after the program name. Throws `InputError` on invalid use. */
export function parseCli(args: string[], env: NodeJS.ProcessEnv, cwd: string): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: checkFlags(args), options: FLAGS, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    // checkFlags catches the known cases first; this keeps Node's text for any other.
    if (error instanceof InputError) throw error;
    throw new InputError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  if (positionals.length > 1) {
    throw new InputError(`Expected at most one folder, got ${positionals.length}: ${positionals.join(' ')}.`);
  }
  if (positionals[0] !== undefined && values.path !== undefined) {
    throw new InputError('Give the folder either as an argument or with --path, not both.');
  }

  const apiKey = env['RASTER_API_KEY']?.trim() ?? '';
  if (apiKey === '') {
    throw new InputError('Missing API key. Set RASTER_API_KEY to a Raster API key with Write access to the library.');
  }
  const library = values.library ?? env['RASTER_LIBRARY'] ?? '';
  if (library.trim() === '') {
    throw new InputError('Missing library. Pass --library <slug> or set RASTER_LIBRARY.');
  }

  checkFlagPatterns('--include', values.include ?? []);
  checkFlagPatterns('--exclude', values.exclude ?? []);

  const folder = positionals[0] ?? values.path ?? '.';
  const options: CliOptions = {
    apiKey,
    library: library.trim(),
    path: path.resolve(cwd, folder),
    include: values.include ?? [],
    exclude: values.exclude ?? [],
    tags: parseTags('--tags', (values.tags ?? []).join(',')),
  };

  const organization = values.organization ?? env['RASTER_ORGANIZATION'];
  if (organization !== undefined && organization.trim() !== '') options.organization = organization.trim();

  const apiUrl = values['api-url'] ?? env['RASTER_API_URL'];
  if (apiUrl !== undefined && apiUrl.trim() !== '') {
    options.apiUrl = parseApiUrl(values['api-url'] !== undefined ? '--api-url' : 'RASTER_API_URL', apiUrl);
  }

  if (values['include-hidden'] !== undefined) options.includeHidden = values['include-hidden'];
  if (values['follow-symlinks'] !== undefined) options.followSymlinks = values['follow-symlinks'];
  if (values.prune !== undefined) options.prune = values.prune;
  if (values['dry-run'] !== undefined) options.dryRun = values['dry-run'];
  if (values['max-deletes'] !== undefined) options.maxDeletes = parseDeletionBudget('--max-deletes', values['max-deletes']);
  if (values['max-file-size'] !== undefined) options.maxFileSize = parseByteSize('--max-file-size', values['max-file-size']);
  if (values.concurrency !== undefined) options.concurrency = parseConcurrency('--concurrency', values.concurrency);
  if (values['sync-id'] !== undefined) {
    if (values['sync-id'].trim() === '') {
      throw new InputError('--sync-id must not be empty. Omit it to use the default sync id, or pass an id such as octo-org/site:images.');
    }
    options.syncId = values['sync-id'];
  }

  return { kind: 'sync', options, json: values.json ?? false, verbose: values.verbose ?? false };
}

type FlagName = keyof typeof FLAGS;

/**
 * Checks the flags before `parseArgs` reads them, so that invalid use gets a message naming the
 * flag and the fix instead of Node's text. `parseArgs` reads `-1` as a flag, so a negative number
 * after a flag is joined to it (`--concurrency=-1`) and the value parser rejects the number.
 * Returns the arguments to pass to `parseArgs`.
 */
function checkFlags(args: readonly string[]): string[] {
  const checked: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') {
      checked.push(...args.slice(index));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      checked.push(arg);
      continue;
    }

    const equals = arg.indexOf('=');
    const written = equals === -1 ? arg : arg.slice(0, equals);
    const flag = flagNamed(written);
    if (flag === undefined) {
      throw new InputError(`Unknown option ${written}.`);
    }

    if (FLAGS[flag].type === 'boolean') {
      if (equals !== -1) {
        // A value such as --prune=false can mean either state, so the prune message names both forms.
        const forms = flag === 'prune' ? '--prune or --no-prune' : written;
        throw new InputError(`${written} takes no value. Pass ${forms} without a value.`);
      }
      checked.push(arg);
      continue;
    }

    if (equals !== -1) {
      checked.push(arg);
      continue;
    }
    const value = args[index + 1];
    if (value === undefined) {
      throw new InputError(`Missing value for ${written}. Pass it as ${written} <value>.`);
    }
    if (value.startsWith('-') && !/^-\d/.test(value)) {
      // The next argument may be a flag the user meant, or a value that starts with a dash.
      throw new InputError(
        `Missing value for ${written}: the next argument, ${JSON.stringify(value)}, starts with a dash, so it is read as a flag. ` +
          `Pass a value after ${written}, or write ${written}=${value} for a value that starts with a dash.`,
      );
    }
    checked.push(`${written}=${value}`);
    index++;
  }
  return checked;
}

/** Returns the flag a written option names (`--prune`, `--no-prune`, `-h`), or undefined. */
function flagNamed(written: string): FlagName | undefined {
  if (written === '-h') return 'help';
  if (!written.startsWith('--')) return undefined;
  const name = written.slice(2);
  if (Object.hasOwn(FLAGS, name)) return name as FlagName;
  // parseArgs accepts `--no-NAME` for every boolean flag when allowNegative is set.
  const negated = name.startsWith('no-') ? name.slice(3) : undefined;
  if (negated !== undefined && Object.hasOwn(FLAGS, negated) && FLAGS[negated as FlagName].type === 'boolean') {
    return negated as FlagName;
  }
  return undefined;
}
