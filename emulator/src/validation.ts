import { badUserInput } from './api-error';
import {
  LIBRARY_SLUG_PATTERN,
  MAX_IDS_PER_CALL,
  MAX_LIBRARY_NAME_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS_PER_CALL,
  RESERVED_TAGS,
} from './limits';

/** Control characters: C0, DEL and C1. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks and trims one tag: 1 to 100 characters after trimming, no comma (the list filter splits
 * on commas), no control characters, and not a reserved tag. Tags are case-sensitive; the
 * reserved names are rejected in any case.
 */
export function normalizeTag(value: unknown): string {
  if (typeof value !== 'string') {
    throw badUserInput('Every tag must be a string.');
  }
  const tag = value.trim();
  if (tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
    throw badUserInput(`Invalid tag "${value}": a tag is 1 to ${MAX_TAG_LENGTH} characters after trimming.`);
  }
  if (tag.includes(',')) {
    throw badUserInput(`Invalid tag "${tag}": a tag cannot contain a comma.`);
  }
  if (CONTROL_CHARACTERS.test(tag)) {
    throw badUserInput(`Invalid tag ${JSON.stringify(tag)}: a tag cannot contain control characters.`);
  }
  if (RESERVED_TAGS.includes(tag.toLowerCase())) {
    throw badUserInput(`The tag "${tag}" is reserved; ${RESERVED_TAGS.join(' and ')} cannot be set or removed.`);
  }
  return tag;
}

/** Reads a field holding 1 to `max` strings, or throws 400 `BAD_USER_INPUT` naming the field. */
export function readStringArray(body: Record<string, unknown>, field: string, max: number): string[] {
  const value = body[field];
  if (!Array.isArray(value) || value.length === 0) {
    throw badUserInput(`"${field}" must be a non-empty array of strings.`);
  }
  if (value.length > max) {
    throw badUserInput(`"${field}" has ${value.length} entries; the maximum is ${max}.`);
  }
  if (!value.every((entry): entry is string => typeof entry === 'string' && entry.length > 0)) {
    throw badUserInput(`"${field}" must contain only non-empty strings.`);
  }
  return value;
}

/** Reads `assetIds` (1 to 100) and `tags` (1 to 20) of the tag and untag routes. */
export function readTagRequest(body: Record<string, unknown>): { assetIds: string[]; tags: string[] } {
  const assetIds = readStringArray(body, 'assetIds', MAX_IDS_PER_CALL);
  const rawTags = body['tags'];
  if (!Array.isArray(rawTags) || rawTags.length === 0 || rawTags.length > MAX_TAGS_PER_CALL) {
    throw badUserInput(`"tags" must be an array of 1 to ${MAX_TAGS_PER_CALL} tags.`);
  }
  const tags = [...new Set(rawTags.map(normalizeTag))];
  return { assetIds: [...new Set(assetIds)], tags };
}

/** Checks a library name: a string of 1 to 100 characters that is not only whitespace. */
export function readLibraryName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_LIBRARY_NAME_LENGTH) {
    throw badUserInput(`"${field}" must be a string of 1 to ${MAX_LIBRARY_NAME_LENGTH} characters.`);
  }
  return value;
}

export function readLibrarySlug(value: unknown): string {
  if (typeof value !== 'string' || !LIBRARY_SLUG_PATTERN.test(value)) {
    throw badUserInput(
      `Invalid slug ${JSON.stringify(value)}: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit.`,
    );
  }
  return value;
}

/** Derives a slug from a name: ASCII letters and digits, other runs replaced by one hyphen. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return slug.length > 0 ? slug : 'library';
}

/**
 * Derives an asset name from an upload's filename: the directory part is removed, then the last
 * extension, unless the name is only an extension such as `.png`.
 */
export function assetNameFromFilename(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? filename;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
