/**
 * Detection of the file types Raster accepts, from a file's first bytes (its magic number; SVG by
 * its XML root element). The accepted types are the project's reading of the API, which does not
 * publish them: JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, TIFF, BMP, SVG, MP4, QuickTime and WebM.
 * The rules are those of the emulator's upload route (emulator/src/media/detect.ts), so that a
 * file passes this check exactly when the emulator stores it. Change both together. The engine
 * skips any other file before upload instead of letting the whole batch fail.
 */

/**
 * Bytes of a file's head that `detectMediaType` needs: the emulator decides from the first
 * 64 KiB, and an SVG root may follow a long prolog and comments.
 */
export const MEDIA_SNIFF_BYTES = 64 * 1024;

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2']);
const MP4_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9',
  'mp41', 'mp42', 'mp71', 'avc1', 'dash', 'M4V ', 'M4VH', 'M4VP', 'mmp4', 'f4v ', 'MSNV', 'NDAS',
]);
/** Audio-only MPEG-4 brands; such files often list `isom` too but are not videos. */
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
/** QuickTime files written before `ftyp` existed start with one of these atoms. */
const QUICKTIME_LEADING_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);
const BMP_DIB_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
/** Characters after the prolog in which the `<svg ...>` start tag must close. */
const SVG_ROOT_TAG_WINDOW = 16_384;

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((value, index) => bytes[index] === value);
}

/** Decodes bytes as Latin-1, one character per byte, like `Buffer.toString('latin1')`. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

function uint32BigEndian(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) >>> 0) + (bytes[offset + 1]! << 16) + (bytes[offset + 2]! << 8) + bytes[offset + 3]!;
}

function uint32LittleEndian(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 3]! << 24) >>> 0) + (bytes[offset + 2]! << 16) + (bytes[offset + 1]! << 8) + bytes[offset]!;
}

function containsBytes(bytes: Uint8Array, needle: readonly number[]): boolean {
  for (let start = 0; start + needle.length <= bytes.length; start++) {
    if (needle.every((value, index) => bytes[start + index] === value)) return true;
  }
  return false;
}

/**
 * Bytes of a file's head that decide JPEG, PNG, GIF, WebP, TIFF, BMP and WebM, whose rules read
 * only the first `SHORT_HEAD_RULE_BYTES`. `detectMediaType` tries them before the others, so a
 * longer head cannot change them.
 */
export const SHORT_SNIFF_BYTES = 4 * 1024;

/** Bytes that the rules of the types in `SHORT_HEAD_TYPES` read at most (WebM's EBML header). */
const SHORT_HEAD_RULE_BYTES = 64;

const SHORT_HEAD_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/tiff', 'image/bmp', 'video/webm']);

/**
 * Returns the type `detectMediaType` gives the file whose first bytes are `head`, when `head`
 * decides it: a head of at least `SHORT_SNIFF_BYTES` bytes that shows one of the types decided
 * by their first 64 bytes, or the whole file. Returns undefined when a longer head is needed.
 */
export function detectMediaTypeFromShortHead(head: Uint8Array, fileSize: number): string | null | undefined {
  const type = detectMediaType(head);
  if (head.length >= fileSize) return type;
  return type !== null && head.length >= SHORT_HEAD_RULE_BYTES && SHORT_HEAD_TYPES.has(type) ? type : undefined;
}

/**
 * Returns the content type of an accepted file, or null when Raster does not accept it. `head`
 * contains at least the first `MEDIA_SNIFF_BYTES` bytes of the file, or all of a shorter file.
 */
export function detectMediaType(head: Uint8Array): string | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';

  const signature = latin1(head, 0, 6);
  if (signature === 'GIF87a' || signature === 'GIF89a') return 'image/gif';
  if (head.length >= 12 && latin1(head, 0, 4) === 'RIFF' && latin1(head, 8, 12) === 'WEBP') return 'image/webp';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (head.length >= 18 && latin1(head, 0, 2) === 'BM' && BMP_DIB_HEADER_SIZES.has(uint32LittleEndian(head, 14))) return 'image/bmp';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return matroskaType(head);

  if (head.length >= 8) {
    const iso = isoMediaType(head);
    if (iso !== null) return iso;
  }

  if (hasSvgRoot(head)) return 'image/svg+xml';
  return null;
}

/** Only WebM is accepted among Matroska files; its EBML header names the `webm` doc type. */
function matroskaType(head: Uint8Array): string | null {
  const header = head.subarray(0, 64);
  const webm = [0x77, 0x65, 0x62, 0x6d];
  return containsBytes(header, [0x42, 0x82]) && containsBytes(header, webm) ? 'video/webm' : null;
}

/** Recognises ISO base media files (AVIF, HEIC, HEIF, MP4, QuickTime) by their `ftyp` brands. */
function isoMediaType(head: Uint8Array): string | null {
  const boxType = latin1(head, 4, 8);
  if (boxType !== 'ftyp') {
    return QUICKTIME_LEADING_ATOMS.has(boxType) && uint32BigEndian(head, 0) >= 8 ? 'video/quicktime' : null;
  }

  const boxSize = Math.min(uint32BigEndian(head, 0), head.length);
  const majorBrand = latin1(head, 8, 12);
  const brands = [majorBrand];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) {
    brands.push(latin1(head, offset, offset + 4));
  }

  if (AUDIO_BRANDS.has(majorBrand)) return null;
  if (AVIF_BRANDS.has(majorBrand)) return 'image/avif';
  if (HEIC_BRANDS.has(majorBrand)) return 'image/heic';
  if (majorBrand === 'qt  ') return 'video/quicktime';
  if (HEIF_BRANDS.has(majorBrand)) {
    if (brands.some((brand) => AVIF_BRANDS.has(brand))) return 'image/avif';
    if (brands.some((brand) => HEIC_BRANDS.has(brand))) return 'image/heic';
    return 'image/heif';
  }
  if (MP4_BRANDS.has(majorBrand) || majorBrand.startsWith('3gp') || brands.some((brand) => MP4_BRANDS.has(brand))) {
    return 'video/mp4';
  }
  return null;
}

/**
 * Returns true when the text's root element is `<svg>`, after an optional byte order mark, XML
 * declaration, comments, processing instructions and doctype. The start tag must be complete
 * (closed by `>`), the name is case-sensitive as in XML, and an unclosed prolog part rejects
 * the file.
 */
function hasSvgRoot(head: Uint8Array): boolean {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(head);
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  for (;;) {
    while (position < text.length && /\s/.test(text.charAt(position))) position += 1;

    let end: number;
    if (text.startsWith('<?', position)) {
      end = text.indexOf('?>', position + 2);
      if (end === -1) return false;
      position = end + 2;
    } else if (text.startsWith('<!--', position)) {
      end = text.indexOf('-->', position + 4);
      if (end === -1) return false;
      position = end + 3;
    } else if (text.startsWith('<!DOCTYPE', position) || text.startsWith('<!doctype', position)) {
      end = doctypeEnd(text, position);
      if (end === -1) return false;
      position = end + 1;
    } else {
      break;
    }
  }

  return /^<svg(?=[\s/>])[^>]*>/.test(text.slice(position, position + SVG_ROOT_TAG_WINDOW));
}

/** Returns the index of the `>` closing a doctype, skipping an internal subset in brackets. */
function doctypeEnd(text: string, start: number): number {
  let inSubset = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (character === '[') inSubset = true;
    else if (character === ']') inSubset = false;
    else if (character === '>' && !inSubset) return index;
  }
  return -1;
}
