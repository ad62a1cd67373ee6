/**
 * The upload phase: sends the planned files in batches, maps each returned asset to its file,
 * tags it, and checks what an upload with a lost response stored before sending it again.
 */

import { DEFAULT_UPLOAD_BATCH_BYTES, MAX_FILES_PER_UPLOAD, MAX_IDS_PER_REQUEST } from '../api/limits';
import type { AssetSummary } from '../api/types';
import { RasterApiError, RasterNetworkError, RasterUsageError } from '../errors';
import { isPermanentNetworkCode } from '../retry';
import type { FilePart } from '../transport';
import type { SyncApi } from './api';
import { groupCandidates } from './adoption-groups';
import { ADOPTION_SETTLE_MS, AdoptionWindow } from './adoption-window';
import { mapWithConcurrency } from './concurrency';
import { Limiter, UploadGate } from './gate';
import { PENDING_BATCH_EXPIRY_MS, type PendingBatch, type UploadJournal } from './journal';
import { listAssetsCreatedSince } from './listing';
import { TAG_CALLS_PER_BATCH } from './options';
import { assetNameFor, isAssetNameOf } from './paths';
import type { LocalFile, PlannedUpload } from './plan';
import { plural } from './plural';
import { tagSyncedAsset } from './tag-call';
import { syncTagsFor } from './tags';
import type { FileOutcome, SyncLogger } from './types';
import { isApiUnreachable } from './unreachable';

/** Times one batch is sent again after its response was lost and its files were not found. */
export const MAX_RESENDS = 2;

/** First and longest pause between two listings while reconciling, in milliseconds. */
const RECONCILE_POLL_FIRST_MS = 250;
const RECONCILE_POLL_MAX_MS = 2_000;

/** A planned upload whose fingerprint is known, as every upload is once its batch was read. */
type ReadyUpload = PlannedUpload & { fingerprint: string };

/** The result of a `FileReader` read: length, hash and type of the bytes, and the bytes if kept. */
export interface FileRead {
  /** Bytes read: one more than `file.size` when the file grew, fewer when it shrank. */
  length: number;
  /** SHA-256 of the bytes read, as 64 hex digits. */
  sha256: string;
  /** Type detected from the first bytes, or null when Raster does not accept them. */
  contentType: string | null;
  /**
   * The bytes, when the reader kept them for sending; they stay valid until released. Without
   * them, the file is sent from its source, checked against `sha256`.
   */
  bytes?: Uint8Array;
}

/** Reads local files for their upload. */
export interface FileReader {
  /** Reads `file` once. */
  read(file: LocalFile): Promise<FileRead>;
  /** Gives back bytes that `read` kept, once nothing reads them any more, so that it can reuse their memory. */
  release(bytes: Uint8Array): void;
}

/** Failure kinds after which no further batch can succeed, so no new batch starts. */
const FATAL_KINDS = new Set(['unauthenticated', 'invalid-api-key', 'library-not-reachable', 'read-only-key', 'plan-limit', 'organization-not-found']);

/** Failure kinds caused by one file of a batch: the batch is split to find it. */
const PER_FILE_KINDS = new Set(['payload-too-large', 'bad-input']);

export interface UploadPhaseInput {
  api: SyncApi;
  libraryId: string;
  ownerTag: string;
  extraTags: readonly string[];
  uploads: readonly PlannedUpload[];
  concurrency: number;
  batchBytes?: number | undefined;
  reconcileTimeoutMs: number;
  signal?: AbortSignal | undefined;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  logger: SyncLogger;
  /** Record of each batch from just before it is sent until it is settled. */
  journal?: UploadJournal | undefined;
  /**
   * Reads the files planned without a hash (`fingerprint` undefined). Each is read once, just
   * before its batch is recorded in the journal, and its bytes are sent as read. They are
   * released once the upload request has settled.
   */
  fileReader?: FileReader | undefined;
  /** Returns the fingerprint of the file at `path` whose bytes have the SHA-256 `sha256`. */
  fingerprintOf: (path: string, sha256: string) => string;
  /** Called once per file as soon as its outcome is final. */
  onOutcome: (outcome: FileOutcome) => void;
}

export interface UploadPhaseResult {
  outcomes: FileOutcome[];
  /** Ids of the assets uploaded (or adopted) and tagged by this run. */
  uploadedIds: string[];
  /** True when the signal stopped the phase before every batch was sent. */
  stopped: boolean;
  /** The error that showed that the API could not be reached, after which no new batch started, or null. */
  unreachable: string | null;
}

/** Splits uploads into batches of at most 20 files and `maxBytes` bytes, keeping their order. */
export function packBatches(uploads: readonly PlannedUpload[], maxBytes = DEFAULT_UPLOAD_BATCH_BYTES): PlannedUpload[][] {
  const batches: PlannedUpload[][] = [];
  let current: PlannedUpload[] = [];
  let currentBytes = 0;

  for (const upload of uploads) {
    const full = current.length >= MAX_FILES_PER_UPLOAD || (current.length > 0 && currentBytes + upload.size > maxBytes);
    if (full) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(upload);
    currentBytes += upload.size;
  }

  if (current.length > 0) batches.push(current);
  return batches;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorKind(error: unknown): string | undefined {
  return error instanceof RasterApiError ? error.kind : undefined;
}

/**
 * Returns the index of the file part a transport rejected before sending it whole, because the
 * file no longer has the size or the SHA-256 it was hashed with or cannot be read
 * (`RasterUsageError` on `files[i]`).
 */
function changedFileIndex(error: unknown, batchLength: number): number | undefined {
  if (!(error instanceof RasterUsageError)) return undefined;
  const match = /^files\[(\d+)\]\.(size|source|sha256)$/.exec(error.parameter);
  const index = match === null ? Number.NaN : Number(match[1]);
  return Number.isInteger(index) && index < batchLength ? index : undefined;
}

/**
 * Describes, for the user, how the file of a part changed since the scan, from the transport's
 * error about that part. A source that could not be read carries the file system's error as its
 * cause; one without a cause is no longer a regular file.
 */
function describeChange(error: RasterUsageError, upload: PlannedUpload): string {
  if (error.parameter.endsWith('.size')) return `its size is no longer the ${upload.size} bytes the scan found`;
  if (error.parameter.endsWith('.sha256')) return 'its bytes are no longer those the scan hashed';
  if (error.cause === undefined) return 'it is no longer a regular file';
  const code = (error.cause as { code?: unknown }).code;
  return typeof code === 'string' ? `it can no longer be read (${code})` : 'it can no longer be read';
}

/**
 * Returns the part of one file: `bytes` when the upload read them for the fingerprint, else the
 * file's source, with the SHA-256 the transport checks the bytes sent against.
 */
function filePart(upload: PlannedUpload, bytes: Uint8Array | undefined): FilePart {
  const filename = upload.path.split('/').pop() ?? upload.path;
  const contentType = upload.file.contentType ?? 'application/octet-stream';
  if (bytes !== undefined) return { filename, contentType, size: upload.size, source: { kind: 'bytes', bytes } };

  const source = upload.file.source;
  if (source === undefined) {
    throw new Error(`The file ${upload.path} has no source to read its bytes from.`);
  }
  // The fingerprint tag is derived from this hash, so the bytes sent must still have it.
  return { filename, contentType, size: upload.size, source, sha256: upload.file.sha256 };
}

/** Runs the upload phase. Never rejects for a failed file: each failure is an outcome. */
export async function runUploadPhase(input: UploadPhaseInput): Promise<UploadPhaseResult> {
  return new UploadPhase(input).run();
}

class UploadPhase {
  private readonly gate = new UploadGate();
  private readonly tagLimiter: Limiter;
  /** Ids of every asset this run uploaded or adopted; reconciliation never adopts them twice. */
  private readonly claimedIds = new Set<string>();
  private readonly window = new AdoptionWindow();
  private readonly outcomes: FileOutcome[] = [];
  private readonly uploadedIds: string[] = [];
  private fatalError: string | null = null;
  /**
   * The error that showed the API could not be reached. No batch starts after it, and a lost
   * response is no longer checked, because neither request could reach the API.
   */
  private unreachable: string | null = null;
  /**
   * True once an asset could be neither tagged nor trashed. Batches then stay in the journal, so
   * the next run adopts that asset; entries whose assets are all tagged resolve at no cost.
   */
  private untaggedLeft = false;
  /**
   * Batches with a lost response whose files matched more than one candidate. They stay in the
   * journal, so the next run adopts their assets once the look-alikes are tagged by their owner.
   */
  private readonly ambiguousBatches = new Set<PlannedUpload[]>();
  /** Tells this run's journal entries apart from those of another process started in the same millisecond. */
  private readonly runId = Math.random().toString(36).slice(2, 8);
  private batchCounter = 0;
  private stopped = false;
  /**
   * Batches whose upload returned and whose assets are being tagged. A worker takes its next
   * batch without waiting for them, so that uploads keep the connections busy, but not while more
   * than `concurrency` batches are being tagged.
   */
  private readonly tagging = new Set<Promise<void>>();
  /** Paths as the file system stores them, for the files whose path is not NFC on disk. */
  private readonly rawPaths = new Map<string, string>();
  /** The first unexpected error of a batch's tagging, thrown once the phase has settled. */
  private taggingFailure: { error: unknown } | null = null;

  constructor(private readonly input: UploadPhaseInput) {
    if (input.fileReader === undefined && input.uploads.some((upload) => upload.fingerprint === undefined)) {
      throw new Error('runUploadPhase needs a fileReader for the files planned without a hash.');
    }
    this.tagLimiter = new Limiter(input.concurrency * TAG_CALLS_PER_BATCH);
    for (const upload of input.uploads) {
      if (upload.file.rawPath !== undefined) this.rawPaths.set(upload.path, upload.file.rawPath);
    }
  }

  async run(): Promise<UploadPhaseResult> {
    const batches = packBatches(this.input.uploads, this.input.batchBytes);
    if (batches.length > 0) {
      await this.window.takeBaseline(this.input.api, this.input.libraryId, this.input.logger);
      this.input.logger.info(`Uploading ${plural(this.input.uploads.length, 'file')} in ${plural(batches.length, 'batch', 'batches')}.`);
    }

    try {
      await mapWithConcurrency(batches, this.input.concurrency, (batch) => this.startBatch(batch, 0));
    } finally {
      await Promise.all(this.tagging);
    }
    if (this.taggingFailure !== null) throw this.taggingFailure.error;

    return { outcomes: this.outcomes, uploadedIds: this.uploadedIds, stopped: this.stopped, unreachable: this.unreachable };
  }

  /** Records that the API could not be reached, which also stops new batches. */
  private markUnreachable(error: unknown): void {
    const message = describeError(error);
    this.unreachable ??= message;
    this.fatalError ??= message;
  }

  private finish(outcome: FileOutcome): void {
    const rawPath = this.rawPaths.get(outcome.path);
    if (rawPath !== undefined) outcome.rawPath = rawPath;
    this.outcomes.push(outcome);
    this.input.onOutcome(outcome);
  }

  /**
   * Sends a new batch, unless the run was stopped or an earlier failure means no batch can
   * succeed; then settles its files without a request.
   */
  private async startBatch(batch: PlannedUpload[], resends: number): Promise<void> {
    while (this.tagging.size > this.input.concurrency) await Promise.race(this.tagging);
    if (this.input.signal?.aborted) {
      this.stopped = true;
      for (const upload of batch) {
        this.finish({ path: upload.path, status: 'cancelled', reason: 'The run was stopped before this file was uploaded.' });
      }
      return;
    }
    if (this.fatalError !== null) {
      const because = this.unreachable !== null ? 'the Raster API could not be reached' : 'an earlier upload failed';
      for (const upload of batch) {
        this.finish({ path: upload.path, status: 'failed', reason: `Not uploaded, because ${because}: ${this.fatalError}` });
      }
      return;
    }
    await this.sendBatch(batch, resends);
  }

  /**
   * Sends one batch and settles every file in it, with the batch recorded in the journal until
   * it is settled. `resends` counts earlier lost responses. Resolves once the upload returns,
   * while the tagging of its assets goes on in `tagging`.
   */
  private async sendBatch(planned: PlannedUpload[], resends: number): Promise<void> {
    const { batch, bytes } = await this.readUnhashed(planned);
    if (batch.length === 0) return;
    const startedAt = this.input.now();
    const pendingId = await this.recordPending(batch, startedAt);
    const settle = async (): Promise<void> => {
      if (pendingId !== null && !this.untaggedLeft && !this.ambiguousBatches.has(batch)) await this.clearPending(pendingId);
    };

    let uploaded: { tagged: Promise<void> } | null;
    try {
      uploaded = await this.upload(batch, bytes, resends, startedAt);
    } catch (error) {
      await settle();
      throw error;
    }
    if (uploaded === null) {
      await settle();
      return;
    }

    const tracked: Promise<void> = uploaded.tagged
      .finally(settle)
      .catch((error: unknown) => {
        this.taggingFailure ??= { error };
      })
      .finally(() => this.tagging.delete(tracked));
    this.tagging.add(tracked);
  }

  /**
   * Uploads one batch. When the upload returns, starts tagging its assets and returns that work,
   * wrapped so that awaiting the upload does not await the tagging. After a failed upload, it
   * settles the batch's files and returns null.
   */
  private async upload(
    batch: ReadyUpload[],
    bytes: ReadonlyMap<ReadyUpload, Uint8Array>,
    resends: number,
    startedAt: number,
  ): Promise<{ tagged: Promise<void> } | null> {
    let assets: AssetSummary[];

    await this.gate.acquireShared();
    try {
      const result = await this.sendParts(batch, bytes);
      assets = result.assets;
      this.window.observe(assets, this.input.now());
      for (const asset of assets) this.claimedIds.add(asset.id);
    } catch (error) {
      this.gate.releaseShared();
      await this.handleUploadError(batch, error, startedAt, resends);
      return null;
    }
    this.gate.releaseShared();

    const tagged = this.matchAssets(batch, assets).then((pairs) => this.tagAll(pairs));
    // `sendBatch` handles a failure only after its own await, so mark it handled from the start.
    tagged.catch(() => undefined);
    return { tagged };
  }

  /** Sends a batch, and then releases the bytes read for it, which the transport reads only during the request. */
  private async sendParts(batch: readonly ReadyUpload[], bytes: ReadonlyMap<ReadyUpload, Uint8Array>): Promise<{ assets: AssetSummary[] }> {
    try {
      return await this.input.api.uploadAssets(this.input.libraryId, partsOf(batch, bytes));
    } finally {
      for (const read of bytes.values()) this.input.fileReader?.release(read);
    }
  }

  /**
   * Reads the files of `batch` planned without a hash, once each, and sets their SHA-256 and
   * fingerprint. Returns the bytes the reader kept, to be sent as read, so that each asset has
   * the bytes its fingerprint derives from. The other files, and every file of a batch sent
   * again, are sent from their source, checked against the SHA-256 set here. A file that cannot
   * be read, or no longer has the size or type the scan found, fails unsent.
   */
  private async readUnhashed(batch: readonly PlannedUpload[]): Promise<{ batch: ReadyUpload[]; bytes: Map<ReadyUpload, Uint8Array> }> {
    const ready: ReadyUpload[] = [];
    const bytes = new Map<ReadyUpload, Uint8Array>();
    for (const upload of batch) {
      if (isReady(upload)) {
        ready.push(upload);
        continue;
      }
      const read = await this.readOnce(upload);
      if ('problem' in read) {
        this.finish({
          path: upload.path,
          status: 'failed',
          reason: `The file changed or was removed after it was scanned, so it was not uploaded; run the sync again. (${read.problem})`,
        });
        continue;
      }
      ready.push(read.upload);
      if (read.bytes !== undefined) bytes.set(read.upload, read.bytes);
    }
    return { batch: ready, bytes };
  }

  /**
   * Reads a file planned without a hash and sets its SHA-256 and fingerprint, or returns why it
   * cannot. Returns the bytes read when the reader kept them for sending.
   */
  private async readOnce(upload: PlannedUpload): Promise<{ upload: ReadyUpload; bytes: Uint8Array | undefined } | { problem: string }> {
    const reader = this.input.fileReader;
    // The constructor checked that a reader was given for files planned without a hash.
    if (reader === undefined) throw new Error(`runUploadPhase has no fileReader for ${upload.path}.`);
    let read: FileRead;
    try {
      read = await reader.read(upload.file);
    } catch (error) {
      return { problem: describeError(error) };
    }

    let problem: string | undefined;
    if (read.length !== upload.size) {
      problem = `${upload.path} had ${upload.size} bytes when it was scanned and has ${read.length > upload.size ? 'more' : read.length} now`;
    } else if (read.contentType !== upload.file.contentType) {
      problem = `${upload.path} was ${upload.file.contentType ?? 'of no accepted type'} when it was scanned and is ${read.contentType ?? 'of no accepted type'} now`;
    }
    if (problem !== undefined) {
      if (read.bytes !== undefined) reader.release(read.bytes);
      return { problem };
    }
    upload.file.sha256 = read.sha256;
    return { upload: Object.assign(upload, { fingerprint: this.input.fingerprintOf(upload.path, read.sha256) }), bytes: read.bytes };
  }

  private async handleUploadError(batch: ReadyUpload[], error: unknown, startedAt: number, resends: number): Promise<void> {
    const message = describeError(error);

    if (error instanceof RasterNetworkError && error.ambiguous) {
      this.input.logger.warn(`The response to an upload of ${plural(batch.length, 'file')} was lost (${message}); looking for the stored assets before sending again.`);
      await this.reconcile(batch, startedAt, resends);
      return;
    }

    const changed = changedFileIndex(error, batch.length);
    if (changed !== undefined) {
      // The transport checks every file before it sends a byte, and it stops the body before its
      // end when a file changes while it is read. So nothing was stored: fail the file that
      // changed since it was hashed and send the others.
      const upload = batch[changed]!;
      this.finish({
        path: upload.path,
        status: 'failed',
        reason: `The file changed or was removed after it was scanned, so it was not uploaded: ${describeChange(error as RasterUsageError, upload)}. Run the sync again.`,
      });
      const others = batch.filter((_, index) => index !== changed);
      if (others.length > 0) await this.startBatch(others, resends);
      return;
    }

    const kind = errorKind(error);
    if (kind !== undefined && PER_FILE_KINDS.has(kind) && batch.length > 1) {
      // The API validates every file before storing any, so one bad file fails the whole batch
      // and nothing was stored: split the batch to upload the others and name the bad one.
      this.input.logger.info(`An upload of ${plural(batch.length, 'file')} was rejected (${message}); sending the files in smaller batches to find the one at fault.`);
      const middle = Math.ceil(batch.length / 2);
      await this.startBatch(batch.slice(0, middle), resends);
      await this.startBatch(batch.slice(middle), resends);
      return;
    }

    // A network failure that sending again cannot fix, such as a proxy that rejects the
    // credentials, fails every later batch too, and so does an API that the client's retries
    // could not reach.
    const permanent = error instanceof RasterNetworkError && isPermanentNetworkCode(error.code);
    if (isApiUnreachable(error)) this.markUnreachable(error);
    if ((kind !== undefined && FATAL_KINDS.has(kind)) || permanent) this.fatalError ??= message;
    this.input.logger.warn(`Upload of ${batch.map((upload) => upload.path).join(', ')} failed: ${message}`);
    for (const upload of batch) {
      this.finish({ path: upload.path, status: 'failed', reason: `The upload failed: ${message}` });
    }
  }

  /**
   * Maps returned assets to files. The API returns them in the order of the parts, and the names
   * are checked. When they disagree, the assets are matched by name and size instead. Assets left
   * without a file are trashed, because nothing else would ever tag or delete them.
   */
  private async matchAssets(batch: ReadyUpload[], assets: AssetSummary[]): Promise<Array<{ upload: ReadyUpload; asset: AssetSummary }>> {
    const inOrder = assets.length === batch.length &&
      batch.every((upload, index) => {
        const name = assets[index]!.name;
        return name === null || isAssetNameOf(name, upload.path);
      });
    if (inOrder) return batch.map((upload, index) => ({ upload, asset: assets[index]! }));

    this.input.logger.warn(`An upload returned ${plural(assets.length, 'asset')} for ${plural(batch.length, 'file')}, or in another order; matching them by name and size.`);
    const remaining = [...assets];
    const pairs: Array<{ upload: ReadyUpload; asset: AssetSummary }> = [];
    for (const upload of batch) {
      const index = remaining.findIndex((asset) => asset.name !== null && isAssetNameOf(asset.name, upload.path) && (asset.size === null || asset.size === upload.size));
      if (index === -1) {
        this.finish({ path: upload.path, status: 'failed', reason: 'The upload response did not contain an asset for this file.' });
        continue;
      }
      pairs.push({ upload, asset: remaining.splice(index, 1)[0]! });
    }

    if (remaining.length > 0) await this.trash(remaining.map((asset) => asset.id), 'returned by an upload but matching no file');
    return pairs;
  }

  private async tagAll(pairs: Array<{ upload: ReadyUpload; asset: AssetSummary }>): Promise<void> {
    await Promise.all(pairs.map(({ upload, asset }) => this.tagLimiter.run(() => this.tagOne(upload, asset))));
  }

  /**
   * Tags one asset with the owner, fingerprint, path and extra tags in one call, so an asset never has
   * the fingerprint without the owner tag. When tagging fails for good, trashes the asset: untagged,
   * it would belong to no sync and never be pruned.
   */
  private async tagOne(upload: ReadyUpload, asset: AssetSummary): Promise<void> {
    const tags = syncTagsFor(this.input.ownerTag, upload.fingerprint, upload.path, this.input.extraTags);

    try {
      await tagSyncedAsset(this.input.api, this.input.libraryId, this.input.ownerTag, asset.id, upload.path, tags, this.input.logger);
    } catch (error) {
      const message = describeError(error);
      if (isApiUnreachable(error)) this.markUnreachable(error);
      this.input.logger.warn(`Tagging asset ${asset.id} (${upload.path}) failed: ${message}`);
      const trashed = await this.trash([asset.id], `left untagged after ${upload.path} was uploaded`);
      const after = trashed
        ? 'The untagged asset was moved to the trash.'
        : this.input.journal === undefined
          ? `Moving the untagged asset ${asset.id} to the trash failed too; delete it by hand.`
          : `Moving the untagged asset ${asset.id} to the trash failed too. The next run of this sync on this machine adopts it ` +
            `from the upload journal if it starts within ${PENDING_BATCH_EXPIRY_MS / 60_000} minutes; after that, delete the asset by hand.`;
      this.finish({ path: upload.path, status: 'failed', assetId: asset.id, reason: `Tagging the uploaded asset failed: ${message} ${after}` });
      return;
    }

    this.uploadedIds.push(asset.id);
    const outcome: FileOutcome = { path: upload.path, status: 'uploaded', assetId: asset.id };
    if (asset.url !== null) outcome.url = asset.url;
    if (asset.thumbUrl !== null) outcome.thumbUrl = asset.thumbUrl;
    this.finish(outcome);
  }

  /** Records a batch in the journal; returns its id, or null without a journal or on failure. */
  private async recordPending(batch: ReadyUpload[], startedAt: number): Promise<string | null> {
    const journal = this.input.journal;
    if (journal === undefined) return null;

    const entry: PendingBatch = {
      id: `${startedAt.toString(36)}-${this.runId}-${++this.batchCounter}`,
      ownerTag: this.input.ownerTag,
      libraryId: this.input.libraryId,
      ...this.window.journalFields(startedAt),
      files: batch.map((upload) => ({ path: upload.path, name: assetNameFor(upload.path), size: upload.size, fingerprint: upload.fingerprint })),
    };
    try {
      await journal.add(entry);
      return entry.id;
    } catch (error) {
      this.input.logger.warn(`Recording an upload batch in the journal failed: ${describeError(error)}`);
      return null;
    }
  }

  private async clearPending(pendingId: string): Promise<void> {
    try {
      await this.input.journal?.remove(pendingId);
    } catch (error) {
      this.input.logger.warn(`Removing a settled upload batch from the journal failed: ${describeError(error)}`);
    }
  }

  /** Moves assets to the trash; returns false, after logging, when that fails. */
  private async trash(ids: string[], why: string): Promise<boolean> {
    try {
      await this.input.api.deleteAssets(this.input.libraryId, ids);
      this.input.logger.info(`Moved ${plural(ids.length, 'asset')} ${why} to the trash: ${ids.join(', ')}.`);
      return true;
    } catch (error) {
      this.input.logger.warn(`Moving assets ${ids.join(', ')} (${why}) to the trash failed: ${describeError(error)}`);
      this.untaggedLeft = true;
      return false;
    }
  }

  /**
   * Looks for the assets an upload with a lost response may have stored: untagged, not claimed by
   * this run, with the expected name and size, created after the batch started. Polls until every
   * file is found or `reconcileTimeoutMs` passes, because new uploads can take a while to be
   * listed. Adopts (tags) a group of files with one name and size only when its candidates are as
   * many as its files and unchanged for `ADOPTION_SETTLE_MS` (or at the deadline). Fails the files
   * of groups still ambiguous at the deadline, keeping the batch in the journal, and sends again
   * the files of which nothing was found. Stops at once when the API cannot be reached, since
   * no later listing could reach it either: the files then fail unsent.
   */
  private async reconcile(batch: ReadyUpload[], startedAt: number, resends: number): Promise<void> {
    const found = new Map<ReadyUpload, AssetSummary>();
    const deadline = this.input.now() + this.input.reconcileTimeoutMs;
    let pause = RECONCILE_POLL_FIRST_MS;
    let listingError: string | null = null;
    let ambiguous = new Set<ReadyUpload>();
    /** For each group that matched, its candidate ids and when they were first listed as such. */
    const sightings = new Map<string, { ids: string; since: number }>();

    await this.gate.acquireExclusive();
    try {
      for (;;) {
        if (this.unreachable !== null) {
          listingError = this.unreachable;
          break;
        }
        try {
          const since = this.window.earliestCreatedOf(startedAt);
          const recent = await listAssetsCreatedSince(this.input.api, this.input.libraryId, since);
          const candidates = recent.filter((asset) => !this.claimedIds.has(asset.id) && this.window.mayAdopt(asset, since));
          const listedAt = this.input.now();
          listingError = null;
          ambiguous = new Set();

          for (const group of groupCandidates(batch.filter((upload) => !found.has(upload)), candidates)) {
            if (group.status !== 'match') {
              if (group.status === 'ambiguous') for (const upload of group.files) ambiguous.add(upload);
              sightings.delete(group.key);
              continue;
            }

            // Another sync's fresh upload is untagged only until its tag call lands, so the same
            // candidates must still be listed untagged a settle time later.
            const ids = group.candidates.map((asset) => asset.id).join(',');
            const seen = sightings.get(group.key);
            const settled = seen?.ids === ids && listedAt - seen.since >= ADOPTION_SETTLE_MS;
            if (seen?.ids !== ids) sightings.set(group.key, { ids, since: listedAt });
            if (!settled && listedAt < deadline) continue;

            group.files.forEach((upload, index) => {
              const asset = group.candidates[index]!;
              found.set(upload, asset);
              this.claimedIds.add(asset.id);
            });
          }
        } catch (error) {
          listingError = describeError(error);
          this.input.logger.warn(`Listing assets to reconcile a lost upload response failed: ${listingError}`);
          if (isApiUnreachable(error)) {
            this.markUnreachable(error);
            break;
          }
        }

        if (found.size === batch.length || this.input.now() >= deadline) break;
        await this.input.sleep(Math.min(pause, Math.max(0, deadline - this.input.now())));
        pause = Math.min(pause * 2, RECONCILE_POLL_MAX_MS);
      }
    } finally {
      this.gate.releaseExclusive();
    }

    this.logFound(found.size, batch.length, listingError !== null);
    await this.tagAll([...found].map(([upload, asset]) => ({ upload, asset })));

    const unfound = batch.filter((upload) => !found.has(upload));
    if (unfound.length === 0) return;

    if (listingError !== null) {
      // Without a listing the files may be stored already; sending them again could duplicate them.
      const because = this.unreachable !== null ? ', because the Raster API could not be reached' : '';
      for (const upload of unfound) {
        this.finish({ path: upload.path, status: 'failed', reason: `The upload response was lost and the library could not be checked${because}: ${listingError}` });
      }
      return;
    }

    const missing = unfound.filter((upload) => !ambiguous.has(upload));
    if (ambiguous.size > 0) {
      this.ambiguousBatches.add(batch);
      this.input.logger.warn(`${plural(ambiguous.size, 'file')} of the upload whose response was lost matched untagged assets that could belong to another client; ` +
        'leaving them in the upload journal for the next run.');
      for (const upload of ambiguous) {
        this.finish({
          path: upload.path,
          status: 'failed',
          reason: `The upload response was lost, and the untagged assets named "${assetNameFor(upload.path)}" with this size could not be told apart ` +
            'from another client\'s copies not tagged yet, so none was adopted and the file was not sent again. ' +
            'Run the sync again: it adopts the file\'s own asset once the other copies are tagged.',
        });
      }
    }
    if (missing.length === 0) return;

    if (this.input.signal?.aborted) {
      this.stopped = true;
      for (const upload of missing) {
        this.finish({ path: upload.path, status: 'cancelled', reason: 'The upload response was lost and the run was stopped before the file was sent again.' });
      }
      return;
    }
    if (resends >= MAX_RESENDS) {
      for (const upload of missing) {
        this.finish({ path: upload.path, status: 'failed', reason: `The upload response was lost ${plural(resends + 1, 'time')} and the file was not found in the library.` });
      }
      return;
    }

    this.input.logger.info(`Sending ${plural(missing.length, 'file')} again that the lost upload did not store.`);
    await this.startBatch(missing, resends + 1);
  }

  /**
   * Logs how many files of a batch with a lost response were found. Logs nothing when nothing was
   * found because the last listing failed, since that failure is logged and fails the files.
   */
  private logFound(foundCount: number, batchLength: number, listingFailed: boolean): void {
    const logger = this.input.logger;
    const lost = 'of the upload whose response was lost';
    if (foundCount === 0) {
      if (listingFailed) return;
      logger.info(`Found no asset to adopt for ${batchLength === 1 ? 'the file' : `the ${batchLength} files`} ${lost}.`);
    } else if (foundCount === batchLength) {
      logger.info(batchLength === 1 ? `Found the asset of the file ${lost}; adopting it.` : `Found the assets of all ${batchLength} files ${lost}; adopting them.`);
    } else {
      logger.info(`Found the assets of ${foundCount} of the ${batchLength} files ${lost}; adopting ${foundCount === 1 ? 'it' : 'them'}.`);
    }
  }
}

function isReady(upload: PlannedUpload): upload is ReadyUpload {
  return upload.fingerprint !== undefined;
}

/** Returns the parts of a batch, each from the bytes read for it when there are some. */
function partsOf(batch: readonly ReadyUpload[], bytes: ReadonlyMap<ReadyUpload, Uint8Array>): FilePart[] {
  return batch.map((upload) => filePart(upload, bytes.get(upload)));
}

/** Deletes assets in batches of at most 100 ids; resolves with the ids moved to the trash. */
export async function trashInBatches(api: SyncApi, libraryId: string, ids: readonly string[]): Promise<string[]> {
  const moved: string[] = [];
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_REQUEST) {
    const result = await api.deleteAssets(libraryId, ids.slice(start, start + MAX_IDS_PER_REQUEST));
    moved.push(...result.ids);
  }
  return moved;
}
