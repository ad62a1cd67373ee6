import { badUserInput } from './api-error';
import { DEFAULT_PAGE_SIZE, MAX_FILTER_TAGS, MAX_PAGE_SIZE } from './limits';

export interface Page {
  /** The resolved 1-based page. */
  page: number;
  pageSize: number;
}

/**
 * Reads an optional integer query parameter from `min` to `max`. A repeated, empty, non-integer or
 * out-of-range value is rejected with 400 `BAD_USER_INPUT`, with a message that gives the range.
 */
export function readIntegerParam(query: URLSearchParams, name: string, fallback: number, range: { min: number; max: number }): number {
  const values = query.getAll(name);
  if (values.length === 0) {
    return fallback;
  }
  const [text] = values;
  const value = Number(text);
  if (values.length > 1 || text === undefined || !/^[0-9]+$/.test(text) || value < range.min || value > range.max) {
    throw badUserInput(`Invalid ${name} "${values.join(',')}"; expected one whole number from ${range.min} to ${range.max}.`);
  }
  return value;
}

/** Reads `page` (default 1, `0` read as 1) and `pageSize` (default 50, 1 to 500). */
export function readPage(query: URLSearchParams): Page {
  const page = Math.max(1, readIntegerParam(query, 'page', 1, { min: 0, max: Number.MAX_SAFE_INTEGER }));
  const pageSize = readIntegerParam(query, 'pageSize', DEFAULT_PAGE_SIZE, { min: 1, max: MAX_PAGE_SIZE });
  return { page, pageSize };
}

export function slicePage<T>(items: T[], { page, pageSize }: Page): T[] {
  const start = (page - 1) * pageSize;
  return items.slice(start, start + pageSize);
}

/**
 * Reads a list parameter that is comma-separated, repeated or both, trimming entries and
 * dropping empty ones.
 */
export function readListParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

/** Reads the `tags` filter of the asset list: at most 5 tags, matched with "any of". */
export function readTagFilter(query: URLSearchParams): string[] {
  const tags = [...new Set(readListParam(query, 'tags'))];
  if (tags.length > MAX_FILTER_TAGS) {
    throw badUserInput(`Too many tags in the filter: ${tags.length}; the maximum is ${MAX_FILTER_TAGS}.`);
  }
  return tags;
}
