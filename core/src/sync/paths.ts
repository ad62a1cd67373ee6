/**
 * Canonical relative paths. The plan compares paths across machines, so every path the engine
 * handles is relative to the sync root, uses `/` separators and is in Unicode NFC. The same folder
 * then gives the same plan on Linux, on macOS (whose file systems may return NFD names) and on
 * Windows (whose paths use `\`).
 */

/**
 * Converts a relative path written with `/` or `\` separators (as on Windows) into the canonical
 * form: `/` separators, Unicode NFC, no `.` segments, no empty segments. Throws on an absolute
 * path or one that climbs out of the root with `..`, because such a path cannot belong to the
 * synced folder.
 */
export function canonicalRelativePath(path: string): string {
  const segments = path.normalize('NFC').split(/[\\/]+/);

  if (/^[A-Za-z]:$/.test(segments[0] ?? '') || path.startsWith('/') || path.startsWith('\\')) {
    throw new Error(`Expected a path relative to the sync root, got the absolute path "${path}".`);
  }

  const kept = segments.filter((segment) => segment !== '' && segment !== '.');
  if (kept.includes('..')) {
    throw new Error(`The path "${path}" climbs out of the sync root with "..".`);
  }
  if (kept.length === 0) {
    throw new Error(`The path "${path}" names the sync root itself, not a file in it.`);
  }

  return kept.join('/');
}

/** Returns true for the path of a folder that the scan skipped, which ends in `/`. */
export function isFolderPath(path: string): boolean {
  return path.endsWith('/');
}

/**
 * Returns the key under which two paths collide on a case-insensitive file system (macOS and
 * Windows defaults): NFC, then lower case.
 */
export function caseFoldedPath(canonicalPath: string): string {
  return canonicalPath.normalize('NFC').toLowerCase();
}

/**
 * Returns the asset name Raster gives a file: the file name without its directory and without
 * its last extension. A name that is only an extension, such as `.png`, stays whole. The engine
 * uses it to check that each returned asset belongs to the file sent in the same position.
 */
export function assetNameFor(path: string): string {
  const fileName = path.split(/[\\/]/).pop() ?? path;
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/**
 * Returns the names Raster may give the upload of `path`. Multipart bodies escape `"`, CR and LF
 * in a part's filename as `%22`, `%0D` and `%0A` (as browsers' `FormData` does) and the service
 * keeps the escaped form, so the escaped name comes beside the plain one when they differ.
 */
export function assetNamesFor(path: string): string[] {
  const plain = assetNameFor(path);
  const escaped = plain.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return escaped === plain ? [plain] : [plain, escaped];
}

/** Returns true when `assetName` is the name Raster gave the upload of `path`, plain or escaped. */
export function isAssetNameOf(assetName: string, path: string): boolean {
  return assetNamesFor(path).includes(assetName);
}

/**
 * Quotes a name as a JSON string with every character outside printable ASCII written as
 * `\uXXXX`, so that names equal in NFC read differently: `e` followed by U+0301 from `é`.
 */
export function escapedName(name: string): string {
  return JSON.stringify(name).replace(/[^\x20-\x7e]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
