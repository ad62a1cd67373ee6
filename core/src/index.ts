export type * from './api/types';
export type * from './sync/types';
export type { FilePart, FileSource, HttpRequest, HttpResponse, RequestBody, Transport } from './transport';

export {
  RasterClient,
  type AnonymousClientOptions,
  type AnonymousLibraryInput,
  type AssetListOptions,
  type CreateLibraryInput,
  type PageOptions,
  type RasterClientOptions,
  type RequestOptions,
  type SearchOptions,
} from './client';
export type { RequestInfo, ResponseInfo, RetryInfo, Sleep } from './api/send';
export {
  RasterApiError,
  RasterError,
  RasterNetworkError,
  RasterUsageError,
  classifyApiFailure,
  isAmbiguousFailure,
  isBadInput,
  isLibraryNotReachable,
  isLibrarySlugTaken,
  isOrganizationNotFound,
  isPayloadTooLarge,
  isPlanLimit,
  isRateLimited,
  isReadOnlyKey,
  isResourceNotFound,
  isUnauthorized,
  type RasterApiErrorInit,
  type RasterErrorKind,
  type RasterNetworkErrorInit,
} from './errors';
export {
  DEFAULT_RETRY_OPTIONS,
  PERMANENT_NETWORK_CODES,
  PROXY_REJECTED_CODE,
  RETRYABLE_STATUSES,
  backoffDelay,
  createRetryPolicy,
  isPermanentNetworkCode,
  parseRetryAfter,
  type Jitter,
  type RetryContext,
  type RetryDecision,
  type RetryFailure,
  type RetryOptions,
  type RetryPolicy,
} from './retry';
export { batchFileParts, chunk, type FileBatchOptions } from './api/batching';
export { checkSecureUrl, isLoopbackHost, withoutUserInfo } from './api/validate';
export { REDACTED, redactError, redactText, redactUrl } from './redact';
export * as limits from './api/limits';
export * from './api/limits';

export { canonicalRelativePath, escapedName } from './sync/paths';
export { ownerTagFor, fingerprintFor, fingerprintTagFor, tagProblem } from './sync/tags';
export { planSync, staleKeptReason, type LocalFile, type PlanInput, type PlanResult } from './sync/plan';
export { checkGuards, deletionLimit, DEFAULT_DELETION_FLOOR, DEFAULT_DELETION_PERCENT } from './sync/guards';
export { detectMediaType } from './sync/media-type';
export { runSync, type ScanOutcome, type SyncDependencies } from './sync/engine';
export { MAX_CONCURRENCY, resolveSyncOptions, type ResolvedSyncOptions } from './sync/options';
export type { SyncApi } from './sync/api';
export type { PendingBatch, UploadJournal } from './sync/journal';
