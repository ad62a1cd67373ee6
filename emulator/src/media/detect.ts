/** Recognition of the accepted upload types from a file's first bytes. */

export interface DetectedType {
  contentType: string;
  /** File name extension for the type, without the dot. */
  extension: string;
}

/** Bytes of a file's beginning that the upload keeps in memory for detection. */
export const DETECTION_HEAD_BYTES = 64 * 1024;

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

/** Returns the type of the file that starts with `head`, or null when it is not accepted. */
export function detectType(head: Buffer): DetectedType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return { contentType: 'image/jpeg', extension: 'jpg' };
  }
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { contentType: 'image/png', extension: 'png' };
  }
  const ascii6 = head.toString('latin1', 0, 6);
  if (ascii6 === 'GIF87a' || ascii6 === 'GIF89a') {
    return { contentType: 'image/gif', extension: 'gif' };
  }
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') {
    return { contentType: 'image/webp', extension: 'webp' };
  }
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { contentType: 'image/tiff', extension: 'tiff' };
  }
  if (head.length >= 18 && head.toString('latin1', 0, 2) === 'BM' && BMP_DIB_HEADER_SIZES.has(head.readUInt32LE(14))) {
    return { contentType: 'image/bmp', extension: 'bmp' };
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    return detectMatroska(head);
  }
  if (head.length >= 8) {
    const isoType = detectIsoMedia(head);
    if (isoType !== null) {
      return isoType;
    }
  }
  if (isSvg(head)) {
    return { contentType: 'image/svg+xml', extension: 'svg' };
  }
  return null;
}

function startsWith(head: Buffer, bytes: number[]): boolean {
  return head.length >= bytes.length && bytes.every((byte, index) => head[index] === byte);
}

/** Only WebM is accepted among Matroska files; its EBML header names the `webm` doc type. */
function detectMatroska(head: Buffer): DetectedType | null {
  const header = head.subarray(0, 64);
  if (header.includes(Buffer.from([0x42, 0x82])) && header.includes('webm', 0, 'latin1')) {
    return { contentType: 'video/webm', extension: 'webm' };
  }
  return null;
}

/** Recognises ISO base media files (AVIF, HEIC, HEIF, MP4, QuickTime) by their `ftyp` brands. */
function detectIsoMedia(head: Buffer): DetectedType | null {
  const boxType = head.toString('latin1', 4, 8);
  if (boxType !== 'ftyp') {
    return QUICKTIME_LEADING_ATOMS.has(boxType) && head.readUInt32BE(0) >= 8
      ? { contentType: 'video/quicktime', extension: 'mov' }
      : null;
  }

  const boxSize = Math.min(head.readUInt32BE(0), head.length);
  const majorBrand = head.toString('latin1', 8, 12);
  const brands = [majorBrand];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) {
    brands.push(head.toString('latin1', offset, offset + 4));
  }

  if (AUDIO_BRANDS.has(majorBrand)) {
    return null;
  }
  if (AVIF_BRANDS.has(majorBrand)) {
    return { contentType: 'image/avif', extension: 'avif' };
  }
  if (HEIC_BRANDS.has(majorBrand)) {
    return { contentType: 'image/heic', extension: 'heic' };
  }
  if (majorBrand === 'qt  ') {
    return { contentType: 'video/quicktime', extension: 'mov' };
  }
  if (HEIF_BRANDS.has(majorBrand)) {
    if (brands.some((brand) => AVIF_BRANDS.has(brand))) {
      return { contentType: 'image/avif', extension: 'avif' };
    }
    if (brands.some((brand) => HEIC_BRANDS.has(brand))) {
      return { contentType: 'image/heic', extension: 'heic' };
    }
    return { contentType: 'image/heif', extension: 'heif' };
  }
  if (MP4_BRANDS.has(majorBrand) || majorBrand.startsWith('3gp') || brands.some((brand) => MP4_BRANDS.has(brand))) {
    return { contentType: 'video/mp4', extension: 'mp4' };
  }
  return null;
}

/**
 * Returns true when the text's root element is `<svg>`, after an optional byte order mark, XML
 * declaration, comments, processing instructions and doctype.
 */
export function isSvg(head: Buffer): boolean {
  return findSvgRootTag(head.toString('utf8')) !== null;
}

/** Returns the start tag of the SVG root element (`<svg ...>`), or null when the root is not SVG. */
export function findSvgRootTag(text: string): string | null {
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  for (;;) {
    while (position < text.length && /\s/.test(text.charAt(position))) {
      position += 1;
    }
    if (text.startsWith('<?', position)) {
      const end = text.indexOf('?>', position + 2);
      if (end === -1) {
        return null;
      }
      position = end + 2;
    } else if (text.startsWith('<!--', position)) {
      const end = text.indexOf('-->', position + 4);
      if (end === -1) {
        return null;
      }
      position = end + 3;
    } else if (text.startsWith('<!DOCTYPE', position) || text.startsWith('<!doctype', position)) {
      const end = findDoctypeEnd(text, position);
      if (end === -1) {
        return null;
      }
      position = end + 1;
    } else {
      break;
    }
  }

  const match = /^<svg(?=[\s/>])[^>]*>/.exec(text.slice(position, position + 16_384));
  return match === null ? null : match[0];
}

/** Returns the index of the `>` closing a doctype, skipping an internal subset in brackets. */
function findDoctypeEnd(text: string, start: number): number {
  let inSubset = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (character === '[') {
      inSubset = true;
    } else if (character === ']') {
      inSubset = false;
    } else if (character === '>' && !inSubset) {
      return index;
    }
  }
  return -1;
}
