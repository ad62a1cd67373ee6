import { crc32, deflateSync } from 'node:zlib';

import type { SeededRandom } from './random';

/** PNG file signature, the first eight bytes of every PNG. */
const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([typeBytes, data])) >>> 0);
  return Buffer.concat([length, typeBytes, data, crc]);
}

/**
 * Encodes a valid 8-bit RGB PNG of `width` x `height` pixels from the generator's draws. The
 * same generator state always gives the same bytes, so a seed names a file's content.
 */
export function generatePng(random: SeededRandom, width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour RGB
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace

  const rowLength = 1 + width * 3;
  const raw = Buffer.alloc(rowLength * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * rowLength] = 0; // filter type None
    raw.set(random.bytes(width * 3), y * rowLength + 1);
  }

  return Buffer.concat([
    Buffer.from(SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Returns a PNG whose width and height are drawn between 1 and `maxSide` pixels. */
export function randomPng(random: SeededRandom, maxSide = 24): Buffer {
  return generatePng(random, random.int(1, maxSide), random.int(1, maxSide));
}
