import { open, type FileHandle } from 'node:fs/promises';
import { findSvgRootTag } from './detect';

export interface Dimensions {
  width: number;
  height: number;
}

/** Random access to a file's bytes; `read` returns fewer bytes at the end of the file. */
interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** Upper bound on boxes, markers or elements visited, so a hostile file cannot loop for long. */
const MAX_STEPS = 10_000;

/** A received file: its size, its first bytes in memory, and the file with all of its bytes. */
export interface StoredBytes {
  /** Path of the file with every byte, or null when `head` contains all of them. */
  path: string | null;
  size: number;
  /** The file's first bytes. Reads that fall inside them need no file access. */
  head: Buffer;
}

/**
 * Reads the width and height of an image or video from the file itself, or returns null when
 * the format has none that can be read (a corrupt header, or an SVG without usable sizes). Most
 * formats keep their size in the first bytes, so the file is opened only when a read goes past
 * `head`.
 */
export async function readDimensions(file: StoredBytes, contentType: string): Promise<Dimensions | null> {
  const { head, size } = file;
  let handle: FileHandle | null = null;
  try {
    const source: ByteSource = {
      size,
      async read(offset, length) {
        const end = Math.min(offset + length, size);
        if (end <= offset) {
          return Buffer.alloc(0);
        }
        if (end <= head.length) {
          return head.subarray(offset, end);
        }
        if (file.path === null) {
          return head.subarray(offset, Math.min(end, head.length));
        }
        handle ??= await open(file.path, 'r');
        const buffer = Buffer.alloc(end - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      },
    };
    const dimensions = await readBySourceType(source, contentType);
    return dimensions !== null && dimensions.width > 0 && dimensions.height > 0 ? dimensions : null;
  } catch {
    return null;
  } finally {
    await (handle as FileHandle | null)?.close();
  }
}

async function readBySourceType(source: ByteSource, contentType: string): Promise<Dimensions | null> {
  switch (contentType) {
    case 'image/png':
      return readPng(await source.read(0, 24));
    case 'image/gif':
      return readGif(await source.read(0, 10));
    case 'image/jpeg':
      return readJpeg(source);
    case 'image/webp':
      return readWebp(await source.read(0, 30));
    case 'image/bmp':
      return readBmp(await source.read(0, 26));
    case 'image/tiff':
      return readTiff(source);
    case 'image/svg+xml':
      return readSvg((await source.read(0, 64 * 1024)).toString('utf8'));
    case 'image/avif':
    case 'image/heic':
    case 'image/heif':
      return readIspe(await source.read(0, 256 * 1024));
    case 'video/mp4':
    case 'video/quicktime':
      return readTrackHeader(source);
    case 'video/webm':
      return readWebm(source);
    default:
      return null;
  }
}

function readPng(head: Buffer): Dimensions | null {
  if (head.length < 24 || head.toString('latin1', 12, 16) !== 'IHDR') {
    return null;
  }
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

function readGif(head: Buffer): Dimensions | null {
  if (head.length < 10) {
    return null;
  }
  return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
}

/** Start-of-frame markers carry the frame size; the others (C4 DHT, C8 JPG, CC DAC) do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

async function readJpeg(source: ByteSource): Promise<Dimensions | null> {
  let offset = 2;
  for (let step = 0; step < MAX_STEPS && offset + 4 <= source.size; step += 1) {
    const header = await source.read(offset, 9);
    if (header[0] !== 0xff) {
      return null;
    }
    const marker = header[1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2; // markers without a length field
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) {
      return null; // end of image or start of scan before any frame header
    }
    if (header.length < 4) {
      return null;
    }
    if (isStartOfFrame(marker)) {
      if (header.length < 9) {
        return null;
      }
      return { height: header.readUInt16BE(5), width: header.readUInt16BE(7) };
    }
    offset += 2 + header.readUInt16BE(2);
  }
  return null;
}

function readWebp(head: Buffer): Dimensions | null {
  if (head.length < 30) {
    return null;
  }
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    // Key frame: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) {
      return null;
    }
    return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) {
      return null;
    }
    const bits = head.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
  }
  return null;
}

function readBmp(head: Buffer): Dimensions | null {
  if (head.length < 26) {
    return null;
  }
  if (head.readUInt32LE(14) === 12) {
    return { width: head.readUInt16LE(18), height: head.readUInt16LE(20) };
  }
  // A negative height marks a top-down bitmap.
  return { width: Math.abs(head.readInt32LE(18)), height: Math.abs(head.readInt32LE(22)) };
}

async function readTiff(source: ByteSource): Promise<Dimensions | null> {
  const header = await source.read(0, 8);
  if (header.length < 8) {
    return null;
  }
  const littleEndian = header[0] === 0x49;
  const u16 = (buffer: Buffer, at: number) => (littleEndian ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at));
  const u32 = (buffer: Buffer, at: number) => (littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at));

  const ifdOffset = u32(header, 4);
  const countBytes = await source.read(ifdOffset, 2);
  if (countBytes.length < 2) {
    return null;
  }
  const count = Math.min(u16(countBytes, 0), 1000);
  const entries = await source.read(ifdOffset + 2, count * 12);

  let width: number | null = null;
  let height: number | null = null;
  for (let index = 0; index + 12 <= entries.length; index += 12) {
    const tag = u16(entries, index);
    const type = u16(entries, index + 2);
    // Type 3 is SHORT, stored in the first two bytes of the value field; type 4 is LONG.
    const value = type === 3 ? u16(entries, index + 8) : type === 4 ? u32(entries, index + 8) : null;
    if (tag === 256) {
      width = value;
    } else if (tag === 257) {
      height = value;
    }
  }
  return width !== null && height !== null ? { width, height } : null;
}

/** CSS pixels per unit of the absolute length units SVG allows. */
const SVG_UNITS: Record<string, number> = { '': 1, px: 1, pt: 4 / 3, pc: 16, in: 96, cm: 96 / 2.54, mm: 96 / 25.4 };

function parseSvgLength(value: string | undefined): number | null {
  if (value === undefined) {
    return null;
  }
  const match = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(px|pt|pc|in|cm|mm)?\s*$/i.exec(value);
  if (match === null) {
    return null;
  }
  const factor = SVG_UNITS[(match[2] ?? '').toLowerCase()] ?? 1;
  const length = Number(match[1]) * factor;
  return Number.isFinite(length) && length > 0 ? length : null;
}

/**
 * Reads the root element's `width` and `height`, using the `viewBox` for a missing or relative
 * one (keeping its aspect ratio when only one size is given), and 300 by 150 when neither helps.
 */
export function readSvg(text: string): Dimensions | null {
  const tag = findSvgRootTag(text);
  if (tag === null) {
    return null;
  }
  const attributes = new Map<string, string>();
  for (const match of tag.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    attributes.set(match[1] ?? '', match[3] ?? match[4] ?? '');
  }

  const width = parseSvgLength(attributes.get('width'));
  const height = parseSvgLength(attributes.get('height'));
  const viewBox = (attributes.get('viewBox') ?? '').trim().split(/[\s,]+/).map(Number);
  const boxWidth = viewBox.length === 4 && (viewBox[2] ?? 0) > 0 ? (viewBox[2] ?? null) : null;
  const boxHeight = viewBox.length === 4 && (viewBox[3] ?? 0) > 0 ? (viewBox[3] ?? null) : null;

  let resolvedWidth = width;
  let resolvedHeight = height;
  if (boxWidth !== null && boxHeight !== null) {
    if (resolvedWidth === null && resolvedHeight === null) {
      resolvedWidth = boxWidth;
      resolvedHeight = boxHeight;
    } else if (resolvedWidth === null && resolvedHeight !== null) {
      resolvedWidth = (resolvedHeight * boxWidth) / boxHeight;
    } else if (resolvedHeight === null && resolvedWidth !== null) {
      resolvedHeight = (resolvedWidth * boxHeight) / boxWidth;
    }
  }
  // Browsers draw an SVG without usable sizes at the CSS default of 300 by 150 pixels.
  return {
    width: Math.max(1, Math.round(resolvedWidth ?? 300)),
    height: Math.max(1, Math.round(resolvedHeight ?? 150)),
  };
}

/**
 * Reads AVIF and HEIF sizes from their `ispe` (image spatial extent) properties. A grid image
 * has one per tile and one for the whole picture, so the largest one wins.
 */
function readIspe(head: Buffer): Dimensions | null {
  let best: Dimensions | null = null;
  let position = head.indexOf('ispe', 0, 'latin1');
  while (position !== -1 && position + 16 <= head.length) {
    const width = head.readUInt32BE(position + 8);
    const height = head.readUInt32BE(position + 12);
    if (best === null || width * height > best.width * best.height) {
      best = { width, height };
    }
    position = head.indexOf('ispe', position + 4, 'latin1');
  }
  return best;
}

/** Walks the boxes of an MP4 or QuickTime file to the first track header with a picture size. */
async function readTrackHeader(source: ByteSource): Promise<Dimensions | null> {
  const containers = new Set(['moov', 'trak']);
  const pending: Array<{ start: number; end: number }> = [{ start: 0, end: source.size }];

  for (let step = 0; step < MAX_STEPS && pending.length > 0; step += 1) {
    const range = pending.shift();
    if (range === undefined) {
      break;
    }
    let offset = range.start;
    while (offset + 8 <= range.end && step < MAX_STEPS) {
      step += 1;
      const header = await source.read(offset, 16);
      if (header.length < 8) {
        break;
      }
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      let headerSize = 8;
      if (boxSize === 1 && header.length >= 16) {
        boxSize = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) {
        boxSize = range.end - offset;
      }
      if (boxSize < headerSize) {
        break;
      }
      if (containers.has(type)) {
        pending.push({ start: offset + headerSize, end: Math.min(offset + boxSize, range.end) });
      } else if (type === 'tkhd') {
        const body = await source.read(offset + headerSize, 92);
        const version = body[0] ?? 0;
        const sizeOffset = version === 1 ? 88 : 76;
        if (body.length >= sizeOffset + 8) {
          const width = Math.round(body.readUInt32BE(sizeOffset) / 65536);
          const height = Math.round(body.readUInt32BE(sizeOffset + 4) / 65536);
          if (width > 0 && height > 0) {
            return { width, height };
          }
        }
      }
      offset += boxSize;
    }
  }
  return null;
}

const EBML_SEGMENT = 0x18538067;
const EBML_TRACKS = 0x1654ae6b;
const EBML_TRACK_ENTRY = 0xae;
const EBML_VIDEO = 0xe0;
const EBML_PIXEL_WIDTH = 0xb0;
const EBML_PIXEL_HEIGHT = 0xba;
const EBML_MASTERS = new Set([EBML_SEGMENT, EBML_TRACKS, EBML_TRACK_ENTRY, EBML_VIDEO]);

/** Reads an EBML variable-length integer; `keepMarker` keeps the length bit, as element ids do. */
function readVint(buffer: Buffer, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = buffer[at];
  if (first === undefined || first === 0) {
    return null;
  }
  const length = Math.clz32(first) - 23;
  if (at + length > buffer.length) {
    return null;
  }
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let index = 1; index < length; index += 1) {
    const byte = buffer[at + index] ?? 0;
    value = value * 256 + byte;
    allOnes = allOnes && byte === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

/** Walks a WebM file's Segment, Tracks, TrackEntry and Video elements to the pixel size. */
async function readWebm(source: ByteSource): Promise<Dimensions | null> {
  let width: number | null = null;
  let height: number | null = null;
  let offset = 0;

  for (let step = 0; step < MAX_STEPS && offset < source.size; step += 1) {
    const header = await source.read(offset, 16);
    const id = readVint(header, 0, true);
    if (id === null) {
      return null;
    }
    const size = readVint(header, id.length, false);
    if (size === null) {
      return null;
    }
    const dataStart = offset + id.length + size.length;
    if (EBML_MASTERS.has(id.value)) {
      // A master element's data is its children, so walking on from its header visits them and
      // then its next sibling.
      offset = dataStart;
      continue;
    }
    if (id.value === EBML_PIXEL_WIDTH || id.value === EBML_PIXEL_HEIGHT) {
      const data = await source.read(dataStart, size.value);
      const value = data.length > 0 && data.length <= 6 ? data.readUIntBE(0, data.length) : 0;
      if (id.value === EBML_PIXEL_WIDTH) {
        width = value;
      } else {
        height = value;
      }
      if (width !== null && height !== null) {
        return { width, height };
      }
    }
    if (size.unknown) {
      return null;
    }
    offset = dataStart + size.value;
  }
  return null;
}
