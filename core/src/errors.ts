/**
 * Errors of the Raster client: `RasterApiError` for a failure status, `RasterNetworkError` when
 * no complete response arrived, `RasterUsageError` for invalid use of the client. None of them
 * contains the API key, because the client builds them from redacted text.
 */

/** Base class of every error the client raises, so callers can tell them from their own. */
export class RasterError extends Error {
  override name = 'RasterError';
}

/**
 * Meaning of an API failure, whichever generation of status and code the service sent.
 * Older documentation uses `API_KEY_NOT_PROVIDED` for `UNAUTHENTICATED` and 401 instead of 404
 * for `API_KEY_NOT_AUTHORIZED_FOR_LIBRARY`.
 */
export type RasterErrorKind =
  | 'unauthenticated'
  | 'invalid-api-key'
  | 'library-not-reachable'
  | 'read-only-key'
  | 'api-version-required'
  | 'organization-not-found'
  | 'resource-not-found'
  | 'endpoint-not-found'
  | 'bad-input'
  | 'payload-too-large'
  | 'too-many-assets'
  | 'no-files'
  | 'no-ids'
  | 'library-slug-taken'
  | 'plan-limit'
  | 'rate-limited'
  | 'server-error'
  | 'invalid-response'
  | 'unknown';

const KIND_BY_CODE: Readonly<Record<string, RasterErrorKind>> = {
  UNAUTHENTICATED: 'unauthenticated',
  API_KEY_NOT_PROVIDED: 'unauthenticated',
  INVALID_API_KEY: 'invalid-api-key',
  API_KEY_NOT_AUTHORIZED_FOR_LIBRARY: 'library-not-reachable',
  API_KEY_READ_ONLY: 'read-only-key',
  API_VERSION_REQUIRED: 'api-version-required',
  ORGANIZATION_NOT_FOUND: 'organization-not-found',
  RESOURCE_NOT_FOUND: 'resource-not-found',
  ENDPOINT_NOT_FOUND: 'endpoint-not-found',
  BAD_USER_INPUT: 'bad-input',
  PAYLOAD_TOO_LARGE: 'payload-too-large',
  MAX_ASSETS_EXCEEDED: 'too-many-assets',
  UPLOAD_ERROR_NO_FILES: 'no-files',
  DELETE_ERROR: 'no-ids',
  LIBRARY_URL_TAKEN: 'library-slug-taken',
  STORAGE_LIMIT_EXCEEDED: 'plan-limit',
  LIBRARY_LOCKED: 'plan-limit',
  PRO_PLAN_CANCELED: 'plan-limit',
  INTERNAL_SERVER_ERROR: 'server-error',
  INVALID_RESPONSE: 'invalid-response',
};

/** Classifies a failure by its code first and by its status when the code is unknown. */
export function classifyApiFailure(status: number, code: string): RasterErrorKind {
  const byCode = KIND_BY_CODE[code];
  if (byCode !== undefined) {
    return byCode;
  }

  if (status === 401) return 'unauthenticated';
  if (status === 404) return 'resource-not-found';
  if (status === 413) return 'payload-too-large';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-error';
  if (status === 400 || status === 422) return 'bad-input';
  return 'unknown';
}

/** Next step a person can take for each kind of failure, appended to the error message. */
const ADVICE: Partial<Record<RasterErrorKind, string>> = {
  unauthenticated: 'Send a Raster API key (it starts with pk_).',
  'invalid-api-key': 'Check that the API key belongs to this organization.',
  'library-not-reachable':
    'Check the library id and that the API key holds access to it (Write for changes).',
  'read-only-key': 'Use an API key with Write access.',
  'organization-not-found': 'Check the organization id, or omit it to read it from the key.',
  'payload-too-large': 'Upload files under the per-file size limit.',
  'too-many-assets': 'Send at most 20 files or 100 ids per request.',
  'library-slug-taken': 'Choose another library slug.',
  'plan-limit': 'A person must act on the Raster plan or library before writes succeed again.',
  'rate-limited': 'Wait and send fewer requests at once.',
  'server-error': 'The service failed; try again later.',
};

export interface RasterApiErrorInit {
  status: number;
  /** The API's `code`, or `HTTP_<status>` when the body carried none. */
  code: string;
  /** The service's message, safe to show to users. */
  serviceMessage: string;
  method: string;
  /** Path and query of the request, without the host. */
  path: string;
  /** Delay the service requested with `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** Attempts sent, retries included; 1 when omitted. */
  attempts?: number;
}

/** The service responded with a failure status. */
export class RasterApiError extends RasterError {
  override name = 'RasterApiError';
  readonly status: number;
  readonly code: string;
  readonly serviceMessage: string;
  readonly method: string;
  readonly path: string;
  readonly retryAfterMs: number | undefined;
  readonly kind: RasterErrorKind;
  /** Attempts sent before the client gave up, retries included. */
  readonly attempts: number;

  constructor(init: RasterApiErrorInit) {
    const kind = classifyApiFailure(init.status, init.code);
    const advice = ADVICE[kind];
    const message =
      `${init.method} ${init.path} failed with ${init.status} ${init.code}` +
      (init.attempts !== undefined && init.attempts > 1 ? ` after ${init.attempts} attempts` : '') +
      `: ${init.serviceMessage}` +
      (advice === undefined ? '' : ` ${advice}`);
    super(message);

    this.status = init.status;
    this.code = init.code;
    this.serviceMessage = init.serviceMessage;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
    this.kind = kind;
    this.attempts = init.attempts ?? 1;
  }
}

export interface RasterNetworkErrorInit {
  method: string;
  /** Path and query of the request, without the host. */
  path: string;
  /** The underlying failure (socket error, timeout), already free of secrets. */
  cause: unknown;
  /** True when the request body had been fully written before the connection failed. */
  bodySent: boolean;
  /** Attempts sent, retries included; 1 when omitted. */
  attempts?: number;
}

/**
 * No complete response arrived: connection refused or reset, DNS failure, timeout. When
 * `ambiguous` is true the whole request had been sent, so the service may have acted on it:
 * an upload may or may not have stored its files.
 */
export class RasterNetworkError extends RasterError {
  override name = 'RasterNetworkError';
  readonly method: string;
  readonly path: string;
  readonly bodySent: boolean;
  /** The error code of the cause, such as `ECONNRESET` or `UND_ERR_HEADERS_TIMEOUT`. */
  readonly code: string | undefined;
  /** Attempts sent before the client gave up, retries included. */
  readonly attempts: number;

  constructor(init: RasterNetworkErrorInit) {
    const code = errorCode(init.cause);
    const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
    const where = init.bodySent
      ? 'after the request was sent, so the service may have acted on it'
      : 'before the request was sent';
    super(
      `${init.method} ${init.path} failed ${where}: ${reason}${code === undefined ? '' : ` (${code})`}` +
        (init.attempts !== undefined && init.attempts > 1 ? `. Gave up after ${init.attempts} attempts.` : ''),
      { cause: init.cause },
    );

    this.method = init.method;
    this.path = init.path;
    this.bodySent = init.bodySent;
    this.code = code;
    this.attempts = init.attempts ?? 1;
  }

  /** True when the request may have been carried out although no response arrived. */
  get ambiguous(): boolean {
    return this.bodySent;
  }
}

/** The client was called with an invalid value; the message names the value and the fix. */
export class RasterUsageError extends RasterError {
  override name = 'RasterUsageError';
  /** The option or argument that was invalid. */
  readonly parameter: string;

  constructor(parameter: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.parameter = parameter;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function hasKind(error: unknown, ...kinds: RasterErrorKind[]): boolean {
  return error instanceof RasterApiError && kinds.includes(error.kind);
}

/** Tells whether the key is missing, malformed or unknown (`UNAUTHENTICATED`, `API_KEY_NOT_PROVIDED`, `INVALID_API_KEY`). */
export function isUnauthorized(error: unknown): boolean {
  return hasKind(error, 'unauthenticated', 'invalid-api-key');
}

/** Tells whether the library is missing or out of the key's reach at the access level needed (404 or 401). */
export function isLibraryNotReachable(error: unknown): boolean {
  return hasKind(error, 'library-not-reachable');
}

/** Tells whether the asset is missing, in another library or in the trash. */
export function isResourceNotFound(error: unknown): boolean {
  return hasKind(error, 'resource-not-found');
}

export function isOrganizationNotFound(error: unknown): boolean {
  return hasKind(error, 'organization-not-found');
}

export function isReadOnlyKey(error: unknown): boolean {
  return hasKind(error, 'read-only-key');
}

/**
 * Tells whether the request was invalid. Newer documentation folds `MAX_ASSETS_EXCEEDED`,
 * `UPLOAD_ERROR_NO_FILES` and `DELETE_ERROR` into `BAD_USER_INPUT`, so all four count.
 */
export function isBadInput(error: unknown): boolean {
  return hasKind(error, 'bad-input', 'too-many-assets', 'no-files', 'no-ids', 'api-version-required');
}

export function isPayloadTooLarge(error: unknown): boolean {
  return hasKind(error, 'payload-too-large');
}

export function isLibrarySlugTaken(error: unknown): boolean {
  return hasKind(error, 'library-slug-taken');
}

/** Tells whether a plan limit blocks writes (`STORAGE_LIMIT_EXCEEDED`, `LIBRARY_LOCKED`, `PRO_PLAN_CANCELED`). */
export function isPlanLimit(error: unknown): boolean {
  return hasKind(error, 'plan-limit');
}

export function isRateLimited(error: unknown): boolean {
  return hasKind(error, 'rate-limited');
}

/** Tells whether a connection broke after the whole request was sent, so the outcome is unknown. */
export function isAmbiguousFailure(error: unknown): boolean {
  return error instanceof RasterNetworkError && error.ambiguous;
}
