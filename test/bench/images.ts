/**
 * Deterministic benchmark images: valid 8-bit RGB PNGs whose pixels are pseudo-random noise,
 * stored with deflate level 0 so that the file size is the pixel count times three, plus a small
 * overhead, and no transport or storage layer can compress them. The noise is the AES-256-CTR
 * keystream of a key derived from a seed string, so a seed always gives the same bytes.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32, createDeflate, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bytes a PNG adds around its pixel rows: signature, IHDR, one IEND and the zlib framing. */
const FIXED_OVERHEAD = 8 + 25 + 12 + 6;

/** Raw bytes fed to deflate at a time when streaming a large image. */
const STREAM_BLOCK_BYTES = 1 << 20;

/** A PNG's pixel dimensions. */
export interface ImageShape {
  width: number;
  height: number;
}

/** Returns width and height of a noise PNG whose file size is close to `targetBytes`. */
export function shapeForSize(targetBytes: number): ImageShape {
  let width = 16;
  if (targetBytes >= 4 << 20) {
    width = 4096;
  } else if (targetBytes >= 64 << 10) {
    width = 256;
  }
  const rowBytes = 1 + width * 3;
  const height = Math.max(1, Math.round((targetBytes - FIXED_OVERHEAD) / rowBytes));
  return { width, height };
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(data.length, 0);
  header.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(header.subarray(4))) >>> 0);
  return Buffer.concat([header, data, crc]);
}

function headerChunk(shape: ImageShape): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(shape.width, 0);
  data.writeUInt32BE(shape.height, 4);
  data[8] = 8; // bit depth
  data[9] = 2; // colour type: truecolour RGB
  return pngChunk('IHDR', data);
}

/** Pseudo-random byte source seeded by a string. */
function noiseSource(seed: string): (length: number) => Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return (length) => cipher.update(Buffer.alloc(length));
}

/** Fills `raw` with `rows` noise rows of `rowBytes` bytes each, filter type None. */
function fillRows(raw: Buffer, rows: number, rowBytes: number, noise: (length: number) => Buffer): void {
  const pixels = noise(rows * (rowBytes - 1));
  for (let row = 0; row < rows; row += 1) {
    raw[row * rowBytes] = 0;
    pixels.copy(raw, row * rowBytes + 1, row * (rowBytes - 1), (row + 1) * (rowBytes - 1));
  }
}

/** Encodes a whole noise PNG in memory; meant for files of a few megabytes at most. */
export function noisePng(seed: string, shape: ImageShape): Buffer {
  const rowBytes = 1 + shape.width * 3;
  const raw = Buffer.alloc(rowBytes * shape.height);
  fillRows(raw, shape.height, rowBytes, noiseSource(seed));
  return Buffer.concat([
    SIGNATURE,
    headerChunk(shape),
    pngChunk('IDAT', deflateSync(raw, { level: 0 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Writes a noise PNG of about `targetBytes` to `path`, streaming rows through deflate so that
 * memory stays at a few megabytes whatever the size. Returns the size written.
 */
export async function writeNoisePng(path: string, seed: string, targetBytes: number): Promise<number> {
  const shape = shapeForSize(targetBytes);
  await mkdir(dirname(path), { recursive: true });
  if (targetBytes < STREAM_BLOCK_BYTES) {
    const bytes = noisePng(seed, shape);
    const file = await open(path, 'w');
    try {
      await file.writeFile(bytes);
    } finally {
      await file.close();
    }
    return bytes.length;
  }

  const rowBytes = 1 + shape.width * 3;
  const rowsPerBlock = Math.max(1, Math.floor(STREAM_BLOCK_BYTES / rowBytes));
  const noise = noiseSource(seed);
  const deflate = createDeflate({ level: 0 });
  const file = await open(path, 'w');
  let written = 0;
  const write = async (bytes: Buffer): Promise<void> => {
    await file.write(bytes);
    written += bytes.length;
  };

  try {
    await write(SIGNATURE);
    await write(headerChunk(shape));
    const compressed = (async () => {
      for await (const piece of deflate) {
        await write(pngChunk('IDAT', piece as Buffer));
      }
    })();
    for (let row = 0; row < shape.height; row += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, shape.height - row);
      const raw = Buffer.alloc(rows * rowBytes);
      fillRows(raw, rows, rowBytes, noise);
      if (!deflate.write(raw)) {
        await new Promise((resolve) => deflate.once('drain', resolve));
      }
    }
    deflate.end();
    await compressed;
    await write(pngChunk('IEND', Buffer.alloc(0)));
  } finally {
    await file.close();
  }
  return written;
}
