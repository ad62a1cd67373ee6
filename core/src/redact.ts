/**
 * Removal of API keys from text that may reach an error, a log line or a report. The client
 * redacts its own key verbatim. The patterns below also catch keys it was never given, such as
 * one a service or proxy echoes back.
 */

export const REDACTED = '[REDACTED]';

/** `Bearer <token>` (token characters of RFC 6750) and Raster keys (`pk_` and alphanumerics). */
const SECRET_PATTERNS: readonly RegExp[] = [/(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi, /\bpk_[A-Za-z0-9]{4,}/g];

/** Replaces every occurrence of the given secrets and of anything shaped like a key. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text;

  for (const secret of secrets) {
    if (secret.length > 0) {
      result = result.split(secret).join(REDACTED);
    }
  }

  result = result.replace(SECRET_PATTERNS[0]!, `$1${REDACTED}`);
  result = result.replace(SECRET_PATTERNS[1]!, REDACTED);
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
  return redactText(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${REDACTED}@`), secrets);
}

function describeValue(value: object): string {
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
