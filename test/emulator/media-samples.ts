/**
 * Minimal files of the accepted upload types that have no sample in the image folder. Each is
 * only the header a type detector and a size reader look at, with a known width and height.
 */

function u16le(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff];
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function u32be(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function ascii(text: string): number[] {
  return [...text].map((character) => character.charCodeAt(0));
}

/** Builds an ISO base media box: 32-bit size, four-letter type, then the payload. */
function box(type: string, payload: number[]): number[] {
  return [...u32be(8 + payload.length), ...ascii(type), ...payload];
}

function ftyp(major: string, compatible: string[]): number[] {
  return box('ftyp', [...ascii(major), 0, 0, 0, 0, ...compatible.flatMap(ascii)]);
}

function ispe(width: number, height: number): number[] {
  return box('ispe', [0, 0, 0, 0, ...u32be(width), ...u32be(height)]);
}

/** A version 0 track header with the picture size as 16.16 fixed-point numbers. */
function tkhd(width: number, height: number): number[] {
  return box('tkhd', [...new Array<number>(4 + 20 + 8 + 8 + 36).fill(0), ...u32be(width * 65536), ...u32be(height * 65536)]);
}

function movie(major: string, compatible: string[], width: number, height: number): number[] {
  return [
    ...ftyp(major, compatible),
    ...box('mdat', new Array<number>(64).fill(7)),
    ...box('moov', [...box('mvhd', new Array<number>(100).fill(0)), ...box('trak', tkhd(width, height))]),
  ];
}

/** Builds an EBML element with a one-byte size. */
function ebml(id: number[], payload: number[]): number[] {
  return [...id, 0x80 | payload.length, ...payload];
}

function matroska(docType: string, width: number, height: number): number[] {
  const header = ebml([0x1a, 0x45, 0xdf, 0xa3], [...ebml([0x42, 0x86], [1]), ...ebml([0x42, 0x82], ascii(docType))]);
  const video = ebml([0xe0], [...ebml([0xb0], [width >> 8, width & 0xff]), ...ebml([0xba], [height >> 8, height & 0xff])]);
  const tracks = ebml([0x16, 0x54, 0xae, 0x6b], ebml([0xae], [...ebml([0xd7], [1]), ...video]));
  // Segment of unknown size, as live recorders write it.
  return [...header, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...tracks];
}

export interface MediaSample {
  filename: string;
  bytes: Uint8Array;
  contentType: string;
  width: number;
  height: number;
}

function sample(filename: string, bytes: number[], contentType: string, width: number, height: number): MediaSample {
  return { filename, bytes: Uint8Array.from(bytes), contentType, width, height };
}

export const MEDIA_SAMPLES: MediaSample[] = [
  sample('anim.gif', [...ascii('GIF89a'), ...u16le(3), ...u16le(2), 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x3b], 'image/gif', 3, 2),
  sample(
    'scan.bmp',
    [...ascii('BM'), ...u32le(70), 0, 0, 0, 0, ...u32le(54), ...u32le(40), ...u32le(5), ...u32le(-4 >>> 0), 1, 0, 24, 0, ...new Array<number>(40).fill(0)],
    'image/bmp',
    5,
    4,
  ),
  sample(
    'print.tiff',
    [...ascii('II'), 42, 0, ...u32le(8), ...u16le(2), ...u16le(256), ...u16le(3), ...u32le(1), ...u16le(640), 0, 0, ...u16le(257), ...u16le(4), ...u32le(1), ...u32le(480), ...u32le(0)],
    'image/tiff',
    640,
    480,
  ),
  sample(
    'big-endian.tif',
    [0x4d, 0x4d, 0, 42, ...u32be(8), 0, 2, 1, 0, 0, 3, ...u32be(1), 0x01, 0x41, 0, 0, 1, 1, 0, 3, ...u32be(1), 0, 123, 0, 0, ...u32be(0)],
    'image/tiff',
    321,
    123,
  ),
  sample('photo.avif', [...ftyp('avif', ['avif', 'mif1', 'miaf']), ...box('meta', [0, 0, 0, 0, ...ispe(1200, 800)])], 'image/avif', 1200, 800),
  sample('phone.heic', [...ftyp('heic', ['mif1', 'heic']), ...box('meta', [0, 0, 0, 0, ...ispe(512, 512), ...ispe(4032, 3024)])], 'image/heic', 4032, 3024),
  sample('still.heif', [...ftyp('mif1', ['mif1']), ...box('meta', [0, 0, 0, 0, ...ispe(640, 360)])], 'image/heif', 640, 360),
  sample('mif1-avif.avif', [...ftyp('mif1', ['mif1', 'avif']), ...ispe(10, 20)], 'image/avif', 10, 20),
  sample('clip.mp4', movie('isom', ['isom', 'iso2', 'mp41'], 1280, 720), 'video/mp4', 1280, 720),
  sample('movie.mov', movie('qt  ', ['qt  '], 1920, 1080), 'video/quicktime', 1920, 1080),
  sample('screen.webm', matroska('webm', 1920, 1080), 'video/webm', 1920, 1080),
];

/** Files that look like media but are not an accepted type. */
export const REJECTED_SAMPLES: Array<[string, Uint8Array]> = [
  ['video.mkv', Uint8Array.from(matroska('matroska', 640, 480))],
  ['unknown.iso', Uint8Array.from(ftyp('zzzz', ['zzzz']))],
  ['song.m4a', Uint8Array.from(ftyp('M4A ', ['M4A ', 'mp42', 'isom']))],
  ['text.png', new TextEncoder().encode('plain text pretending to be a PNG\n')],
  ['page.svg', new TextEncoder().encode('<?xml version="1.0"?>\n<html><body>not svg</body></html>')],
  ['pdf.jpg', new TextEncoder().encode('%PDF-1.7\n')],
];

function svg(attributes: string): Uint8Array {
  return new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg" ${attributes}><rect width="1" height="1"/></svg>`);
}

/** SVG roots and the size read from their `width`, `height` and `viewBox`. */
export const SVG_SIZES: Array<{ filename: string; bytes: Uint8Array; width: number; height: number }> = [
  { filename: 'pixels.svg', bytes: svg('width="120" height="80"'), width: 120, height: 80 },
  { filename: 'px-units.svg', bytes: svg('width="120px" height="40.4px"'), width: 120, height: 40 },
  { filename: 'inches.svg', bytes: svg("width='1in' height='0.5in'"), width: 96, height: 48 },
  { filename: 'viewbox.svg', bytes: svg('viewBox="0 0 300 200"'), width: 300, height: 200 },
  { filename: 'percent.svg', bytes: svg('width="100%" height="100%" viewBox="0,0,64,32"'), width: 64, height: 32 },
  { filename: 'width-only.svg', bytes: svg('width="50" viewBox="0 0 100 200"'), width: 50, height: 100 },
  { filename: 'no-size.svg', bytes: svg(''), width: 300, height: 150 },
  { filename: 'relative-only.svg', bytes: svg('width="50%" height="2em"'), width: 300, height: 150 },
  { filename: 'height-only.svg', bytes: svg('height="40"'), width: 300, height: 40 },
  {
    filename: 'prolog.svg',
    bytes: new TextEncoder().encode(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [ <!ENTITY a "b"> ]>\n<svg\n  width="10"\n  height="20"\n  xmlns="http://www.w3.org/2000/svg"></svg>',
    ),
    width: 10,
    height: 20,
  },
];
