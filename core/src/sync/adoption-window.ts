/**
 * Rules for the untagged assets a run may adopt as the result of its own upload whose response
 * was lost. An asset qualifies when it is newer than everything the run saw before its first upload and
 * created after the batch started, judged by the service's clock as far as the run can bound it.
 *
 * A file with the same name and size that another client uploads while the batch is in flight,
 * such as another sync whose tag call has not landed yet, looks exactly like the batch's own
 * asset. So a run adopts for a group of files with one name and size only when it finds exactly
 * as many candidates as files, and during a run only once a later listing shows the same
 * candidates still untagged (`ADOPTION_SETTLE_MS`). Otherwise it adopts none and keeps the
 * files pending until the other client has tagged its copy.
 * NOTE: a look-alike that nobody tags keeps its group ambiguous, so the next run uploads the file
 * again and the batch's own copy stays untagged. A look-alike stored while the batch itself stored
 * nothing is adopted unless its uploader tags it within `ADOPTION_SETTLE_MS`.
 */

import type { AssetSummary } from '../api/types';
import type { SyncApi } from './api';
import { earliestCreatedOf, type PendingBatch } from './journal';
import type { SyncLogger } from './types';

/** Newest assets listed before the first upload, so reconciliation never adopts one of them. */
const BASELINE_PAGE_SIZE = 100;

/**
 * Milliseconds for which a run's candidates must stay the same and untagged before it adopts them.
 * Another sync tags its fresh upload as soon as the upload's response arrives, so its copy stops
 * being a candidate within this time unless its tag call is slow or retried.
 */
export const ADOPTION_SETTLE_MS = 1_000;

export class AdoptionWindow {
  /**
   * Newest assets that existed before this run uploaded anything, and the newest `created` among
   * them; null when that listing failed or was not taken.
   */
  private baseline: { ids: Set<string>; newestCreated: number | null } | null = null;
  /**
   * Lower bound of (service clock - local clock) in milliseconds, from uploads of this run: an
   * asset's `created` is no later than the moment its response arrived. Null until observed.
   */
  private clockOffsetLowerBound: number | null = null;

  /** Lists the newest assets before the first upload; a failure is logged and the time alone decides. */
  async takeBaseline(api: SyncApi, libraryId: string, logger: SyncLogger): Promise<void> {
    try {
      const assets = await api.listAssetSummaries(libraryId, { page: 1, pageSize: BASELINE_PAGE_SIZE });
      const created = assets.flatMap((asset) => (asset.created === null ? [] : [asset.created]));
      this.baseline = { ids: new Set(assets.map((asset) => asset.id)), newestCreated: created.length > 0 ? Math.max(...created) : null };
    } catch (error) {
      logger.warn(`Listing the newest assets before uploading failed (${(error as Error).message}); a lost upload response will be checked by time alone.`);
    }
  }

  /** Narrows the clock bound with the assets of an upload whose response arrived at `respondedAt`. */
  observe(assets: readonly AssetSummary[], respondedAt: number): void {
    for (const asset of assets) {
      if (asset.created === null) continue;
      const offset = asset.created - respondedAt;
      if (this.clockOffsetLowerBound === null || offset > this.clockOffsetLowerBound) this.clockOffsetLowerBound = offset;
    }
  }

  /** Returns the fields a journal entry of a batch started at `startedAt` records about this window. */
  journalFields(startedAt: number): Pick<PendingBatch, 'startedAt' | 'baselineIds' | 'baselineNewestCreated' | 'clockOffsetLowerBound'> {
    return {
      startedAt,
      baselineIds: [...(this.baseline?.ids ?? [])],
      baselineNewestCreated: this.baseline?.newestCreated ?? null,
      clockOffsetLowerBound: this.clockOffsetLowerBound,
    };
  }

  /**
   * Returns the earliest `created` (service clock) that an asset stored by a batch started at
   * `startedAt` (local clock) can have.
   */
  earliestCreatedOf(startedAt: number): number {
    return earliestCreatedOf(this.journalFields(startedAt));
  }

  /** Returns whether `asset` may be adopted: untagged, not seen before the run, and new enough. */
  mayAdopt(asset: AssetSummary, since: number): boolean {
    if (asset.tags.length > 0 || this.baseline?.ids.has(asset.id)) return false;
    return asset.created === null || asset.created >= since;
  }
}
