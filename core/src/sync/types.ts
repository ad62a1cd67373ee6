/** Options, plan and report of a folder sync, shared by the engine and its adapters. */

/** A deletion budget: the prune stops the run when it would trash more than this. */
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
  /** Glob patterns relative to `path`; all files when empty. */
  include?: string[];
  exclude?: string[];
  includeHidden?: boolean;
  followSymlinks?: boolean;
  /** Trash owned assets whose file is gone; true by default. */
  prune?: boolean;
  maxDeletes?: DeletionBudget;
  dryRun?: boolean;
  /** Identity of this sync; defaults to a value derived from the repository and folder. */
  syncId?: string;
  /** Extra tags for every uploaded asset. */
  tags?: string[];
  /** Upload batches and tag calls in flight at once. */
  concurrency?: number;
  /** Wait until the run's own uploads appear in listings; true by default. */
  waitForListing?: boolean;
  signal?: AbortSignal;
  logger?: SyncLogger;
  onEvent?: (event: SyncEvent) => void;
}

export interface SyncLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export type SyncPhase = 'scan' | 'list' | 'plan' | 'upload' | 'tag' | 'reconcile' | 'prune' | 'settle';

export type SyncEvent =
  | { type: 'phase'; phase: SyncPhase }
  | { type: 'progress'; phase: SyncPhase; done: number; total: number }
  | { type: 'file'; outcome: FileOutcome }
  | { type: 'retry'; method: string; path: string; attempt: number; delayMs: number; reason: string };

export type FileStatus = 'uploaded' | 'unchanged' | 'pruned' | 'skipped' | 'failed';

export interface FileOutcome {
  /** Path relative to the sync root, with `/` separators and in Unicode NFC. */
  path: string;
  status: FileStatus;
  assetId?: string;
  url?: string;
  thumbUrl?: string;
  /** Why a file was skipped or failed, in words a person can act on. */
  reason?: string;
}

export interface SyncPlan {
  upload: Array<{ path: string; size: number; fingerprint: string }>;
  unchanged: Array<{ path: string; assetId: string; url: string | null }>;
  prune: Array<{ assetId: string; name: string | null; path: string | null; url: string | null }>;
  skipped: Array<{ path: string; reason: string }>;
  /** Assets in the library without this sync's owner tag: reported, never touched. */
  foreignCount: number;
}

export type SyncOutcome = 'success' | 'partial' | 'guard' | 'failed';

export interface SyncCounts {
  uploaded: number;
  unchanged: number;
  pruned: number;
  skipped: number;
  failed: number;
  foreign: number;
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
  /** HTTP requests the run sent, retries included. */
  requests: number;
  durationMs: number;
}
