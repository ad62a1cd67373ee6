/**
 * The wait for listing: new uploads can take seconds to appear in listings, and a run started
 * before they appear would upload them again, so a run waits until its own uploads are listed.
 */

import type { AssetSummary } from '../api/types';
import type { SyncApi } from './api';
import { visitOwnedPages } from './listing';
import type { SyncLogger } from './types';
import { isApiUnreachable } from './unreachable';

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
  onListed: (asset: AssetSummary) => void;
}

/**
 * Maximum wait for listing once the run is stopped, in milliseconds. When a workflow is cancelled,
 * GitHub's runner sends SIGTERM 7.5 s after SIGINT and kills the process 2.5 s later.
 */
export const STOPPED_SETTLE_MS = 5_000;

export interface SettleResult {
  /** Ids of the uploads still not listed when the wait ended. */
  missing: string[];
  /** The error of a listing that could not reach the API and so ended the wait, or null. */
  unreachable: string | null;
}

/**
 * Polls the owned listing until every id is in it or the timeout passes, and resolves with the ids
 * still missing. Once the run is stopped, it waits at most `STOPPED_SETTLE_MS` more, because a run
 * started right after would upload again what it cannot list yet. A failed listing is logged and
 * polled again, because the uploads are done and only the wait is affected. A listing that could
 * not reach the API after the client's retries ends the wait at once, since no later poll could
 * reach it either.
 */
export async function waitUntilListed(input: SettleInput): Promise<SettleResult> {
  const { ids, logger } = input;
  const started = input.now();
  let deadline = started + input.timeoutMs;
  let stopSeen = false;
  const missing = new Set(ids);
  let pause = SETTLE_POLL_FIRST_MS;

  for (;;) {
    try {
      await listUntilFound(input, missing);
    } catch (error) {
      logger.warn(`Listing the library while waiting for the uploads failed: ${(error as Error).message}`);
      if (isApiUnreachable(error)) {
        input.onProgress(ids.length - missing.size, ids.length);
        logger.warn(
          `Stopped waiting for the uploads to be listed because the Raster API could not be reached. ${missing.size} of ${ids.length} uploads ` +
            'were not seen in the listing; a run started before they are listed could upload them again.',
        );
        return { missing: [...missing], unreachable: error.message };
      }
    }
    input.onProgress(ids.length - missing.size, ids.length);

    if (missing.size === 0) {
      logger.info(ids.length === 1 ? 'The upload is listed.' : `All ${ids.length} uploads are listed.`);
      return { missing: [], unreachable: null };
    }
    if (input.signal?.aborted && !stopSeen) {
      stopSeen = true;
      deadline = Math.min(deadline, input.now() + STOPPED_SETTLE_MS);
      const wait = `Waiting up to ${STOPPED_SETTLE_MS / 1000} s`;
      logger.info(ids.length === 1
        ? `The run was stopped, and its upload is not listed yet. ${wait} until it is listed.`
        : `The run was stopped, and ${missing.size} of its ${ids.length} uploads ${missing.size === 1 ? 'is' : 'are'} not listed yet. ${wait} until all ${ids.length} are listed.`);
    }
    if (input.now() >= deadline) break;

    // The sleep ignores the stop, because the wait after a stop keeps the next run from uploading again.
    await input.sleep(Math.min(pause, Math.max(0, deadline - input.now())));
    pause = Math.min(pause * 2, SETTLE_POLL_MAX_MS);
  }

  logger.warn(
    `${missing.size} of ${ids.length} uploads were still not listed after ${input.now() - started} ms; ` +
      'a run started now could upload them again.',
  );
  return { missing: [...missing], unreachable: null };
}

/**
 * Lists the owned assets page by page and takes each missing one it finds out of `missing`. Stops
 * at the last page, or as soon as none is missing. New uploads list first, so after a run that
 * uploaded a few files into a large library the first page usually contains them all.
 */
function listUntilFound(input: SettleInput, missing: Set<string>): Promise<void> {
  return visitOwnedPages(input.api, input.libraryId, input.ownerTag, (assets) => {
    for (const asset of assets) {
      if (missing.delete(asset.id)) input.onListed(asset);
    }
    return missing.size > 0;
  });
}
