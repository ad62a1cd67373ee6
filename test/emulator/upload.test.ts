import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { IMAGES, imageBytes, libraryPath, raw, upload } from './helpers';
import { MEDIA_SAMPLES, REJECTED_SAMPLES, SVG_SIZES } from './media-samples';

let emulator: RunningEmulator;
let dataDir: string;
let logo: Uint8Array;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'emulator-upload-'));
  emulator = await startEmulator({ dataDir, maxFileSize: 64 * 1024 });
  logo = await imageBytes('brand/logo-128.png');
});

afterAll(async () => {
  await emulator.stop();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await emulator.admin.reset();
  emulator.admin.configure({ maxFileSize: 64 * 1024 });
});

async function listedCount(): Promise<number> {
  const response = await raw(emulator, 'GET', libraryPath(emulator, '/assets'));
  return response.json.data.length;
}

/** Stored files and leftover temporary uploads in the data folder. */
async function storedFiles(): Promise<{ files: string[]; temporary: string[] }> {
  return {
    files: await readdir(join(dataDir, 'files')),
    temporary: await readdir(join(dataDir, 'tmp')),
  };
}

function multipartBody(boundary: string, parts: Array<{ headers: string[]; body: string | Uint8Array }>, close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n`));
    chunks.push(Buffer.from(part.body));
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) {
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
  }
  return Buffer.concat(chunks);
}

async function postMultipart(body: Buffer, contentType = 'multipart/form-data; boundary=XyZ') {
  return raw(emulator, 'POST', libraryPath(emulator, '/assets'), {
    headers: { 'Content-Type': contentType },
    rawBody: body,
  });
}

describe('type detection', () => {
  test('real samples keep their detected types', async () => {
    const cases: Array<[string, string, number, number]> = [
      ['brand/logo-128.png', 'image/png', 128, 128],
      ['odd/photo.jpeg', 'image/jpeg', 0, 0],
      ['photos/wallpapers/symbolic-d.webp', 'image/webp', 0, 0],
      ['docs/diagrams/logo.svg', 'image/svg+xml', 0, 0],
      ['odd/no-extension', 'image/png', 0, 0],
    ];
    for (const [path, contentType] of cases) {
      emulator.admin.configure({ maxFileSize: 100 * 1024 * 1024 });
      const response = await upload(emulator, [[path.split('/').pop() ?? path, await imageBytes(path)]]);
      expect(response.status, path).toBe(200);
      expect(response.json.data.assets[0].contentType, path).toBe(contentType);
      expect(response.json.data.assets[0].width, path).toBeGreaterThan(0);
      expect(response.json.data.assets[0].height, path).toBeGreaterThan(0);
    }
  });

  test('every file of the sample folder', async () => {
    emulator.admin.configure({ maxFileSize: 100 * 1024 * 1024 });
    const rejected = ['not-images/data.json', 'not-images/empty.png', 'not-images/fake.png', 'not-images/notes.md'];
    const files = (await readdir(IMAGES, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name !== 'README.md')
      .map((entry) => relative(IMAGES, join(entry.parentPath, entry.name)));
    expect(files.length).toBeGreaterThan(30);

    for (const path of files) {
      const response = await upload(emulator, [[path, await imageBytes(path)]]);
      if (rejected.includes(path)) {
        expect(response.status, path).toBe(400);
        continue;
      }
      expect(response.status, path).toBe(200);
      const asset = response.json.data.assets[0];
      expect(asset.contentType, path).toMatch(/^image\/(png|jpeg|webp|svg\+xml)$/);
      expect(asset.width, path).toBeGreaterThan(0);
      expect(asset.height, path).toBeGreaterThan(0);
    }
  });

  test('every accepted format is detected with its size', async () => {
    for (const sample of MEDIA_SAMPLES) {
      const response = await upload(emulator, [[sample.filename, sample.bytes]]);
      expect(response.status, sample.filename).toBe(200);
      const asset = response.json.data.assets[0];
      expect(asset.contentType, sample.filename).toBe(sample.contentType);
      expect([asset.width, asset.height], sample.filename).toEqual([sample.width, sample.height]);

      const file = await fetch(asset.url);
      expect(file.headers.get('content-type'), sample.filename).toBe(sample.contentType);
      expect(new Uint8Array(await file.arrayBuffer()), sample.filename).toEqual(sample.bytes);
    }
  });

  test('svg size comes from width, height or viewBox', async () => {
    for (const sample of SVG_SIZES) {
      const response = await upload(emulator, [[sample.filename, sample.bytes]]);
      expect(response.status, sample.filename).toBe(200);
      const asset = response.json.data.assets[0];
      expect(asset.contentType, sample.filename).toBe('image/svg+xml');
      expect([asset.width, asset.height], sample.filename).toEqual([sample.width, sample.height]);
    }
  });

  test('content type comes from the bytes', async () => {
    const form = new FormData();
    form.append('files', new Blob([logo], { type: 'image/jpeg' }), 'named-like.jpg');

    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets'), { rawBody: form });

    expect(response.json.data.assets[0].contentType).toBe('image/png');
    expect(response.json.data.assets[0].url.endsWith('.png')).toBe(true);
  });

  test('unsupported files are rejected by name', async () => {
    const notImages: Array<[string, Uint8Array]> = [
      ['fake.png', await imageBytes('not-images/fake.png')],
      ['data.json', await imageBytes('not-images/data.json')],
      ['notes.md', await imageBytes('not-images/notes.md')],
      ...REJECTED_SAMPLES,
    ];
    for (const [filename, bytes] of notImages) {
      const response = await upload(emulator, [[filename, bytes]]);
      expect(response.status, filename).toBe(400);
      expect(response.json.error.code, filename).toBe('BAD_USER_INPUT');
      expect(response.json.error.message, filename).toContain(filename);
    }
    expect(await listedCount()).toBe(0);
  });

  test('empty file is rejected', async () => {
    const response = await upload(emulator, [['empty.png', await imageBytes('not-images/empty.png')]]);

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
    expect(response.json.error.message).toContain('empty.png');
  });
});

describe('names and sizes', () => {
  test('directory and last extension are removed', async () => {
    const filenames = [
      'screens/home.PNG',
      'with.many.dots.final.jpg',
      '.png',
      'no-extension',
      'a+b (1).png',
      'café/naïve résumé.png',
      '日本語.png',
      'C:\\Users\\me\\win.png',
    ];
    const response = await upload(emulator, filenames.map((filename) => [filename, logo]));

    expect(response.status).toBe(200);
    expect(response.json.data.assets.map((asset: { name: string }) => asset.name)).toEqual([
      'home',
      'with.many.dots.final',
      '.png',
      'no-extension',
      'a+b (1)',
      'naïve résumé',
      '日本語',
      'win',
    ]);
  });

  test('size is the uploaded byte count', async () => {
    const response = await upload(emulator, [['logo.png', logo]]);

    expect(response.json.data.assets[0].size).toBe(logo.byteLength);
  });

  test('same file twice makes two assets', async () => {
    const first = await upload(emulator, [['logo.png', logo]]);
    const second = await upload(emulator, [['logo.png', logo]]);

    expect(first.json.data.assets[0].id).not.toBe(second.json.data.assets[0].id);
    expect(await listedCount()).toBe(2);
  });

  test('responseText counts the assets', async () => {
    const one = await upload(emulator, [['logo.png', logo]]);

    expect(one.json.data.responseText).toBe('Uploaded 1 asset');
  });
});

describe('batch rules', () => {
  test('20 files are allowed', async () => {
    const response = await upload(emulator, Array.from({ length: 20 }, (_, index) => [`f${index}.png`, logo]));

    expect(response.status).toBe(200);
    expect(response.json.data.assets).toHaveLength(20);
  });

  test('21 files give MAX_ASSETS_EXCEEDED and store nothing', async () => {
    const response = await upload(emulator, Array.from({ length: 21 }, (_, index) => [`f${index}.png`, logo]));

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('MAX_ASSETS_EXCEEDED');
    expect(await listedCount()).toBe(0);
    expect(await storedFiles()).toEqual({ files: [], temporary: [] });
  });

  test('one bad file fails the batch and stores nothing', async () => {
    const response = await upload(emulator, [
      ['good.png', logo],
      ['bad.png', await imageBytes('not-images/fake.png')],
      ['also-good.png', logo],
    ]);

    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain('bad.png');
    expect(await listedCount()).toBe(0);
    expect(await storedFiles()).toEqual({ files: [], temporary: [] });
  });

  test('no file part gives UPLOAD_ERROR_NO_FILES', async () => {
    const response = await postMultipart(Buffer.from('--XyZ--\r\n'));

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('UPLOAD_ERROR_NO_FILES');
  });

  test('other field name gives BAD_USER_INPUT', async () => {
    const response = await upload(emulator, [['logo.png', logo]], { field: 'file' });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
    expect(response.json.error.message).toContain('"file"');
  });

  test('text field gives BAD_USER_INPUT', async () => {
    const form = new FormData();
    form.append('files', new Blob([logo]), 'logo.png');
    form.append('tags', 'landscape');

    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets'), { rawBody: form });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
    expect(await listedCount()).toBe(0);
  });

  test('files part without filename gives BAD_USER_INPUT', async () => {
    const body = multipartBody('XyZ', [{ headers: ['Content-Disposition: form-data; name="files"'], body: logo }]);

    const response = await postMultipart(body);

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('JSON body gives BAD_USER_INPUT', async () => {
    const response = await raw(emulator, 'POST', libraryPath(emulator, '/assets'), { body: { files: [] } });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });

  test('multipart without boundary gives BAD_USER_INPUT', async () => {
    const response = await postMultipart(Buffer.from('--XyZ--\r\n'), 'multipart/form-data');

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
  });
});

describe('size limit', () => {
  test('file at the limit is stored', async () => {
    const bytes = new Uint8Array(64 * 1024);
    bytes.set(logo);

    const response = await upload(emulator, [['exact.png', bytes]]);

    expect(response.status).toBe(200);
    expect(response.json.data.assets[0].size).toBe(64 * 1024);
  });

  test('file over the limit gives 413 and stores nothing', async () => {
    const bytes = new Uint8Array(64 * 1024 + 1);
    bytes.set(logo);

    const response = await upload(emulator, [['small.png', logo], ['large.png', bytes]]);

    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(response.json.error.message).toContain('large.png');
    expect(await listedCount()).toBe(0);
    expect(await storedFiles()).toEqual({ files: [], temporary: [] });
  });

  test('large body is cut off while streaming', async () => {
    emulator.admin.configure({ maxFileSize: 1024 * 1024 });
    const bytes = new Uint8Array(40 * 1024 * 1024);
    bytes.set(logo);

    const response = await upload(emulator, [['huge.png', bytes]]);

    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await storedFiles()).toEqual({ files: [], temporary: [] });
    const after = await raw(emulator, 'GET', '/me');
    expect(after.status).toBe(200);
  });
});

describe('malformed multipart', () => {
  test('truncated body gives BAD_USER_INPUT', async () => {
    const body = multipartBody(
      'XyZ',
      [{ headers: ['Content-Disposition: form-data; name="files"; filename="a.png"', 'Content-Type: image/png'], body: logo }],
      false,
    );

    const response = await postMultipart(body.subarray(0, body.length - 100));

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('BAD_USER_INPUT');
    expect(await storedFiles()).toEqual({ files: [], temporary: [] });
  });

  test('garbage body gives an error', async () => {
    const response = await postMultipart(Buffer.from('this is not multipart at all'));

    expect([400]).toContain(response.status);
    expect(response.json.error.code).toMatch(/BAD_USER_INPUT|UPLOAD_ERROR_NO_FILES/);
  });

  test('part headers without disposition are rejected', async () => {
    const body = multipartBody('XyZ', [{ headers: ['Content-Type: image/png'], body: logo }]);

    const response = await postMultipart(body);

    expect(response.status).toBe(400);
    expect(await listedCount()).toBe(0);
  });
});

/**
 * Builds a baseline JPEG whose frame header comes after `padding` bytes of application segments,
 * so its size can only be read past the file's first bytes.
 */
function paddedJpeg(padding: number, width: number, height: number): Buffer {
  const segments: Buffer[] = [];
  for (let left = padding; left > 0; ) {
    const payload = Math.min(left, 65_533);
    segments.push(Buffer.from([0xff, 0xe1, (payload + 2) >> 8, (payload + 2) & 0xff]), Buffer.alloc(payload, 0x20));
    left -= payload;
  }
  const frame = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments, Buffer.from([...frame, 0xff, 0xd9])]);
}

describe('files in memory and on disk', () => {
  const small = paddedJpeg(200_000, 640, 480);
  const large = paddedJpeg(1_200_000, 320, 200);

  test('type detection reads the first 64 KiB', async () => {
    emulator.admin.configure({ maxFileSize: 2 * 1024 * 1024 });
    for (const size of [100_000, 1024 * 1024 + 1]) {
      // An SVG whose root element starts 70 kB in, after a comment, padded to `size` bytes.
      const prefix = `<?xml version="1.0"?><!--${' '.repeat(70_000)}-->`;
      const svg = `${prefix}<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>`;
      const bytes = Buffer.concat([Buffer.from(svg), Buffer.alloc(size - svg.length, 0x20)]);

      const response = await upload(emulator, [['late-root.svg', bytes]]);

      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('BAD_USER_INPUT');
    }
  });

  for (const mode of ['in memory', 'with a data folder'] as const) {
    test(`sizes, bytes and ranges, ${mode}`, async () => {
      const target = mode === 'in memory' ? await startEmulator() : emulator;
      target.admin.configure({ maxFileSize: 2 * 1024 * 1024 });
      try {
        const response = await upload(target, [
          ['small.jpg', small],
          ['large.jpg', large],
        ]);
        const [smallAsset, largeAsset] = response.json.data.assets;

        expect([smallAsset.width, smallAsset.height, smallAsset.size]).toEqual([640, 480, small.byteLength]);
        expect([largeAsset.width, largeAsset.height, largeAsset.size]).toEqual([320, 200, large.byteLength]);
        for (const [asset, bytes] of [
          [smallAsset, small],
          [largeAsset, large],
        ] as const) {
          const whole = await fetch(asset.url);
          const tail = await fetch(asset.url, { headers: { Range: `bytes=${bytes.length - 70_000}-` } });
          // Buffer.equals compares a megabyte at once, where toEqual would walk it byte by byte.
          expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
          expect(tail.status).toBe(206);
          expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 70_000))).toBe(true);
        }
      } finally {
        if (target !== emulator) {
          await target.stop();
        }
      }
    });
  }
});
