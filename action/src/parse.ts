/**
 * Parsers for option values, shared by the action inputs and the CLI flags. Each throws
 * `InputError` naming the option and the value, so both adapters report invalid use the same way.
 */
import type { DeletionBudget } from '@raster-toolkit/core';
import { isLoopbackHost, MAX_CONCURRENCY, RasterUsageError, tagProblem, withoutUserInfo } from '@raster-toolkit/core';

/** Invalid use of the action or the CLI: a missing or malformed option. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Parses a boolean option; only `true` and `false` are valid, so a typo never flips a default. */
export function parseBoolean(name: string, value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  throw new InputError(`${name} must be true or false, got ${JSON.stringify(value)}.`);
}

/** Parses an integer from `min` to `max`, written in decimal digits. */
export function parseIntegerInRange(name: string, value: string, min: number, max: number): number {
  const trimmed = value.trim();
  const number = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new InputError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  }
  return number;
}

/** Parses the number of upload batches in flight, within the engine's bounds. */
export function parseConcurrency(name: string, value: string): number {
  return parseIntegerInRange(name, value, 1, MAX_CONCURRENCY);
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/**
 * Parses a size in bytes: a whole number of bytes (`104857600`), or a whole number with a binary
 * unit (`250MiB`, `1GiB`; KiB, MiB and GiB are powers of 1024). Decimal units such as MB are
 * rejected rather than guessed.
 */
export function parseByteSize(name: string, value: string): number {
  const trimmed = value.trim();
  const match = /^(\d+)\s*(B|KiB|MiB|GiB)?$/.exec(trimmed);
  const multiplier = match ? BYTE_UNITS[match[2] ?? ''] : undefined;
  const bytes = match?.[1] !== undefined && multiplier !== undefined ? Number(match[1]) * multiplier : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InputError(
      `${name} must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB ` +
        `such as 250MiB, got ${JSON.stringify(value)}.`,
    );
  }
  return bytes;
}

/**
 * Parses a deletion budget: `N` trashes at most N assets per run, `N%` at most N percent of the
 * assets this sync owns (0 to 100, decimals allowed).
 */
export function parseDeletionBudget(name: string, value: string): DeletionBudget {
  const trimmed = value.trim();

  const count = /^\d+$/.exec(trimmed);
  if (count !== null && Number.isSafeInteger(Number(trimmed))) {
    return { count: Number(trimmed) };
  }

  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(trimmed);
  if (percent?.[1] !== undefined && Number(percent[1]) <= 100) {
    return { percent: Number(percent[1]) };
  }

  throw new InputError(
    `${name} must be a count of 0 or more such as 25, or a percentage from 0% to 100% such as 10%, got ${JSON.stringify(value)}.`,
  );
}

/** Parses the base URL of the API; `http:` is allowed only to a loopback host, such as a local emulator. */
export function parseApiUrl(name: string, value: string): string {
  const trimmed = value.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new InputError(`Invalid value for ${name}: ${JSON.stringify(withoutUserInfo(value))}. Use an absolute URL such as https://api.raster.app.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(`Invalid value for ${name}: ${JSON.stringify(withoutUserInfo(value))}. Use an http or https URL.`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new InputError(
      `Invalid value for ${name}: ${JSON.stringify(withoutUserInfo(value))} uses plain http:// to a host that is not loopback, which would send the API key unencrypted. ` +
        'Use https://, or http:// only for localhost, 127.0.0.0/8 or ::1.',
    );
  }
  return trimmed.replace(/\/+$/, '');
}

/** Splits a list written one item a line, or separated by commas when `commas` is set; drops blanks. */
export function parseList(value: string, { commas = false }: { commas?: boolean } = {}): string[] {
  const separator = commas ? /[\n,]/ : /\n/;
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Parses extra tags, one a line or comma-separated: a Raster tag cannot contain a comma, so the
 * split is safe. Each tag must pass the same rules the engine applies before any request.
 */
export function parseTags(name: string, value: string): string[] {
  const tags = parseList(value, { commas: true });
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem !== null) {
      throw new InputError(`Invalid tag in ${name}: ${JSON.stringify(tag)} ${problem}.`);
    }
  }
  return [...new Set(tags)];
}

/**
 * Rewrites an option error of the engine, which names its own option (`syncId`, `baseUrl`), so
 * that it names the flag or input the user typed. `names` maps engine option names to those.
 * The engine prints each string value it rejects as a JSON string, so only words outside
 * double-quoted strings are replaced, and a value such as "demo library" is shown as typed.
 */
export function toInputError(error: RasterUsageError, names: Readonly<Record<string, string>>): InputError {
  const name = names[error.parameter];
  if (name === undefined) return new InputError(error.message);
  return new InputError(replaceWordOutsideQuotes(error.message, error.parameter, name));
}

/** Replaces each whole-word `word` in `text` that is not inside a double-quoted JSON string. */
function replaceWordOutsideQuotes(text: string, word: string, replacement: string): string {
  const escapedWord = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // The first alternative matches a whole JSON string, escaped quotes included, and keeps it.
  const pattern = new RegExp(`("(?:[^"\\\\]|\\\\.)*")|\\b${escapedWord}\\b`, 'g');
  return text.replace(pattern, (_match: string, quoted: string | undefined) => quoted ?? replacement);
}

/** Engine option names and the `raster-sync` flags that set them. */
export const CLI_FLAG_NAMES: Readonly<Record<string, string>> = {
  apiKey: 'RASTER_API_KEY',
  apiUrl: '--api-url',
  baseUrl: '--api-url',
  organization: '--organization',
  library: '--library',
  path: '--path',
  include: '--include',
  exclude: '--exclude',
  includeHidden: '--include-hidden',
  followSymlinks: '--follow-symlinks',
  prune: '--prune',
  maxDeletes: '--max-deletes',
  maxFileSize: '--max-file-size',
  dryRun: '--dry-run',
  syncId: '--sync-id',
  tags: '--tags',
  concurrency: '--concurrency',
};

/** Engine option names and the action inputs that set them. */
export const ACTION_INPUT_NAMES: Readonly<Record<string, string>> = {
  apiKey: 'api-key',
  apiUrl: 'api-url',
  baseUrl: 'api-url',
  organization: 'organization',
  library: 'library',
  path: 'path',
  include: 'include',
  exclude: 'exclude',
  includeHidden: 'include-hidden',
  followSymlinks: 'follow-symlinks',
  prune: 'prune',
  maxDeletes: 'max-deletes',
  maxFileSize: 'max-file-size',
  dryRun: 'dry-run',
  syncId: 'sync-id',
  tags: 'tags',
  concurrency: 'concurrency',
};
