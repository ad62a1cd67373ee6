/** Include and exclude patterns as users of `.gitignore` write them, checked before and after a run. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverFiles, patternProblem, unmatchedPatterns } from '@raster-toolkit/core/node';
import { checkPatterns } from '../../action/src/patterns';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'raster-patterns-'));
  for (const file of ['brand/logo.png', 'brand/old/mark.png', 'docs/brand/guide.png', 'logo.png', 'docs/logo.png', 'brand.png']) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), 'x');
  }
  // A file named like the folder pattern, which a trailing `/` must not match.
  await mkdir(path.join(root, 'other'), { recursive: true });
  await writeFile(path.join(root, 'other/brand'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function selected(include: string[]): Promise<string[]> {
  const result = await discoverFiles(root, { include });
  if (!result.found) throw new Error(result.reason);
  return result.files.map((file) => file.path);
}

describe('include patterns', () => {
  it('reads a trailing slash as folders only', async () => {
    expect(await selected(['brand/'])).toEqual(['brand/logo.png', 'brand/old/mark.png', 'docs/brand/guide.png']);
  });

  it('anchors a leading slash at the root', async () => {
    expect(await selected(['/brand/*.png'])).toEqual(['brand/logo.png']);
    expect(await selected(['/logo.png'])).toEqual(['logo.png']);
    expect(await selected(['logo.png'])).toEqual(['brand/logo.png', 'docs/logo.png', 'logo.png']);
  });

  it('names patterns that matched no file', () => {
    const paths = ['brand/logo.png', 'logo.png'];
    expect(unmatchedPatterns(['brand/', '*.jpg', '!*.png', 'docs/**\nlogo.png'], paths)).toEqual(['*.jpg', 'docs/**']);
  });
});

describe('pattern checks', () => {
  it.each(['[', 'brand/[ab', '!', '/', 'a[b\\]'])('rejects %j', (pattern) => {
    expect(patternProblem(pattern)).toBeDefined();
    expect(() => checkPatterns('--include', [pattern])).toThrow(`Invalid pattern in --include: ${JSON.stringify(pattern)}: `);
  });

  it.each(['*.png', '[ab].png', '[!a]*.png', 'a\\[b', 'brand/', '/brand/*.png', '!*.svg', '**/x/**'])('accepts %j', (pattern) => {
    expect(patternProblem(pattern)).toBeUndefined();
  });
});
