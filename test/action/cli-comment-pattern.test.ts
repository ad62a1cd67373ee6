/**
 * A `--include` or `--exclude` value that starts with `#`, such as a folder named `#drafts`. The
 * pattern lists read a line that starts with `#` as a comment, so the CLI rejects such a value
 * instead of ignoring it, and `\#` matches the name.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { discoverFiles } from '@raster-toolkit/core/node';

import { parseCli } from '../../action/src/cli-args';
import { InputError } from '../../action/src/parse';

const env = { RASTER_API_KEY: 'pk_secret', RASTER_LIBRARY: 'site' };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'raster-comment-pattern-'));
  for (const file of ['#drafts/secret.png', 'public/logo.png']) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), 'x');
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Returns the paths that a CLI run with `args` would scan. */
async function scannedPaths(args: string[]): Promise<string[]> {
  const command = parseCli([root, ...args], env, root);
  if (command.kind !== 'sync') throw new Error(`expected a sync command, got ${command.kind}`);

  const result = await discoverFiles(command.options.path, { include: command.options.include, exclude: command.options.exclude });
  if (!result.found) throw new Error(result.reason);
  return result.files.map((file) => file.path).sort();
}

describe('CLI pattern starting with #', () => {
  for (const flag of ['--exclude', '--include']) {
    it(`rejects ${flag} #drafts`, () => {
      const parse = (): unknown => parseCli([root, flag, '#drafts'], env, root);

      expect(parse).toThrow(InputError);
      expect(parse).toThrow(`Invalid pattern in ${flag}: "#drafts": a pattern that starts with # is read as a comment.`);
      expect(parse).toThrow('Write \\#drafts to match a name that starts with #.');
    });
  }

  it('excludes the folder written as \\#drafts', async () => {
    expect(await scannedPaths(['--exclude', '\\#drafts'])).toEqual(['public/logo.png']);
  });

  it('includes only the folder written as \\#drafts', async () => {
    expect(await scannedPaths(['--include', '\\#drafts'])).toEqual(['#drafts/secret.png']);
  });

  it('rejects an empty pattern', () => {
    expect(() => parseCli([root, '--exclude', ' '], env, root)).toThrow('Invalid pattern in --exclude: " ": it is empty. Pass a glob such as *.png.');
  });
});
