/**
 * Removal of API keys from text that may reach an error, a log line or a report. The client
 * redacts its own key verbatim. The patterns below also catch keys it was never given, such as
 * one a service or proxy echoes back, and passwords in proxy URLs.
 */

export const REDACTED = '[REDACTED]';

/** `Bearer <token>`, with the token characters of RFC 6750. */
const BEARER_PATTERN = /(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi;

/** Raster keys: `pk_` and alphanumerics. */
const RASTER_KEY_PATTERN = /\bpk_[A-Za-z0-9]{4,}/g;

/** User information in URLs, such as the password of a proxy in `HTTPS_PROXY`. */
const URL_USER_INFO_PATTERN = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** Replaces every occurrence of the given secrets, of anything shaped like a key, and of URL user information. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text;

  for (const secret of secrets) {
    if (secret.length > 0) {
      result = result.split(secret).join(REDACTED);
    }
  }

  result = result.replace(BEARER_PATTERN, `$1${REDACTED}`);
  result = result.replace(RASTER_KEY_PATTERN, REDACTED);
  result = result.replace(URL_USER_INFO_PATTERN, `$1${REDACTED}@`);
  return result;
}

/** Maximum depth of `cause` chains that `redactError` copies. */
const MAX_CAUSE_DEPTH = 5;

/**
 * Returns a copy of an error whose name, message, stack, `code` and `cause` chain carry no
 * secret. Other properties are dropped, because they may hold request headers.
 */
export function redactError(error: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof error === 'string') {
    return redactText(error, secrets);
  }
  if (!(error instanceof Error)) {
    return typeof error === 'object' && error !== null ? redactText(describeValue(error), secrets) : error;
  }

  const copy = new Error(redactText(error.message, secrets));
  copy.name = error.name;
  if (error.stack !== undefined) {
    copy.stack = redactText(error.stack, secrets);
  }

  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    (copy as Error & { code?: string | number }).code = code;
  }

  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    copy.cause = redactError(error.cause, secrets, depth + 1);
  }
  return copy;
}

/** Removes secrets from a URL's text, the query string and any user information included. */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  return redactText(url, secrets);
}

function describeValue(value: object): string {
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
