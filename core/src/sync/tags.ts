/**
 * Tags that identify a sync's assets. Raster has no field for a path or a checksum, so the engine
 * records both in tags:
 *
 * - the owner tag, `raster-sync:<owner>`, on every asset the sync uploaded. `<owner>` is the
 *   first 16 hex digits of the SHA-256 of the sync id. The sync lists, and ever deletes, only
 *   assets that carry it.
 * - the fingerprint tag, `raster-sync:<owner>:<fingerprint>`. `<fingerprint>` is the first 32 hex
 *   digits of the SHA-256 of the sync id, the canonical relative path and the SHA-256 of the
 *   file's bytes, joined by NUL characters. An owned asset whose fingerprint matches no local
 *   file is stale.
 * - the path tag, `raster-sync:<owner>:path:<canonical relative path>`, which names the file of
 *   an asset once the file is gone, so that a pruned asset can be distinguished from others of
 *   the same name. It is left out when the path does not fit Raster's tag rules (at most 66 characters
 *   after the prefix, no comma, no control characters, no leading or trailing space) or when the
 *   tag call would exceed 20 tags. It costs no request, because it goes with the other tags.
 *
 * The owner tag is 28 characters long and the fingerprint tag 61, well within Raster's tag rules (1 to 100 characters,
 * no comma, no control characters, not `index` or `trash`).
 */

import { MAX_TAGS_PER_REQUEST } from '../api/limits';
import { sha256Hex } from './sha256';

export const TAG_PREFIX = 'raster-sync';

/** Maximum length of a tag, after trimming. */
export const MAX_TAG_LENGTH = 100;

/** Tags Raster reserves for itself; tagging with them fails with 400 `BAD_USER_INPUT`. */
export const RESERVED_TAGS: readonly string[] = ['index', 'trash'];

const OWNER_HASH_LENGTH = 16;
const FINGERPRINT_LENGTH = 32;

/** Returns the owner tag of a sync id. */
export function ownerTagFor(syncId: string): string {
  return `${TAG_PREFIX}:${sha256Hex(syncId.normalize('NFC')).slice(0, OWNER_HASH_LENGTH)}`;
}

/** Function that returns the SHA-256 digest of a string (encoded as UTF-8) as 64 lower-case hex digits. */
export type TextHasher = (text: string) => string;

/**
 * Returns the fingerprint of one file: a hash of the sync id, its canonical relative path and the
 * SHA-256 of its bytes (64 hex digits), so that a moved, renamed or edited file gets a new one.
 * `hashText` replaces the pure TypeScript SHA-256, for a runtime with a faster one.
 */
export function fingerprintFor(syncId: string, canonicalPath: string, contentSha256: string, hashText: TextHasher = sha256Hex): string {
  const input = [syncId.normalize('NFC'), canonicalPath.normalize('NFC'), contentSha256.toLowerCase()].join('\u0000');
  return hashText(input).slice(0, FINGERPRINT_LENGTH);
}

/** Returns the tag that records `fingerprint` under `ownerTag`. */
export function fingerprintTagFor(ownerTag: string, fingerprint: string): string {
  return `${ownerTag}:${fingerprint}`;
}

/** Marker after the owner tag that starts a path tag. Fingerprints are hex, so never start with it. */
const PATH_MARKER = 'path:';

/** Returns the fingerprints recorded on an asset's tags under `ownerTag`. */
export function fingerprintsIn(tags: readonly string[], ownerTag: string): string[] {
  const prefix = `${ownerTag}:`;
  const fingerprints: string[] = [];
  // A plain loop that builds no prefix string per tag, because the plan calls this for every
  // owned asset.
  for (const tag of tags) {
    if (tag.startsWith(prefix) && !tag.startsWith(PATH_MARKER, prefix.length)) fingerprints.push(tag.slice(prefix.length));
  }
  return fingerprints;
}

/** Returns the tag that records a file's canonical relative path, or null when the path cannot be a tag. */
export function pathTagFor(ownerTag: string, canonicalPath: string): string | null {
  const tag = `${ownerTag}:${PATH_MARKER}${canonicalPath}`;
  if (tag.length > MAX_TAG_LENGTH || canonicalPath.trim() !== canonicalPath || canonicalPath.includes(',')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(canonicalPath)) return null;
  return tag;
}

/** Returns the file path recorded on an asset's tags under `ownerTag`, or null when there is none. */
export function pathIn(tags: readonly string[], ownerTag: string): string | null {
  const prefix = `${ownerTag}:${PATH_MARKER}`;
  const tag = tags.find((candidate) => candidate.startsWith(prefix));
  return tag === undefined ? null : tag.slice(prefix.length);
}

/**
 * Returns the tags of one synced file in one tag call: the owner tag, the fingerprint tag, the
 * path tag when the path fits and the call has room for it, and the extra tags.
 */
export function syncTagsFor(ownerTag: string, fingerprint: string, canonicalPath: string, extraTags: readonly string[]): string[] {
  const tags = [ownerTag, fingerprintTagFor(ownerTag, fingerprint)];
  const pathTag = pathTagFor(ownerTag, canonicalPath);
  if (pathTag !== null && tags.length + extraTags.length < MAX_TAGS_PER_REQUEST) tags.push(pathTag);
  return [...tags, ...extraTags];
}

/**
 * Returns why `tag` breaks Raster's tag rules, or null when it is valid. The rules: 1 to 100
 * characters after trimming, no comma (the list filter splits on commas), no control characters,
 * and not a reserved tag.
 */
export function tagProblem(tag: string): string | null {
  const trimmed = tag.trim();

  if (trimmed.length === 0) return 'is empty';
  if (trimmed.length > MAX_TAG_LENGTH) return `is longer than ${MAX_TAG_LENGTH} characters`;
  if (trimmed.includes(',')) return 'contains a comma';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) return 'contains a control character';
  if (RESERVED_TAGS.includes(trimmed)) return `is reserved by Raster`;
  if (trimmed === TAG_PREFIX || trimmed.startsWith(`${TAG_PREFIX}:`)) {
    return `starts with "${TAG_PREFIX}:", which the sync keeps for its own tags`;
  }
  return null;
}
