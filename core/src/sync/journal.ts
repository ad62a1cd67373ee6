/**
 * The upload journal: a record, kept by the caller outside the library, of each upload batch
 * from just before it is sent until its assets are tagged. A run killed in between (SIGKILL, a
 * lost machine) leaves untagged assets that no tag ties to the sync. The next run on the same
 * machine reads the journal and adopts them instead of uploading the files again.
 */

import type { AssetSummary } from '../api/types';
import type { SyncApi } from './api';
import { listAssetsCreatedSince } from './listing';
import { groupCandidates, type AdoptionGroup } from './adoption-groups';
import { assetNameFor } from './paths';
import { plural } from './plural';
import { tagSyncedAsset } from './tag-call';
import { syncTagsFor } from './tags';
import type { SyncLogger } from './types';

/** One batch sent but not yet settled. Times are unix milliseconds of the local clock. */
export interface PendingBatch {
  id: string;
  ownerTag: string;
  libraryId: string;
  startedAt: number;
  /** Ids of the newest assets listed before the run's first upload; never adopted. */
  baselineIds: string[];
  /** Newest `created` (service clock) among the baseline assets, or null without any. */
  baselineNewestCreated: number | null;
  /** Lower bound of (service clock - local clock) known when the batch started, or null. */
  clockOffsetLowerBound: number | null;
  files: Array<{ path: string; name: string; size: number; fingerprint: string }>;
}

/** Storage of pending batches; the Node entry keeps it in a JSON file. */
export interface UploadJournal {
  load(): Promise<PendingBatch[]>;
  add(batch: PendingBatch): Promise<void>;
  remove(batchId: string): Promise<void>;
}

/**
 * Allowance for the difference between this machine's clock and the service's, in milliseconds,
 * used until an upload of the run has shown the service's clock. Reconciliation then accepts
 * assets whose `created` is up to this much before the batch started, unless the baseline
 * listing already showed them.
 * NOTE: a local clock more than two minutes ahead of the service's makes reconciliation miss
 * stored files, which are then sent again and duplicated.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 120_000;

/** Granularity allowance for `created` timestamps compared across clocks, in milliseconds. */
const CLOCK_MARGIN_MS = 1_000;

/**
 * How long an unresolved batch stays in the journal, in milliseconds. A file not found may still
 * be hidden by listing lag, which lasts seconds; after this long it was never stored.
 */
export const PENDING_BATCH_EXPIRY_MS = 10 * 60_000;

/** Returns the earliest `created` (service clock) an asset of `batch` can have. */
export function earliestCreatedOf(batch: Pick<PendingBatch, 'startedAt' | 'baselineNewestCreated' | 'clockOffsetLowerBound'>): number {
  const byClock = batch.clockOffsetLowerBound === null
    ? batch.startedAt - CLOCK_SKEW_ALLOWANCE_MS
    : batch.startedAt + batch.clockOffsetLowerBound - CLOCK_MARGIN_MS;
  return Math.max(byClock, batch.baselineNewestCreated ?? Number.NEGATIVE_INFINITY);
}

/** Returns whether an untagged `asset` may have been stored by `batch`: new enough and not in its baseline. */
function mayAdoptFor(batch: PendingBatch, asset: AssetSummary): boolean {
  return !batch.baselineIds.includes(asset.id) && (asset.created === null || asset.created >= earliestCreatedOf(batch));
}

export interface RecoveryInput {
  api: SyncApi;
  journal: UploadJournal;
  libraryId: string;
  ownerTag: string;
  extraTags: readonly string[];
  /** Fingerprints the owned assets already carry: such files were tagged before the run ended. */
  ownedFingerprints: ReadonlySet<string>;
  now: () => number;
  /** Pauses between listings while listing lag may hide stored files. Without it, recovery lists once. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  logger: SyncLogger;
}

/**
 * Time after an interrupted batch started during which listing lag can still hide its stored
 * files, in milliseconds: Raster lists a new upload after a delay of seconds. Until then, recovery
 * lists again while a group of files has fewer candidates than files.
 */
export const RECOVERY_LISTING_WAIT_MS = 15_000;

const RECOVERY_POLL_FIRST_MS = 500;

/** One untagged asset matched to a file of a pending batch, with the tags it is to receive. */
export interface Adoption {
  batchId: string;
  file: PendingBatch['files'][number];
  /** The asset as it will be once tagged. */
  asset: AssetSummary;
}

/** Result of `findAdoptions`: the pending batches and the matches that `applyAdoptions` writes. */
export interface Recovery {
  batches: PendingBatch[];
  adoptions: Adoption[];
}

/**
 * Looks, without writing anything, for the assets of batches an earlier run left pending:
 * untagged assets with a pending file's name and size, created after its batch started and not
 * in its baseline, taken only where they are exactly as many as the pending files with that name
 * and size. Each match gets the owner and fingerprint tags the earlier run meant to add,
 * so the plan counts it as unchanged, or as stale when the file changed since. Until
 * `RECOVERY_LISTING_WAIT_MS` after the newest batch started, it lists again while listing lag may
 * hide candidates. Resolves with null when there is nothing to recover. Never rejects: a failure
 * is logged, the journal is kept for the next run, and the files are planned as if nothing had
 * been stored.
 */
export async function findAdoptions(input: RecoveryInput): Promise<Recovery | null> {
  let batches: PendingBatch[];
  try {
    batches = (await input.journal.load()).filter((batch) => batch.ownerTag === input.ownerTag && batch.libraryId === input.libraryId);
  } catch (error) {
    input.logger.warn(`Reading the upload journal failed: ${(error as Error).message}`);
    return null;
  }
  if (batches.length === 0) return null;

  input.logger.info(`Found ${plural(batches.length, 'upload batch', 'upload batches')} that an interrupted run left untagged; looking for their assets.`);

  // The unsettled files of all batches are matched together against the untagged assets any of
  // them may have stored, so two batches with a file of one name and size never take each
  // other's asset. A group adopts only with exactly as many candidates as files, oldest first.
  const files = [...batches]
    .sort((a, b) => a.startedAt - b.startedAt)
    .flatMap((batch) => batch.files.filter((file) => !input.ownedFingerprints.has(file.fingerprint)).map((file) => ({ ...file, batch })));
  const since = batches.reduce((earliest, batch) => Math.min(earliest, earliestCreatedOf(batch)), Infinity);
  // Before this time, listing lag can still hide a stored file.
  const listedBy = Math.max(...batches.map((batch) => batch.startedAt)) + RECOVERY_LISTING_WAIT_MS;

  let groups: Array<AdoptionGroup<(typeof files)[number]>>;
  for (let pause = RECOVERY_POLL_FIRST_MS; ; pause *= 2) {
    let recent: AssetSummary[];
    try {
      recent = await listAssetsCreatedSince(input.api, input.libraryId, since);
    } catch (error) {
      input.logger.warn(`Listing the library to recover interrupted uploads failed: ${(error as Error).message}`);
      return null;
    }
    const candidates = recent.filter((asset) => asset.tags.length === 0 && batches.some((batch) => mayAdoptFor(batch, asset)));
    groups = groupCandidates(files, candidates);

    const short = groups.some((group) => group.candidates.length < group.files.length);
    const wait = Math.min(pause, listedBy - input.now());
    if (input.sleep === undefined || !short || wait <= 0) break;
    if (pause === RECOVERY_POLL_FIRST_MS) input.logger.info('Some of their assets are not listed yet. Waiting for the listing to catch up.');
    try {
      await input.sleep(wait);
    } catch {
      // The run was stopped, so recovery goes on with the last listing.
      break;
    }
  }

  const adoptions: Adoption[] = [];
  for (const group of groups) {
    if (group.status === 'ambiguous') {
      input.logger.warn(`${plural(group.files.length, 'file')} named "${assetNameFor(group.files[0]!.path)}" that an interrupted upload left ` +
        `match ${plural(group.candidates.length, 'untagged asset')}, so none is adopted; the files are planned as if nothing had been stored.`);
    }
    if (group.status !== 'match') continue;

    group.files.forEach(({ batch, ...file }, index) => {
      const asset = group.candidates[index]!;
      if (!mayAdoptFor(batch, asset)) return;
      const tags = syncTagsFor(input.ownerTag, file.fingerprint, file.path, input.extraTags);
      adoptions.push({ batchId: batch.id, file, asset: { ...asset, tags } });
    });
  }

  return { batches, adoptions };
}

/**
 * Tags the adopted assets and updates the journal: a batch leaves it once each of its files is
 * tagged, found tagged already, or expired. Resolves with the adoptions whose tag call failed.
 */
export async function applyAdoptions(input: RecoveryInput, recovery: Recovery): Promise<Array<Adoption & { error: string }>> {
  const failed: Array<Adoption & { error: string }> = [];
  const unresolvedByBatch = new Map<string, Set<string>>();

  for (const adoption of recovery.adoptions) {
    try {
      await tagSyncedAsset(input.api, input.libraryId, input.ownerTag, adoption.asset.id, adoption.file.path, adoption.asset.tags, input.logger);
      input.logger.info(`Adopted asset ${adoption.asset.id}, left untagged by an interrupted upload of ${adoption.file.path}.`);
    } catch (error) {
      const message = (error as Error).message;
      input.logger.warn(`Tagging asset ${adoption.asset.id}, left untagged by an interrupted upload of ${adoption.file.path}, failed: ${message}`);
      failed.push({ ...adoption, error: message });
      const unresolved = unresolvedByBatch.get(adoption.batchId) ?? new Set();
      unresolved.add(adoption.file.fingerprint);
      unresolvedByBatch.set(adoption.batchId, unresolved);
    }
  }

  const adopted = new Set(recovery.adoptions.map((adoption) => `${adoption.batchId}\u0000${adoption.file.fingerprint}`));
  for (const batch of recovery.batches) {
    const failedHere = unresolvedByBatch.get(batch.id) ?? new Set<string>();
    const unresolved = batch.files.filter((file) => !input.ownedFingerprints.has(file.fingerprint) &&
      (failedHere.has(file.fingerprint) || !adopted.has(`${batch.id}\u0000${file.fingerprint}`)));
    const expired = input.now() - batch.startedAt > PENDING_BATCH_EXPIRY_MS;
    try {
      await input.journal.remove(batch.id);
      if (unresolved.length > 0 && !expired) await input.journal.add({ ...batch, files: unresolved });
    } catch (error) {
      input.logger.warn(`Updating the upload journal failed: ${(error as Error).message}`);
    }
  }

  return failed;
}
