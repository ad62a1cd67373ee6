/**
 * Detection of the file types Raster accepts, from a file's first bytes (its magic number; SVG by
 * its XML root element). The accepted types are the project's reading of the API, which does not
 * publish them: JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, TIFF, BMP, SVG, MP4, QuickTime and WebM.
 * The engine skips any other file before upload instead of letting the whole batch fail.
 */

/** Bytes of a file's head that `detectMediaType` reads; SVG may need a prolog and comments. */
export const MEDIA_SNIFF_BYTES = 4096;

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, index) => bytes[offset + index] === value);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** Reads the brand of an ISO base media file (MP4, QuickTime, HEIF, AVIF) from its `ftyp` box. */
function isoMediaType(bytes: Uint8Array): string | null {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== 'ftyp') return null;

  const major = ascii(bytes, 8, 12);
  if (AVIF_BRANDS.has(major)) return 'image/avif';
  if (HEIC_BRANDS.has(major)) return 'image/heic';
  if (HEIF_BRANDS.has(major)) return 'image/heif';
  if (major === 'qt  ') return 'video/quicktime';
  return 'video/mp4';
}

/** Returns true when the text, after its XML prolog, comments and doctype, opens an `svg` root. */
function hasSvgRoot(bytes: Uint8Array): boolean {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const prolog = /^\s*(?:<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)/i;
  for (let match = prolog.exec(text); match; match = prolog.exec(text)) {
    text = text.slice(match[0].length);
  }
  return /^\s*<svg[\s>/:]/i.test(text);
}

/**
 * Returns the content type of an accepted file, or null when Raster does not accept it. `head`
 * contains at least the first `MEDIA_SNIFF_BYTES` bytes of the file, or all of a shorter file.
 */
export function detectMediaType(head: Uint8Array): string | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'image/webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (ascii(head, 0, 2) === 'BM' && head.length >= 14) return 'image/bmp';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';

  const iso = isoMediaType(head);
  if (iso) return iso;

  if (hasSvgRoot(head)) return 'image/svg+xml';
  return null;
}
