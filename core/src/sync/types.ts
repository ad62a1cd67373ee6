/** Options, plan and report of a folder sync, shared by the engine and its adapters. */

/**
 * A deletion budget: the run stops before any write when its plan would trash more owned assets
 * than this. `percent` is a share of the owned assets (0 to 100). When `maxDeletes` is omitted,
 * the budget is 25% of the owned assets, but never less than 10 assets, so that a small library
 * can still lose a few files (see `DEFAULT_DELETION_PERCENT` and `DEFAULT_DELETION_FLOOR`).
 */
export type DeletionBudget = { count: number } | { percent: number };

export interface SyncOptions {
  apiKey: string;
  /** Organization slug; resolved from the key with `GET /me` when omitted. */
  organization?: string;
  library: string;
  /** Base URL of the API; `https://api.raster.app` by default. */
  apiUrl?: string;
  /** Root folder to sync. */
  path: string;
  /**
   * Glob patterns (minimatch) relative to `path`, with `/` separators; all files when empty. An
   * entry may hold several patterns, one per line. A pattern without `/` matches the file name at
   * any depth, and a pattern that matches a folder covers the files under it. Within a list the
   * last matching pattern decides and `!pattern` takes a match back. A file is synced when
   * `include` selects it and `exclude` does not: exclude wins.
   */
  include?: string[];
  exclude?: string[];
  /** Sync files and folders whose name starts with `.`, except `.git`, `.hg` and `.svn`; false by default. */
  includeHidden?: boolean;
  /**
   * Follow symbolic links; false by default, when links are reported as skipped. Links that point
   * outside `path` are never followed, and a link to one of its own parent folders is a loop.
   */
  followSymlinks?: boolean;
  /** Trash owned assets whose file is gone; true by default. */
  prune?: boolean;
  maxDeletes?: DeletionBudget;
  dryRun?: boolean;
  /**
   * Identity of this sync, from which the owner and fingerprint tags derive. Defaults to
   * `<owner/name of the repository>:<folder relative to the repository root>` (see
   * `defaultSyncId` in `@raster-toolkit/core/node`).
   */
  syncId?: string;
  /** Extra tags for every uploaded asset; at most 18, each within Raster's tag rules. */
  tags?: string[];
  /** Upload batches in flight at once, 4 by default. Tag calls share four times as many slots. */
  concurrency?: number;
  /** Wait until the run's own uploads appear in listings; true by default. */
  waitForListing?: boolean;
  /** Maximum wait for the run's uploads to appear in listings, in milliseconds; 60,000 by default. */
  waitForListingTimeoutMs?: number;
  /**
   * Maximum wait, in milliseconds, for the assets of an upload whose response was lost to appear
   * in the listing before the files are sent again; 15,000 by default.
   */
  reconcileTimeoutMs?: number;
  /** Per-file size limit checked before upload, in bytes; 100 MiB by default. */
  maxFileSize?: number;
  /** Byte budget of one upload batch; 64 MiB by default. A larger file goes alone. */
  batchBytes?: number;
  /**
   * Folder of the upload journal, which records each upload batch until its assets are tagged so
   * that the next run on this machine adopts what a killed run left untagged. It also contains
   * the lock file that stops a second run of the same sync while one is writing, so only runs
   * that share this folder exclude each other. A folder named `raster-sync` in the system's
   * temporary folder by default.
   */
  journalDir?: string;
  signal?: AbortSignal;
  logger?: SyncLogger;
  onEvent?: (event: SyncEvent) => void;
}

export interface SyncLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** A failure that ends the run; a logger without this method receives it through `warn`. */
  error?(message: string): void;
}

export type SyncPhase = 'scan' | 'list' | 'plan' | 'upload' | 'tag' | 'reconcile' | 'prune' | 'settle';

export type SyncEvent =
  | { type: 'phase'; phase: SyncPhase }
  /** The plan, sent once it is computed: before the guards and before the first write. */
  | { type: 'plan'; plan: SyncPlan }
  | { type: 'progress'; phase: SyncPhase; done: number; total: number }
  | { type: 'file'; outcome: FileOutcome }
  | { type: 'retry'; method: string; path: string; attempt: number; delayMs: number; reason: string };

/**
 * Outcome of one file. `skipped`: Raster cannot take the file (type, size, name), so it was
 * never sent. `cancelled`: the file could be uploaded but was not sent because the run stopped.
 */
export type FileStatus = 'uploaded' | 'unchanged' | 'pruned' | 'skipped' | 'cancelled' | 'failed';

export interface FileOutcome {
  /**
   * Path relative to the sync root, with `/` separators and in Unicode NFC. For an asset that was
   * pruned (or failed to be), the path recorded in its path tag, or else its name or id.
   */
  path: string;
  /**
   * The path as the file system stores it, when that is not in Unicode NFC (names written on
   * macOS can be NFD). It opens the file where `path` may not.
   */
  rawPath?: string;
  status: FileStatus;
  assetId?: string;
  /** Asset name, set on the outcome of an asset that was pruned or failed to be. */
  name?: string;
  url?: string;
  thumbUrl?: string;
  /** Reason a file was skipped, cancelled or failed, in words a person can act on. */
  reason?: string;
}

export interface SyncPlan {
  /**
   * Files to upload. `rawPath` is set as on `FileOutcome`. `fingerprint` is absent from the plan
   * of a run whose library contained no asset of this sync, as on a first sync. Such a run hashes
   * each file as it uploads it. Its report's plan has the fingerprint of every file it read.
   */
  upload: Array<{ path: string; size: number; fingerprint?: string; rawPath?: string }>;
  unchanged: Array<{ path: string; assetId: string; url: string | null }>;
  /**
   * Owned assets whose file is gone, which the run trashes; empty when prune is off. `path` is the
   * file's path from the asset's path tag, null for an asset without one (a path too long for a
   * tag, or an upload by a version that did not record it).
   */
  prune: Array<{ assetId: string; name: string | null; path: string | null; url: string | null }>;
  /** Files that cannot be uploaded. `rawPath` is set as on `FileOutcome`. */
  skipped: Array<{ path: string; reason: string; rawPath?: string }>;
  /** Assets in the library without this sync's owner tag: reported, never touched. */
  foreignCount: number;
  /**
   * Groups of local files whose paths are equal after Unicode NFC normalisation or differ only
   * by case. They cannot be distinguished on every file system, so each member is also in
   * `skipped`. `kind` is `unicode` when two of `paths` are equal, and `case` otherwise. `names`
   * are the same members as the file system stores them, in the order of `paths`. A group of
   * folders whose names differ only by case has paths that end in `/`, and every file under them
   * is in `skipped`.
   */
  collisions?: Array<{ kind: 'unicode' | 'case'; paths: string[]; names: string[] }>;
  /** Owned assets listed before planning. */
  ownedCount?: number;
  /**
   * Owned assets whose file is gone, when the run keeps them: because prune is off, or because a
   * file or folder could not be read. Present only then; otherwise the same assets are in `prune`.
   */
  stale?: SyncPlan['prune'];
  /** Why `stale` is kept: prune is off, or files or folders could not be read. */
  staleKeptBecause?: 'prune-off' | 'unreadable';
  /** Files and folders the scan found but could not read; present when there are any. */
  unreadableCount?: number;
}

export type SyncOutcome = 'success' | 'partial' | 'guard' | 'failed';

export interface SyncCounts {
  uploaded: number;
  unchanged: number;
  pruned: number;
  skipped: number;
  /**
   * Files not sent because the run was stopped before their upload. The engine always sets it,
   * and it is optional only so that counts written before it existed still type-check.
   */
  cancelled?: number;
  failed: number;
  /**
   * Assets in the library without this sync's owner tag. Absent when the run stopped before it
   * listed the library, because then the count is unknown.
   */
  foreign?: number;
}

export interface SyncReport {
  syncId: string;
  ownerTag: string;
  organization: string;
  library: string;
  dryRun: boolean;
  outcome: SyncOutcome;
  /** Why the run stopped early: a guard, a signal, or an error. */
  stopReason?: string;
  plan: SyncPlan;
  files: FileOutcome[];
  counts: SyncCounts;
  /**
   * Assets that an earlier run uploaded but could not tag before it was killed, which this run
   * found through the upload journal and adopted (tagged as this sync's).
   */
  adoptedAssetIds?: string[];
  /** HTTP requests the run sent, retries included. */
  requests: number;
  durationMs: number;
}
