/**
 * Checks of the values a caller passes to the client, run before any request so that invalid
 * use fails with a `RasterUsageError` that names the value and the fix.
 */

import { RasterUsageError } from '../errors';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_LIBRARY_NAME_LENGTH,
  MAX_PAGE_SIZE,
  MAX_TAG_LENGTH,
  RESERVED_TAGS,
  SLUG_PATTERN,
} from './limits';

/** Checks an organization or library slug: lower-case letters, digits and `-`, 1 to 63 characters. */
export function checkSlug(parameter: string, value: unknown): string {
  if (typeof value !== 'string' || !SLUG_PATTERN.test(value)) {
    throw new RasterUsageError(
      parameter,
      `Invalid ${parameter}: ${JSON.stringify(value)}. Pass the slug from the Raster URL: ` +
        'lower-case letters, digits and "-", starting with a letter or digit, at most 63 characters.',
    );
  }
  return value;
}

/** Checks an asset id: any non-empty string, because the service treats ids as opaque. */
export function checkAssetId(parameter: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: ${JSON.stringify(value)}. Pass an asset id.`);
  }
  return value;
}

/** Checks a list of asset ids and returns it without duplicates, in the order given. */
export function checkAssetIds(parameter: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: expected an array of asset ids.`);
  }

  const ids = value.map((id: unknown, index) => checkAssetId(`${parameter}[${index}]`, id));
  return [...new Set(ids)];
}

/** Checks an optional positive integer such as `page`, `pageSize` or `limit`. */
export function checkPositiveInteger(parameter: string, value: unknown, maximum?: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || (maximum !== undefined && value > maximum)) {
    const range = maximum === undefined ? 'at least 1' : `from 1 to ${maximum}`;
    throw new RasterUsageError(parameter, `Invalid ${parameter}: ${String(value)}. Pass an integer ${range}.`);
  }
  return value;
}

export function checkPageSize(value: unknown): number | undefined {
  return checkPositiveInteger('pageSize', value, MAX_PAGE_SIZE);
}

/**
 * Checks tags for writing: 1 to 100 characters after trimming, no comma (listings split the tag
 * filter on commas), no control characters, and not a reserved tag. Returns them without
 * duplicates.
 */
export function checkTags(parameter: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: expected an array of tags.`);
  }

  const tags = value.map((tag: unknown, index) => checkTag(`${parameter}[${index}]`, tag));
  return [...new Set(tags)];
}

function checkTag(parameter: string, value: unknown): string {
  const fix = `Pass 1 to ${MAX_TAG_LENGTH} characters without commas or control characters.`;
  if (typeof value !== 'string') {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: ${String(value)}. ${fix}`);
  }

  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex
  if (trimmed.length === 0 || trimmed.length > MAX_TAG_LENGTH || value.includes(',') || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: ${JSON.stringify(value)}. ${fix}`);
  }
  if (RESERVED_TAGS.includes(trimmed)) {
    throw new RasterUsageError(
      parameter,
      `Invalid ${parameter}: "${trimmed}" is reserved by Raster (${RESERVED_TAGS.join(', ')}). Choose another tag.`,
    );
  }
  return value;
}

export function checkLibraryName(parameter: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_LIBRARY_NAME_LENGTH) {
    throw new RasterUsageError(
      parameter,
      `Invalid ${parameter}: ${JSON.stringify(value)}. Pass 1 to ${MAX_LIBRARY_NAME_LENGTH} characters.`,
    );
  }
  return value;
}

export function checkDescription(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_DESCRIPTION_LENGTH) {
    const valueText = typeof value === 'string' ? `${value.length} characters` : String(value);
    throw new RasterUsageError(
      'description',
      `Invalid description: ${valueText}. Pass a string of at most ${MAX_DESCRIPTION_LENGTH} characters; "" clears it.`,
    );
  }
  return value;
}

export function checkEmail(value: unknown): string {
  if (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    throw new RasterUsageError('email', `Invalid email: ${JSON.stringify(value)}. Pass an address such as name@example.com.`);
  }
  return value;
}

/** True for `localhost`, 127.0.0.0/8 and ::1, the hosts plain HTTP may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') {
    return true;
  }

  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

/**
 * Checks that a URL uses HTTPS, or plain HTTP to a loopback host, so the API key never crosses
 * a network unencrypted. Returns the parsed URL.
 */
export function checkSecureUrl(parameter: string, value: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: ${JSON.stringify(withoutUserInfo(String(value)))}. Pass an absolute https:// URL.`);
  }

  if (url.protocol === 'https:') {
    return url;
  }
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    return url;
  }
  if (url.protocol === 'http:') {
    throw new RasterUsageError(
      parameter,
      `Invalid ${parameter}: ${url.origin} uses plain http:// to a host that is not loopback, ` +
        'which would send the API key unencrypted. Use https://, or http:// only for localhost, 127.0.0.0/8 or ::1.',
    );
  }
  throw new RasterUsageError(parameter, `Invalid ${parameter}: ${url.origin}. Pass an https:// URL.`);
}

/**
 * Checks the base URL of the API as `checkSecureUrl` does, and rejects a user name, a password, a
 * query or a fragment, which the client would otherwise drop without a word.
 */
export function checkBaseUrl(parameter: string, value: unknown): URL {
  const url = checkSecureUrl(parameter, value);
  if (url.username !== '' || url.password !== '') {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: the URL for ${url.origin} contains a user name or password. Pass the URL without them; the API key has a setting of its own.`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new RasterUsageError(parameter, `Invalid ${parameter}: ${url.origin}${url.pathname} has a query or a fragment, which the client would drop. Pass the URL without them.`);
  }
  return url;
}

/**
 * Checks an API key: a non-empty string without white space or control characters. The message
 * never shows the value, which is a secret even when malformed.
 */
export function checkApiKey(apiKey: unknown): void {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new RasterUsageError('apiKey', 'Missing apiKey. Pass a Raster API key; it starts with pk_.');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(apiKey)) {
    throw new RasterUsageError('apiKey', 'Invalid apiKey: it contains spaces or control characters. Pass the key exactly as Raster shows it.');
  }
}

/**
 * Returns URL text with any user name and password replaced by `***`, for messages about a value
 * that may not parse as a URL.
 */
export function withoutUserInfo(text: string): string {
  return text.replace(/(\/\/)[^/?#\s]*@/g, '$1***@');
}

