/**
 * The sync engine: scan, list, plan, guard, upload and tag, prune, wait for the listing, report.
 * Pure: the caller passes the client, the scanner, the clock and the sleep.
 */

import { MAX_PAGE_SIZE } from '../api/limits';
import { RasterApiError } from '../errors';
import type { AssetSummary } from '../api/types';
import type { SyncApi } from './api';
import { checkGuards } from './guards';
import { applyAdoptions, findAdoptions, type Recovery, type RecoveryInput, type UploadJournal } from './journal';
import { listOwnedAssets } from './listing';
import type { ResolvedSyncOptions } from './options';
import { escapedName, isFolderPath } from './paths';
import { plannedEntry, planSync, staleKeptReason, type LocalFile, type PlannedUpload } from './plan';
import { plural } from './plural';
import { waitUntilListed } from './settle';
import { fingerprintFor, fingerprintsIn, ownerTagFor, type TextHasher } from './tags';
import type { FileOutcome, SyncCounts, SyncEvent, SyncLogger, SyncOutcome, SyncPhase, SyncPlan, SyncReport } from './types';
import { runUploadPhase, trashInBatches, type FileReader } from './upload';

export type ScanOutcome = { found: true; files: LocalFile[] } | { found: false; reason: string };

export interface SyncDependencies {
  api: SyncApi;
  /**
   * The organization slug, read from the key when the options name none. Rejects when `signal`,
   * the run's own, aborts.
   */
  resolveOrganization: (signal?: AbortSignal) => Promise<string>;
  /**
   * Scans the folder. A scanner may call `onFolderFound` once it has found the folder and before
   * it walks it. The engine then lists the library while the files are found and hashed. A
   * scanner may also call `hashNeeded` before it hashes a file. Once that returns false, the plan
   * needs no hash, and the scanner may mark the file `hashOnUpload` instead of hashing it.
   */
  scan: (onProgress: (done: number, total: number) => void, onFolderFound?: () => void, hashNeeded?: () => boolean) => Promise<ScanOutcome>;
  /** HTTP requests sent so far, retries included. */
  requestCount: () => number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
  logger?: SyncLogger | undefined;
  onEvent?: ((event: SyncEvent) => void) | undefined;
  /**
   * Record of upload batches in flight, kept outside the library. With one, a run adopts the
   * untagged assets an earlier run left when it was killed between upload and tag.
   */
  journal?: UploadJournal | undefined;
  /**
   * Reads files once for their upload: their bytes and SHA-256. Without it, `hashNeeded` always
   * returns true. With it, `hashNeeded` turns false once the listing shows that the sync owns no
   * asset in the library and the journal contains none of its batches, as on a first sync that
   * is not a dry run. The upload then reads each file the scan did not hash, hashes those bytes
   * for the fingerprint and sends them.
   */
  fileReader?: FileReader | undefined;
  /**
   * SHA-256 of a string, for the plan's fingerprints. Node's `crypto.hash` derived 10,000 of them
   * in 4 to 6 ms, the pure TypeScript one used when this is omitted in 14 to 18 ms (2 vCPUs).
   */
  hashText?: TextHasher | undefined;
}

/** The owned assets and the count of foreign ones, or why listing them failed. */
type Listing = { owned: AssetSummary[]; foreignCount: number } | { failure: string };

const SILENT_LOGGER: SyncLogger = { debug: () => {}, info: () => {}, warn: () => {} };

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Describes a failed `GET /me`. The client's advice for a rejected key assumes a given
 * organization, which the run did not have when it asked the key for one.
 */
function describeKeyError(error: unknown): string {
  if (error instanceof RasterApiError && (error.kind === 'invalid-api-key' || error.kind === 'unauthenticated')) {
    return `${error.method} ${error.path} failed with ${error.status} ${error.code}: ${error.serviceMessage} Check that the API key is a current Raster API key.`;
  }
  return describeError(error);
}

function emptyPlan(): SyncPlan {
  return { upload: [], unchanged: [], prune: [], skipped: [], foreignCount: 0, collisions: [], ownedCount: 0 };
}

/**
 * Returns the warning for a collision, with its members as the file system stores them. Names
 * equal in NFC are escaped, since they would print the same.
 */
function collisionWarning(collision: NonNullable<SyncPlan['collisions']>[number]): string {
  if (collision.kind === 'case') return `These names collide when case is ignored and are skipped: ${collision.names.join(', ')}`;
  const rule = new Set(collision.paths).size > 1 ? 'after Unicode normalisation or when case is ignored,' : 'after Unicode normalisation';
  return `These names collide ${rule} and are skipped: ${collision.names.map(escapedName).join(', ')}`;
}

/** Counts the files by outcome. `foreign` is undefined when the run did not list the library. */
function countOutcomes(files: readonly FileOutcome[], foreign: number | undefined): SyncCounts {
  const counts: SyncCounts = { uploaded: 0, unchanged: 0, pruned: 0, skipped: 0, cancelled: 0, failed: 0 };
  if (foreign !== undefined) counts.foreign = foreign;
  for (const file of files) counts[file.status] = (counts[file.status] ?? 0) + 1;
  return counts;
}

/**
 * Returns the report of a run that a guard stopped before it scanned or sent anything, such as
 * the run lock held by another run. Logs the reason, as the other guards do.
 */
export function reportStoppedBeforeStart(options: ResolvedSyncOptions, reason: string, logger: SyncLogger = SILENT_LOGGER): SyncReport {
  logger.info(`Stopped by a guard, nothing was written: ${reason}`);
  return {
    syncId: options.syncId,
    ownerTag: ownerTagFor(options.syncId),
    organization: options.organization ?? '',
    library: options.library,
    dryRun: options.dryRun,
    outcome: 'guard',
    stopReason: reason,
    plan: emptyPlan(),
    files: [],
    counts: countOutcomes([], undefined),
    requests: 0,
    durationMs: 0,
  };
}

/** Runs one sync and resolves with its report. Rejects only for invalid use; every other failure is in the report. */
export async function runSync(options: ResolvedSyncOptions, deps: SyncDependencies): Promise<SyncReport> {
  return new SyncRun(options, deps).run();
}

class SyncRun {
  private readonly logger: SyncLogger;
  private readonly startedAt: number;
  private readonly ownerTag: string;
  /** The organization given in the options, else the key's once it is resolved, else empty. */
  private organization: string;
  private plan: SyncPlan = emptyPlan();
  /** Whether a plan was made from a listing of the library. Before that, `plan.foreignCount` is a placeholder 0. */
  private planned = false;
  private readonly files: FileOutcome[] = [];
  private readonly adoptedAssetIds: string[] = [];

  constructor(private readonly options: ResolvedSyncOptions, private readonly deps: SyncDependencies) {
    this.logger = deps.logger ?? SILENT_LOGGER;
    this.startedAt = deps.now();
    this.ownerTag = ownerTagFor(options.syncId);
    this.organization = options.organization ?? '';
  }

  /** Logs a failure that ends the run, through `logger.error` when the logger has one. */
  private logError(message: string): void {
    if (this.logger.error) this.logger.error(message);
    else this.logger.warn(message);
  }

  private emit(event: SyncEvent): void {
    this.deps.onEvent?.(event);
  }

  private phase(phase: SyncPhase): void {
    this.emit({ type: 'phase', phase });
  }

  private record(outcome: FileOutcome): void {
    this.files.push(outcome);
    this.emit({ type: 'file', outcome });
  }

  private report(outcome: SyncOutcome, stopReason?: string): SyncReport {
    const report: SyncReport = {
      syncId: this.options.syncId,
      ownerTag: this.ownerTag,
      organization: this.organization,
      library: this.options.library,
      dryRun: this.options.dryRun,
      outcome,
      plan: this.plan,
      files: this.files,
      counts: countOutcomes(this.files, this.planned ? this.plan.foreignCount : undefined),
      requests: this.deps.requestCount(),
      durationMs: Math.max(0, this.deps.now() - this.startedAt),
    };
    if (stopReason !== undefined) report.stopReason = stopReason;
    if (this.adoptedAssetIds.length > 0) report.adoptedAssetIds = [...this.adoptedAssetIds];
    return report;
  }

  async run(): Promise<SyncReport> {
    const { options, deps, logger } = this;
    logger.info(`Syncing ${options.path} into library ${options.library} (sync id "${options.syncId}", owner tag ${this.ownerTag}).`);

    // Scan first: a missing folder stops the run before any request. Once the scanner has found
    // the folder, the listing runs while the files are found and hashed, since it only reads.
    this.phase('scan');
    let earlyListing: Promise<Listing> | undefined;
    let hashNeeded = true;
    const startListing = (): void => {
      if (earlyListing !== undefined) return;
      earlyListing = this.listOwned();
      if (deps.fileReader !== undefined && !options.dryRun) {
        void earlyListing.then(async (listing) => {
          if (await this.planNeedsNoHash(listing)) hashNeeded = false;
        });
      }
    };
    let scan: ScanOutcome;
    try {
      scan = await deps.scan((done, total) => this.emit({ type: 'progress', phase: 'scan', done, total }), startListing, () => hashNeeded);
    } catch (error) {
      await earlyListing;
      const reason = `Scanning the folder failed, so nothing was written: ${describeError(error)}`;
      this.logError(reason);
      return this.report('failed', reason);
    }
    if (!scan.found) {
      await earlyListing;
      logger.info(`Stopped by a guard, nothing was written: ${scan.reason}`);
      return this.report('guard', scan.reason);
    }
    // The scan also reports the folders it skipped, which are not files.
    const skippedFolderCount = scan.files.filter((file) => isFolderPath(file.path)).length;
    const discoveredCount = scan.files.length - skippedFolderCount;
    const skippedFolders = skippedFolderCount === 0 ? '' : `, and skipped ${plural(skippedFolderCount, 'folder')}`;
    logger.info(`Found ${plural(discoveredCount, 'file')}${skippedFolders}.`);
    if (deps.signal?.aborted) {
      await earlyListing;
      return this.stoppedBeforeWriting();
    }

    // List every owned asset; without a complete listing nothing may be written.
    this.phase('list');
    const listing = await (earlyListing ?? this.listOwned());
    // A stop during the listing aborts its requests, and the run ends before it plans.
    if (deps.signal?.aborted) return this.stoppedBeforeWriting();
    if ('failure' in listing) {
      this.logError(listing.failure);
      return this.report('failed', listing.failure);
    }
    logger.info(`Listed ${plural(listing.owned.length, 'asset')} owned by this sync and ${plural(listing.foreignCount, 'other')}.`);
    const recovery = await this.findInterruptedUploads(listing);
    if (listing.owned.length > 0) await this.hashUnhashed(scan.files);

    this.phase('plan');
    const { plan, uploads } = planSync({ syncId: options.syncId, ownerTag: this.ownerTag, files: scan.files, ...listing, prune: options.prune, hashText: deps.hashText });
    this.emit({ type: 'plan', plan });
    this.recordPlan(plan, listing.owned);

    const guard = checkGuards({ plan, prune: options.prune, maxDeletes: options.maxDeletes, discoveredCount, skippedFolderCount });
    if (guard !== null) {
      logger.info(`Stopped by a guard, nothing was written: ${guard}`);
      return this.report('guard', guard);
    }

    if (options.dryRun) {
      const adoptable = recovery?.adoptions.length ?? 0;
      if (adoptable > 0) {
        const them = adoptable === 1 ? 'it' : 'them';
        logger.info(
          `Dry run: ${plural(adoptable, 'asset')} that an interrupted run uploaded for files of this sync would be adopted: ` +
            `the plan counts ${them} as unchanged, and a run tags ${them} as this sync's.`,
        );
      }
      logger.info('Dry run: nothing was written.');
      return this.report('success');
    }

    if (deps.signal?.aborted) {
      for (const upload of uploads) {
        this.record({ path: upload.path, status: 'cancelled', reason: 'The run was stopped before this file was uploaded.' });
      }
      return this.stoppedBeforeWriting();
    }

    if (recovery !== null) await this.adoptInterruptedUploads(recovery, listing.owned);

    const result = await this.upload(uploads);
    // The files hashed as they were uploaded have their fingerprints now.
    if (plan.upload.some((entry) => entry.fingerprint === undefined)) this.plan = { ...plan, upload: uploads.map(plannedEntry) };
    const failed = this.files.filter((file) => file.status === 'failed');
    const stopped = result.stopped || deps.signal?.aborted === true;
    const unreachable = result.unreachable;

    // Prune only after everything else succeeded.
    let pruneFailure: string | null = null;
    if (options.prune && plan.prune.length > 0) {
      if (unreachable !== null) {
        logger.warn(`Skipping the prune of ${plural(plan.prune.length, 'asset')} because the Raster API could not be reached.`);
      } else if (failed.length > 0) {
        logger.warn(`Skipping the prune of ${plural(plan.prune.length, 'asset')} because ${plural(failed.length, 'file')} failed.`);
      } else if (stopped) {
        logger.warn(`Skipping the prune of ${plural(plan.prune.length, 'asset')} because the run was stopped.`);
      } else {
        pruneFailure = await this.prune();
      }
    }

    // Wait until this run's uploads are listed, so that a run started right after finds them. A
    // stopped run waits too, for a shorter time, and one that could not reach the API does not.
    // The work is done by then, so a listing that cannot reach the API only ends the wait.
    if (options.waitForListing && result.uploadedIds.length > 0) {
      if (unreachable === null) {
        await this.waitForListing(result.uploadedIds);
      } else {
        logger.warn(`Not waiting for ${plural(result.uploadedIds.length, 'upload')} to be listed, because the Raster API could not be reached. ` +
          'A run started before they are listed could upload them again.');
      }
    }

    if (unreachable !== null) return this.unreachableReport(unreachable, failed);
    return this.finish(failed, stopped, pruneFailure);
  }

  /**
   * Returns the report of a run that stopped because the API could not be reached, after logging
   * it as an error: the cause, and what was left undone.
   */
  private unreachableReport(error: string, failed: readonly FileOutcome[]): SyncReport {
    const sentences = [`The Raster API could not be reached, so the run stopped: ${/[.!?]$/.test(error) ? error : `${error}.`}`];
    if (failed.length > 0) sentences.push(`${plural(failed.length, 'file')} failed.`);
    if (this.options.prune && this.plan.prune.length > 0) sentences.push('Nothing was pruned.');
    const reason = sentences.join(' ');
    this.logError(reason);
    return this.report('failed', reason);
  }

  /** Lists the owned assets and counts the foreign ones; returns why it failed instead of throwing. */
  private async listOwned(): Promise<Listing> {
    const { signal } = this.deps;
    try {
      this.organization = await this.deps.resolveOrganization(signal);
    } catch (error) {
      return { failure: `Resolving the organization from the API key failed, so nothing was written: ${describeKeyError(error)}` };
    }
    // The library's asset count is read while the owned assets are listed. When one fails, the
    // other is stopped and awaited, so that no request or retry of it outlives the run's report.
    // A stop of the run stops both.
    const stopBoth = new AbortController();
    const stopWithRun = (): void => stopBoth.abort(signal?.reason);
    if (signal?.aborted) stopWithRun();
    else signal?.addEventListener('abort', stopWithRun, { once: true });
    let failure: { error: unknown } | undefined;
    const stopOthersOnFailure = <T>(work: Promise<T>): Promise<T> => work.catch((error: unknown) => {
      if (failure === undefined) {
        failure = { error };
        stopBoth.abort();
      }
      throw error;
    });
    const [owned, assetsCount] = await Promise.allSettled([
      stopOthersOnFailure(listOwnedAssets(this.deps.api, this.options.library, this.ownerTag, stopBoth.signal)),
      stopOthersOnFailure(this.libraryAssetCount(stopBoth.signal)),
    ]);
    signal?.removeEventListener('abort', stopWithRun);
    if (failure !== undefined || owned.status === 'rejected' || assetsCount.status === 'rejected') {
      return { failure: `Listing the library failed, so nothing was written: ${describeError(failure?.error)}` };
    }
    return { owned: owned.value, foreignCount: Math.max(0, assetsCount.value - owned.value.length) };
  }

  /**
   * Returns whether the plan can do without the files' hashes: the listing shows no asset of
   * this sync, and the journal contains no batch of it whose assets recovery would adopt.
   */
  private async planNeedsNoHash(listing: Listing): Promise<boolean> {
    if ('failure' in listing || listing.owned.length > 0) return false;
    const journal = this.deps.journal;
    if (journal === undefined) return true;
    try {
      const batches = await journal.load();
      return !batches.some((batch) => batch.ownerTag === this.ownerTag && batch.libraryId === this.options.library);
    } catch {
      return false;
    }
  }

  /**
   * Hashes the files the scan left to the upload, for a plan that compares them with owned
   * assets. That happens only when the journal gained batches to adopt after the scan stopped
   * hashing.
   */
  private async hashUnhashed(files: LocalFile[]): Promise<void> {
    const reader = this.deps.fileReader;
    if (reader === undefined) return;
    for (const file of files) {
      if (!file.hashOnUpload) continue;
      delete file.hashOnUpload;
      try {
        const read = await reader.read(file);
        if (read.bytes !== undefined) reader.release(read.bytes);
        if (read.length === file.size && read.contentType === file.contentType) file.sha256 = read.sha256;
        else file.skipReason = 'The file changed while it was being read; run the sync again.';
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        file.skipReason = `The file cannot be read (${typeof code === 'string' ? code : describeError(error)}).`;
        // A file removed since the folder was read is gone, not unreadable.
        if (code !== 'ENOENT') file.readFailed = true;
      }
    }
  }

  private recoveryInput(journal: UploadJournal, owned: readonly AssetSummary[]): RecoveryInput {
    const ownerTag = this.ownerTag;
    // A copy, because the caller adds adopted assets to `owned` afterwards.
    const ownedAtStart = [...owned];
    let ownedFingerprints: Set<string> | undefined;
    return {
      api: this.deps.api,
      journal,
      libraryId: this.options.library,
      ownerTag: this.ownerTag,
      extraTags: this.options.tags,
      // Built on first use, because most runs find no batch in the journal and never read it.
      get ownedFingerprints() {
        ownedFingerprints ??= new Set(ownedAtStart.flatMap((asset) => fingerprintsIn(asset.tags, ownerTag)));
        return ownedFingerprints;
      },
      now: this.deps.now,
      sleep: (ms) => this.deps.sleep(ms, this.deps.signal),
      logger: this.logger,
    };
  }

  /**
   * Finds, without writing, the assets an interrupted earlier run uploaded but never tagged (see
   * `findAdoptions`), and counts them as owned, with their tags to be, instead of foreign.
   */
  private async findInterruptedUploads(listing: { owned: AssetSummary[]; foreignCount: number }): Promise<Recovery | null> {
    if (this.deps.journal === undefined) return null;

    const recovery = await findAdoptions(this.recoveryInput(this.deps.journal, listing.owned));
    if (recovery === null) return null;

    for (const adoption of recovery.adoptions) listing.owned.push(adoption.asset);
    listing.foreignCount = Math.max(0, listing.foreignCount - recovery.adoptions.length);
    return recovery;
  }

  /**
   * Tags the assets `findInterruptedUploads` found. A file whose asset could not be tagged was
   * planned as unchanged, so its outcome turns to failed, which also keeps the prune from running.
   */
  private async adoptInterruptedUploads(recovery: Recovery, owned: readonly AssetSummary[]): Promise<void> {
    const journal = this.deps.journal;
    if (journal === undefined) return;

    const alreadyOwned = owned.filter((asset) => !recovery.adoptions.some((adoption) => adoption.asset.id === asset.id));
    const failed = await applyAdoptions(this.recoveryInput(journal, alreadyOwned), recovery);
    const failedIds = new Set(failed.map((adoption) => adoption.asset.id));
    for (const adoption of recovery.adoptions) {
      if (!failedIds.has(adoption.asset.id)) this.adoptedAssetIds.push(adoption.asset.id);
    }

    for (const adoption of failed) {
      const outcome = this.files.find((file) => file.assetId === adoption.asset.id);
      const reason = `Adopting asset ${adoption.asset.id}, which an interrupted run uploaded for this file, failed: ${adoption.error}`;
      if (outcome !== undefined) {
        outcome.status = 'failed';
        outcome.reason = reason;
        this.emit({ type: 'file', outcome });
      }
    }
  }

  /** Logs the plan and records the outcome of every file the plan settles without a write. */
  private recordPlan(plan: SyncPlan, owned: readonly AssetSummary[]): void {
    this.plan = plan;
    this.planned = true;
    const stale = plan.stale === undefined ? '' : `, ${plan.stale.length} stale kept because ${staleKeptReason(plan) ?? 'prune is off'}`;
    // Adapters print the whole plan from the plan event, so this summary is a debug line.
    this.logger.debug(`Plan: ${plan.upload.length} to upload, ${plan.unchanged.length} unchanged, ${plan.prune.length} to prune${stale}, ${plan.skipped.length} skipped, ${plan.foreignCount} foreign.`);
    for (const collision of plan.collisions ?? []) this.logger.warn(collisionWarning(collision));
    if (plan.staleKeptBecause === 'unreadable' && plan.stale !== undefined) {
      this.logger.warn(
        `Trashing nothing, because ${staleKeptReason(plan)}: an asset that looks stale may belong to what could not be read. ` +
          `Fix the permissions or exclude what could not be read, then run again to trash ${plural(plan.stale.length, 'stale asset')}.`,
      );
    }

    for (const entry of plan.skipped) {
      const outcome: FileOutcome = { path: entry.path, status: 'skipped', reason: entry.reason };
      if (entry.rawPath !== undefined) outcome.rawPath = entry.rawPath;
      this.record(outcome);
    }

    const ownedById = new Map(owned.map((asset) => [asset.id, asset]));
    for (const entry of plan.unchanged) {
      const outcome: FileOutcome = { path: entry.path, status: 'unchanged', assetId: entry.assetId };
      if (entry.url !== null) outcome.url = entry.url;
      const thumbUrl = ownedById.get(entry.assetId)?.thumbUrl;
      if (thumbUrl) outcome.thumbUrl = thumbUrl;
      this.record(outcome);
    }
  }

  private async upload(uploads: PlannedUpload[]) {
    this.phase('upload');
    let done = 0;
    return runUploadPhase({
      api: this.deps.api,
      libraryId: this.options.library,
      ownerTag: this.ownerTag,
      extraTags: this.options.tags,
      uploads,
      concurrency: this.options.concurrency,
      batchBytes: this.options.batchBytes,
      reconcileTimeoutMs: this.options.reconcileTimeoutMs,
      signal: this.deps.signal,
      now: this.deps.now,
      sleep: this.deps.sleep,
      logger: this.logger,
      journal: this.deps.journal,
      fileReader: this.deps.fileReader,
      fingerprintOf: (path, sha256) => fingerprintFor(this.options.syncId, path, sha256, this.deps.hashText),
      onOutcome: (outcome) => {
        this.record(outcome);
        done += 1;
        this.emit({ type: 'progress', phase: 'upload', done, total: uploads.length });
      },
    });
  }

  private stoppedBeforeWriting(): SyncReport {
    const reason = 'The run was stopped before the first upload; nothing was written.';
    this.logger.warn(reason);
    return this.report('partial', reason);
  }

  private finish(failed: readonly FileOutcome[], stopped: boolean, pruneFailure: string | null): SyncReport {
    if (failed.length > 0) {
      const names = failed.slice(0, 10).map((file) => file.path).join(', ');
      const more = failed.length > 10 ? ` and ${failed.length - 10} more` : '';
      const reason = `${plural(failed.length, 'file')} failed (${names}${more}), so nothing was pruned.`;
      this.logger.warn(reason);
      return this.report('failed', reason);
    }
    if (pruneFailure !== null) return this.report('failed', pruneFailure);
    if (stopped) {
      const reason = 'The run was stopped: batches in flight were finished and tagged, the remaining files were not uploaded, and nothing was pruned.';
      this.logger.warn(reason);
      return this.report('partial', reason);
    }

    this.logger.info('The sync finished.');
    return this.report('success');
  }

  /**
   * Reads the library's asset count, from which the assets without the owner tag are counted.
   * Returns 0 when the library is not in the key's library list.
   */
  private async libraryAssetCount(signal: AbortSignal): Promise<number> {
    for (let page = 1; ; page++) {
      const libraries = await this.deps.api.listLibrarySummaries({ page, pageSize: MAX_PAGE_SIZE, signal });
      const library = libraries.find((candidate) => candidate.id === this.options.library);
      if (library) return library.assetsCount;
      if (libraries.length < MAX_PAGE_SIZE) break;
    }
    this.logger.debug(`Library ${this.options.library} is not in the key's library list; counting 0 foreign assets.`);
    return 0;
  }

  /** Trashes the planned assets in batches of 100; returns why it failed, or null. */
  private async prune(): Promise<string | null> {
    this.phase('prune');
    const ids = this.plan.prune.map((entry) => entry.assetId);
    this.logger.info(`Moving ${plural(ids.length, 'stale asset')} to the trash.`);

    let moved: Set<string>;
    try {
      moved = new Set(await trashInBatches(this.deps.api, this.options.library, ids));
    } catch (error) {
      const reason = `The prune failed: ${describeError(error)}`;
      this.logger.warn(reason);
      for (const entry of this.plan.prune) {
        const outcome: FileOutcome = { path: entry.path ?? entry.name ?? entry.assetId, status: 'failed', assetId: entry.assetId, reason };
        if (entry.name !== null) outcome.name = entry.name;
        if (entry.url !== null) outcome.url = entry.url;
        this.record(outcome);
      }
      return reason;
    }

    for (const entry of this.plan.prune) {
      const outcome: FileOutcome = { path: entry.path ?? entry.name ?? entry.assetId, status: 'pruned', assetId: entry.assetId };
      if (entry.name !== null) outcome.name = entry.name;
      if (entry.url !== null) outcome.url = entry.url;
      if (!moved.has(entry.assetId)) outcome.reason = 'The asset was already in the trash.';
      this.record(outcome);
    }
    return null;
  }

  /** Waits until this run's uploads are listed, copying their thumbnails into the outcomes. */
  private async waitForListing(ids: readonly string[]): Promise<void> {
    this.phase('settle');
    const uploadedById = new Map(this.files.filter((file) => file.status === 'uploaded' && file.assetId !== undefined).map((file) => [file.assetId!, file]));

    await waitUntilListed({
      api: this.deps.api,
      libraryId: this.options.library,
      ownerTag: this.ownerTag,
      ids,
      timeoutMs: this.options.waitForListingTimeoutMs,
      now: this.deps.now,
      sleep: this.deps.sleep,
      signal: this.deps.signal,
      logger: this.logger,
      onProgress: (done, total) => this.emit({ type: 'progress', phase: 'settle', done, total }),
      onListed: (asset) => {
        // Thumbnails are null in the upload response until Raster has processed the file.
        const outcome = uploadedById.get(asset.id);
        if (outcome !== undefined && asset.thumbUrl !== null) outcome.thumbUrl = asset.thumbUrl;
      },
    });
  }
}
