import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { scanFolder } from '../../core/src/node/scan';
import type { LocalFile } from '../../core/src/sync/plan';
import { generatePng } from './harness/png';
import { SeededRandom } from './harness/random';
import { makeTempFolder } from './harness/temp';

const PNG = generatePng(new SeededRandom(3), 3, 2);

let folder: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  folder = await makeTempFolder('bad-names');
});

afterEach(async () => {
  await folder.remove();
});

async function scan(): Promise<LocalFile[]> {
  const result = await scanFolder(folder.path);
  if (!result.found) throw new Error(result.reason);
  return result.files;
}

function byPath(files: LocalFile[], path: string): LocalFile {
  const file = files.find((candidate) => candidate.path === path);
  if (file === undefined) throw new Error(`no scanned file ${JSON.stringify(path)} among ${JSON.stringify(files.map((f) => f.path))}`);
  return file;
}

describe('scanner with awkward file names', () => {
  it('keeps names that Linux and Raster accept', async () => {
    const names = ['with space.png', '$(touch pwned);`id`|&>x.png', "it's 100%.png", 'co:lon*?<>|"quote.png', 'emoji-🎨.png'];
    for (const name of names) await writeFile(join(folder.path, name), PNG);

    const files = await scan();

    for (const name of names) {
      expect(byPath(files, name).skipReason).toBeUndefined();
      expect(byPath(files, name).contentType).toBe('image/png');
    }
  });

  it('reports NFD names in NFC', async () => {
    await writeFile(join(folder.path, 'cafe\u0301.png'), PNG);

    const files = await scan();

    expect(files.map((file) => file.path)).toEqual(['caf\u00e9.png']);
  });

  it('skips a name that is not UTF-8', async () => {
    const rawName = Buffer.concat([Buffer.from(`${folder.path}/latin1-`), Buffer.from([0xe9, 0xff]), Buffer.from('.png')]);
    await writeFile(rawName, PNG);

    const [file] = await scan();

    expect(file?.skipReason).toMatch(/not valid UTF-8/);
    expect(file?.skipReason).toMatch(/Rename it/);
  });

  it('skips a name with a backslash', async () => {
    await mkdir(join(folder.path, 'a'));
    await writeFile(join(folder.path, 'a', 'b.png'), PNG);
    await writeFile(join(folder.path, 'a\\b.png'), PNG);

    const files = await scan();

    expect(byPath(files, 'a\\b.png').skipReason).toMatch(/backslash/);
    expect(byPath(files, 'a/b.png').skipReason).toBeUndefined();
  });

  it('skips names with control characters', async () => {
    await writeFile(join(folder.path, 'line\nbreak.png'), PNG);
    await writeFile(join(folder.path, 'tab\t.png'), PNG);

    const files = await scan();

    expect(byPath(files, 'line\nbreak.png').skipReason).toMatch(/control character/);
    expect(byPath(files, 'tab\t.png').skipReason).toMatch(/control character/);
  });

  it('keeps the real name under a canonical folder', async () => {
    await mkdir(join(folder.path, 'sub'));
    await writeFile(join(folder.path, 'sub', 'back\\slash.png'), PNG);
    await writeFile(join(folder.path, 'sub', '100%0A.png'), PNG);

    const files = await scan();

    expect(files.map((file) => file.path)).toEqual(['sub/100%0A.png', 'sub/back\\slash.png']);
    expect(byPath(files, 'sub/back\\slash.png').skipReason).toMatch(/backslash/);
    expect(byPath(files, 'sub/100%0A.png').skipReason).toBeUndefined();
  });

  it('skips a folder whose name is not UTF-8', async () => {
    const rawFolder = Buffer.concat([Buffer.from(`${folder.path}/dir-`), Buffer.from([0xc3, 0x28])]);
    await mkdir(rawFolder);
    await writeFile(Buffer.concat([rawFolder, Buffer.from('/inside.png')]), PNG);

    const [entry] = await scan();

    expect(entry?.path.endsWith('/')).toBe(true);
    expect(entry?.skipReason).toMatch(/folder is not synced.*not valid UTF-8/);
  });
});
