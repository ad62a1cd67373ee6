/** Validation of sync options, before the engine sends any request. */

import { MAX_TAGS_PER_REQUEST } from '../api/limits';
import { checkSlug } from '../api/validate';
import { RasterUsageError } from '../errors';
import { tagProblem } from './tags';
import type { DeletionBudget, SyncOptions } from './types';

export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 32;

/**
 * Tag calls in flight per upload batch in flight, in one pool that all batches share. Every asset
 * takes a tag call of its own, 20 per full batch. With 40 ms of latency injected per request, the
 * CLI's cold upload of 100 files took 1,412 ms with one call per batch and 656 ms with four.
 * Medians of 2 runs against the emulator on loopback, on 2 vCPUs.
 */
export const TAG_CALLS_PER_BATCH = 4;

/** Returns the connections a sync needs: one per upload batch and one per tag call in flight. */
export function connectionsFor(concurrency: number): number {
  return concurrency * (1 + TAG_CALLS_PER_BATCH);
}

export const DEFAULT_WAIT_FOR_LISTING_TIMEOUT_MS = 60_000;
export const DEFAULT_RECONCILE_TIMEOUT_MS = 15_000;

/** Extra tags an asset can take: one tag call carries at most 20, two are the sync's own. */
export const MAX_EXTRA_TAGS = MAX_TAGS_PER_REQUEST - 2;

/** Options after validation, with every default applied. */
export interface ResolvedSyncOptions {
  apiKey: string;
  organization: string | undefined;
  library: string;
  path: string;
  syncId: string;
  prune: boolean;
  maxDeletes: DeletionBudget | undefined;
  dryRun: boolean;
  tags: string[];
  concurrency: number;
  waitForListing: boolean;
  waitForListingTimeoutMs: number;
  reconcileTimeoutMs: number;
  batchBytes: number | undefined;
  maxFileSize: number | undefined;
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RasterUsageError(name, `The option ${name} is missing or empty; pass a non-empty string.`);
  }
  return value.trim();
}

/** Returns `id`, or throws when it has a control character, which would split the log line that names it. */
function checkSyncId(id: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(id)) {
    throw new RasterUsageError(
      'syncId',
      `Invalid syncId ${JSON.stringify(id)}: it contains a control character such as a line break. Pass an id on one line, such as octo-org/site:images.`,
    );
  }
  return id;
}

function integerIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RasterUsageError(name, `Invalid ${name}: ${String(value)}. Pass an integer from ${min} to ${max}.`);
  }
  return value;
}

function positiveOrUndefined(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new RasterUsageError(name, `Invalid ${name}: ${String(value)}. Pass a positive integer number of bytes.`);
  }
  return value;
}

/** Checks an optional boolean, which JavaScript callers and parsed inputs may get wrong. */
function booleanOr(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new RasterUsageError(name, `Invalid ${name}: ${JSON.stringify(value)}. Pass true or false.`);
  }
  return value;
}

/** Checks an optional list of strings, such as glob patterns. */
function checkStringList(name: string, value: readonly string[] | undefined): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new RasterUsageError(name, `Invalid ${name}: ${JSON.stringify(value)}. Pass a list of strings.`);
  }
}

function checkBudget(budget: DeletionBudget | undefined): DeletionBudget | undefined {
  if (budget === undefined) return undefined;
  if ('count' in budget) {
    if (!Number.isInteger(budget.count) || budget.count < 0) {
      throw new RasterUsageError('maxDeletes', `Invalid maxDeletes count: ${String(budget.count)}. Pass an integer of at least 0.`);
    }
    return { count: budget.count };
  }
  if (typeof budget.percent !== 'number' || !Number.isFinite(budget.percent) || budget.percent < 0 || budget.percent > 100) {
    throw new RasterUsageError('maxDeletes', `Invalid maxDeletes percentage: ${String(budget.percent)}. Pass a number from 0 to 100.`);
  }
  return { percent: budget.percent };
}

function checkTags(tags: readonly string[] | undefined): string[] {
  const checked = (tags ?? []).map((tag) => {
    const problem = tagProblem(tag);
    if (problem !== null) throw new RasterUsageError('tags', `Invalid tag ${JSON.stringify(tag)}: it ${problem}.`);
    return tag.trim();
  });
  const unique = [...new Set(checked)];
  if (unique.length > MAX_EXTRA_TAGS) {
    throw new RasterUsageError('tags', `Too many extra tags: ${unique.length}. Pass at most ${MAX_EXTRA_TAGS}.`);
  }
  return unique;
}

/**
 * Validates `options` and applies the defaults. `defaultSyncId` is used when `syncId` is
 * omitted. Throws `RasterUsageError` naming the invalid option.
 */
export function resolveSyncOptions(options: SyncOptions, defaultSyncId: () => string): ResolvedSyncOptions {
  const apiKey = nonEmpty('apiKey', options.apiKey);
  // Slugs are checked here, not only when the first request is built, so a typo fails as invalid
  // use before the folder is scanned.
  const library = checkSlug('library', nonEmpty('library', options.library));
  const path = nonEmpty('path', options.path);
  const organization = options.organization === undefined || options.organization.trim() === ''
    ? undefined
    : checkSlug('organization', options.organization.trim());
  const syncId = options.syncId === undefined ? defaultSyncId() : checkSyncId(nonEmpty('syncId', options.syncId));
  checkStringList('include', options.include);
  checkStringList('exclude', options.exclude);
  checkStringList('tags', options.tags);
  booleanOr('includeHidden', options.includeHidden, false);
  booleanOr('followSymlinks', options.followSymlinks, false);

  return {
    apiKey,
    organization,
    library,
    path,
    syncId,
    prune: booleanOr('prune', options.prune, true),
    maxDeletes: checkBudget(options.maxDeletes),
    dryRun: booleanOr('dryRun', options.dryRun, false),
    tags: checkTags(options.tags),
    concurrency: integerIn('concurrency', options.concurrency, DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY),
    waitForListing: booleanOr('waitForListing', options.waitForListing, true),
    waitForListingTimeoutMs: integerIn('waitForListingTimeoutMs', options.waitForListingTimeoutMs, DEFAULT_WAIT_FOR_LISTING_TIMEOUT_MS, 0, 3_600_000),
    reconcileTimeoutMs: integerIn('reconcileTimeoutMs', options.reconcileTimeoutMs, DEFAULT_RECONCILE_TIMEOUT_MS, 0, 3_600_000),
    batchBytes: positiveOrUndefined('batchBytes', options.batchBytes),
    maxFileSize: positiveOrUndefined('maxFileSize', options.maxFileSize),
  };
}
