/**
 * The wait for listing: new uploads can take seconds to appear in listings, and a run started
 * before they appear would upload them again, so a run waits until its own uploads are listed.
 */

import { MAX_PAGE_SIZE } from '../api/limits';
import type { Asset } from '../api/types';
import type { SyncApi } from './api';
import type { SyncLogger } from './types';

/** First and longest pause between two listings while waiting for uploads, in milliseconds. */
const SETTLE_POLL_FIRST_MS = 250;
const SETTLE_POLL_MAX_MS = 2_000;

export interface SettleInput {
  api: SyncApi;
  libraryId: string;
  ownerTag: string;
  /** Ids of the assets this run uploaded. */
  ids: readonly string[];
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
  logger: SyncLogger;
  onProgress: (done: number, total: number) => void;
  /** Called with each listed asset of this run, whose processed fields may now be set. */
  onListed: (asset: Asset) => void;
}

/**
 * Polls the owned listing until every id is in it, the timeout passes or the run is stopped.
 * Resolves with the ids still missing. A failed listing is logged and polled again, because the
 * uploads are done and only the wait is affected.
 */
export async function waitUntilListed(input: SettleInput): Promise<string[]> {
  const { ids, logger } = input;
  const deadline = input.now() + input.timeoutMs;
  const missing = new Set(ids);
  let pause = SETTLE_POLL_FIRST_MS;

  for (;;) {
    try {
      await listUntilFound(input, missing);
    } catch (error) {
      logger.warn(`Listing the library while waiting for the uploads failed: ${(error as Error).message}`);
    }
    input.onProgress(ids.length - missing.size, ids.length);

    if (missing.size === 0) {
      logger.info(`All ${ids.length} uploads are listed.`);
      return [];
    }
    if (input.now() >= deadline) break;
    if (input.signal?.aborted) {
      logger.warn(`Stopped waiting for ${missing.size} uploads to be listed because the run was stopped.`);
      return [...missing];
    }

    await input.sleep(Math.min(pause, Math.max(0, deadline - input.now())));
    pause = Math.min(pause * 2, SETTLE_POLL_MAX_MS);
  }

  logger.warn(`${missing.size} of ${ids.length} uploads were still not listed after ${input.timeoutMs} ms; a run started now could upload them again.`);
  return [...missing];
}

/**
 * Lists the owned assets page by page and takes each missing one it finds out of `missing`. Stops
 * at the last page, or as soon as none is missing. New uploads list first, so after a run that
 * uploaded a few files into a large library the first page usually contains them all.
 */
async function listUntilFound(input: SettleInput, missing: Set<string>): Promise<void> {
  for (let page = 1; missing.size > 0; page++) {
    const assets = await input.api.listAssets(input.libraryId, { page, pageSize: MAX_PAGE_SIZE, tags: [input.ownerTag] });
    for (const asset of assets) {
      if (missing.delete(asset.id)) input.onListed(asset);
    }
    if (assets.length < MAX_PAGE_SIZE) return;
  }
}
