import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';

import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkFile } from '../../core/src/node/scan';
import { detectMediaType, detectMediaTypeFromShortHead, MEDIA_SNIFF_BYTES, SHORT_SNIFF_BYTES } from '../../core/src/sync/media-type';
import { SAMPLE_IMAGES, uploadForeign } from './support/library';

const text = (value: string) => new TextEncoder().encode(value);
const bytes = (...values: number[]) => new Uint8Array(values);

/** Inputs where a loose check and the upload route could disagree, by file name. */
const CASES: Array<[string, Uint8Array]> = [
  ['svg-open-newline.svg', text('<svg\n')],
  ['svg-open.svg', text('<svg')],
  ['svg-unclosed-tag.svg', text('<svg width="1" height="1"')],
  ['svg-upper-case.svg', text('<SVG xmlns="http://www.w3.org/2000/svg"/>')],
  ['svg-minimal.svg', text('<svg/>')],
  ['svg-valid.svg', text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>')],
  ['svg-prolog.svg', text('\ufeff<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE svg [ <!ENTITY a "b"> ]>\n<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ['svg-after-long-comment.svg', text(`<!--${'x'.repeat(10_000)}-->\n<svg xmlns="http://www.w3.org/2000/svg"/>`)],
  ['svg-unclosed-comment.svg', text('<!-- <svg xmlns="http://www.w3.org/2000/svg"/>')],
  ['svg-unclosed-declaration.svg', text('<?xml version="1.0"\n<svg/>')],
  ['svg-namespace-prefix.svg', text('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>')],
  ['xml-other-root.svg', text('<?xml version="1.0"?>\n<root><svg/></root>')],
  ['html.svg', text('<!DOCTYPE html>\n<html><body><svg></svg></body></html>')],
  ['text.svg', text('just some text\n')],
  ['webm-magic-only.webm', bytes(0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0)],
  ['webm-doctype.webm', bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d)],
  ['matroska.mkv', bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88, 0x6d, 0x61, 0x74, 0x72, 0x6f, 0x73, 0x6b, 0x61)],
  ['bmp-bad-header.bmp', text('BM this is not a bitmap header')],
  ['bmp-short.bmp', text('BM')],
  ['m4a-audio.m4a', text('\u0000\u0000\u0000\u0018ftypM4A \u0000\u0000\u0000\u0000isom')],
  ['mp4-compatible.mp4', text('\u0000\u0000\u0000\u0018ftypXXXX\u0000\u0000\u0000\u0000isom')],
  ['unknown-brand.mp4', text('\u0000\u0000\u0000\u0014ftypXXXX\u0000\u0000\u0000\u0000')],
  ['heif-with-avif.heif', text('\u0000\u0000\u0000\u0018ftypmif1\u0000\u0000\u0000\u0000avif')],
  ['quicktime-legacy.mov', text('\u0000\u0000\u0000\u0010moov\u0000\u0000\u0000\u0000')],
  ['webp-short.webp', text('RIFF\u0000\u0000')],
  ['png-magic-only.png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)],
];

let emulator: RunningEmulator;
let folder: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  folder = await mkdtemp(join(tmpdir(), 'raster-media-type-'));
});

afterAll(async () => {
  await emulator.stop();
  await rm(folder, { recursive: true, force: true });
});

/** Returns true when the emulator's upload route stores the file. */
async function emulatorAccepts(name: string, content: Uint8Array): Promise<boolean> {
  try {
    await uploadForeign(emulator, name, content);
    return true;
  } catch (error) {
    expect((error as Error).message, name).toContain('400');
    return false;
  }
}

/** Returns true when the scanner's local check would upload the file. */
async function scannerAccepts(name: string, content: Uint8Array): Promise<boolean> {
  const absolutePath = join(folder, name);
  await writeFile(absolutePath, content);
  const checked = await checkFile({ path: name, absolutePath, size: content.length }, Number.MAX_SAFE_INTEGER);
  return checked.skipReason === undefined;
}

describe('local type check against the emulator', () => {
  it.each(CASES)('decides %s like the upload route', async (name, content) => {
    const remote = await emulatorAccepts(name, content);

    expect(await scannerAccepts(name, content), name).toBe(remote);
    expect(detectMediaType(content) !== null, name).toBe(remote);
  });

  it('decides every sample file like the upload route', async () => {
    const entries = await readdir(SAMPLE_IMAGES, { recursive: true, withFileTypes: true });
    const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThan(10);

    for (const file of files) {
      const content = new Uint8Array(await readFile(file));
      const name = relative(SAMPLE_IMAGES, file).split(sep).join('/');
      if (content.length === 0) continue;

      expect(detectMediaType(content.subarray(0, 64 * 1024)) !== null, name).toBe(await emulatorAccepts(name.split('/').pop()!, content));
    }
  });
});

describe('detectMediaTypeFromShortHead', () => {
  /** Returns the cases and the sample files, each also followed by 8 KiB of other bytes. */
  async function inputs(): Promise<Array<[string, Uint8Array]>> {
    const entries = await readdir(SAMPLE_IMAGES, { recursive: true, withFileTypes: true });
    const samples: Array<[string, Uint8Array]> = [];
    for (const entry of entries.filter((candidate) => candidate.isFile())) {
      samples.push([entry.name, new Uint8Array(await readFile(join(entry.parentPath, entry.name)))]);
    }
    const padded = [...CASES, ...samples].map(([name, content]): [string, Uint8Array] => {
      const longer = new Uint8Array(content.length + 8 * 1024).fill(0x20);
      longer.set(content);
      return [`${name} with 8 KiB more`, longer];
    });
    // An ftyp box whose AVIF brand lies past 4 KiB: the first 4 KiB read as HEIF.
    const longBox = new Uint8Array(8 * 1024).fill(0x78);
    longBox.set(text('\u0000\u0000\u0020\u0000ftypmif1\u0000\u0000\u0000\u0000'));
    longBox.set(text('avif'), 5_000);
    return [...CASES, ...samples, ...padded, ['heif-brand-past-4-kib.heif', longBox]];
  }

  it('gives the type of the whole head or none', async () => {
    for (const [name, content] of await inputs()) {
      const short = detectMediaTypeFromShortHead(content.subarray(0, SHORT_SNIFF_BYTES), content.length);
      const whole = detectMediaType(content.subarray(0, MEDIA_SNIFF_BYTES));

      if (content.length <= SHORT_SNIFF_BYTES) expect(short, name).toBe(whole);
      else expect(short === undefined || short === whole, name).toBe(true);
    }
  });

  it('decides long images from 4 KiB', async () => {
    const decided = (await inputs())
      .filter(([, content]) => content.length > SHORT_SNIFF_BYTES)
      .map(([name, content]) => [name, detectMediaTypeFromShortHead(content.subarray(0, SHORT_SNIFF_BYTES), content.length)]);

    expect(decided.filter(([, type]) => type === 'image/png').length).toBeGreaterThan(5);
    expect(decided.filter(([name]) => String(name).startsWith('svg-after-long-comment')).map(([, type]) => type)).toEqual([undefined, undefined]);
    expect(decided.filter(([name]) => name === 'heif-brand-past-4-kib.heif').map(([, type]) => type)).toEqual([undefined]);
  });
});
