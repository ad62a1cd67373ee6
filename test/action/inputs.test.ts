import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readActionOptions } from '../../action/src/action-inputs';
import { parseCli } from '../../action/src/cli-args';
import { readActionMetadata } from './harness';
import { RasterUsageError, resolveSyncOptions, type SyncOptions } from '@raster-toolkit/core';
import {
  ACTION_INPUT_NAMES,
  CLI_FLAG_NAMES,
  InputError,
  parseApiUrl,
  parseBoolean,
  parseByteSize,
  parseConcurrency,
  parseDeletionBudget,
  parseTags,
  toInputError,
} from '../../action/src/parse';

describe('parseBoolean', () => {
  it('accepts true and false', () => {
    expect(parseBoolean('prune', 'true')).toBe(true);
    expect(parseBoolean('prune', 'false')).toBe(false);
    expect(parseBoolean('prune', ' false\n')).toBe(false);
  });

  it.each(['yes', 'no', 'True', 'FALSE', '1', '0', 'on', ''])('rejects %j naming the input', (value) => {
    expect(() => parseBoolean('include-hidden', value)).toThrow(InputError);
    expect(() => parseBoolean('include-hidden', value)).toThrow(/include-hidden/);
  });
});

describe('parseConcurrency', () => {
  it('accepts whole numbers from 1 to 32', () => {
    expect(parseConcurrency('concurrency', '1')).toBe(1);
    expect(parseConcurrency('concurrency', ' 16 ')).toBe(16);
    expect(parseConcurrency('concurrency', '32')).toBe(32);
  });

  it.each(['0', '33', '-1', '1.5', '4x', '', '1e3', '99999999999999999999'])('rejects %j with both bounds', (value) => {
    expect(() => parseConcurrency('concurrency', value)).toThrow(`concurrency must be a whole number from 1 to 32, got ${JSON.stringify(value)}.`);
  });
});

describe('parseDeletionBudget', () => {
  it('reads a count', () => {
    expect(parseDeletionBudget('max-deletes', '0')).toEqual({ count: 0 });
    expect(parseDeletionBudget('max-deletes', '25')).toEqual({ count: 25 });
  });

  it('reads a percentage', () => {
    expect(parseDeletionBudget('max-deletes', '10%')).toEqual({ percent: 10 });
    expect(parseDeletionBudget('max-deletes', '12.5%')).toEqual({ percent: 12.5 });
    expect(parseDeletionBudget('max-deletes', '100%')).toEqual({ percent: 100 });
  });

  it.each(['-1', '101%', '%', 'ten', '1.5', '5 percent'])('rejects %j', (value) => {
    expect(() => parseDeletionBudget('max-deletes', value)).toThrow(/max-deletes/);
  });
});

describe('parseByteSize', () => {
  it('reads bytes and binary units', () => {
    expect(parseByteSize('max-file-size', '104857600')).toBe(104_857_600);
    expect(parseByteSize('max-file-size', ' 1 ')).toBe(1);
    expect(parseByteSize('max-file-size', '512B')).toBe(512);
    expect(parseByteSize('max-file-size', '64KiB')).toBe(64 * 1024);
    expect(parseByteSize('max-file-size', '250MiB')).toBe(250 * 1024 * 1024);
    expect(parseByteSize('max-file-size', '2 GiB')).toBe(2 * 1024 ** 3);
  });

  it('rejects zero, decimals and other units', () => {
    for (const value of ['', '0', '0MiB', '-1', '1.5GiB', '250MB', '1gb', '1TiB', 'MiB', '1e9']) {
      expect(() => parseByteSize('max-file-size', value), value).toThrow(InputError);
      expect(() => parseByteSize('max-file-size', value), value).toThrow(/^max-file-size must be a whole number of bytes/);
    }
  });
});

describe('parseApiUrl and parseTags', () => {
  it('keeps http and https URLs without a trailing slash', () => {
    expect(parseApiUrl('api-url', 'https://api.raster.app/')).toBe('https://api.raster.app');
    expect(parseApiUrl('api-url', 'http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
  });

  it('rejects other URLs', () => {
    expect(() => parseApiUrl('api-url', 'api.raster.app')).toThrow(/api-url/);
    expect(() => parseApiUrl('api-url', 'ftp://example.com')).toThrow(/api-url/);
  });

  it('splits tags on lines and commas', () => {
    expect(parseTags('tags', 'docs, site\nrelease\n\ndocs')).toEqual(['docs', 'site', 'release']);
  });

  it('rejects reserved and sync tags', () => {
    expect(() => parseTags('tags', 'trash')).toThrow(/tags/);
    expect(() => parseTags('tags', 'raster-sync:abc')).toThrow(/raster-sync/);
  });
});

describe('readActionOptions', () => {
  const base = { GITHUB_WORKSPACE: '/work/repo', 'INPUT_API-KEY': 'pk_secret', INPUT_LIBRARY: 'site' };

  it('reads inputs with dashes in their names', () => {
    const options = readActionOptions({
      ...base,
      INPUT_PATH: 'images',
      INPUT_INCLUDE: '**/*.png\n\n!drafts/**\n',
      INPUT_EXCLUDE: 'tmp/**',
      'INPUT_INCLUDE-HIDDEN': 'true',
      'INPUT_FOLLOW-SYMLINKS': 'false',
      INPUT_PRUNE: 'false',
      'INPUT_MAX-DELETES': '10%',
      'INPUT_MAX-FILE-SIZE': '250MiB',
      'INPUT_DRY-RUN': 'true',
      'INPUT_SYNC-ID': 'site-images',
      INPUT_TAGS: 'docs,site',
      INPUT_CONCURRENCY: '2',
      'INPUT_API-URL': 'http://127.0.0.1:1234/',
      INPUT_ORGANIZATION: 'octo',
    });

    expect(options).toEqual({
      apiKey: 'pk_secret',
      library: 'site',
      organization: 'octo',
      apiUrl: 'http://127.0.0.1:1234',
      path: path.resolve('/work/repo/images'),
      include: ['**/*.png', '!drafts/**'],
      exclude: ['tmp/**'],
      includeHidden: true,
      followSymlinks: false,
      prune: false,
      maxDeletes: { percent: 10 },
      maxFileSize: 250 * 1024 * 1024,
      dryRun: true,
      syncId: 'site-images',
      tags: ['docs', 'site'],
      concurrency: 2,
    });
  });

  it('leaves defaults to the engine', () => {
    const options = readActionOptions(base);
    expect(options).toEqual({ apiKey: 'pk_secret', library: 'site', path: path.resolve('/work/repo'), include: [], exclude: [], tags: [] });
  });

  it('resolves the path against the workspace', () => {
    const options = readActionOptions({ ...base, GITHUB_REPOSITORY: 'octo-org/site', INPUT_PATH: './assets/img/' });
    expect(options.path).toBe(path.resolve('/work/repo/assets/img'));
    expect(options.syncId).toBeUndefined();
  });

  it('names the invalid input', () => {
    expect(() => readActionOptions({ ...base, INPUT_PRUNE: 'yes' })).toThrow(/prune/);
    expect(() => readActionOptions({ ...base, INPUT_CONCURRENCY: '0' })).toThrow(/concurrency/);
    expect(() => readActionOptions({ ...base, 'INPUT_MAX-DELETES': 'all' })).toThrow(/max-deletes/);
    expect(() => readActionOptions({ GITHUB_WORKSPACE: '/w', INPUT_LIBRARY: 'site' })).toThrow(/api-key/);
    expect(() => readActionOptions({ GITHUB_WORKSPACE: '/w', 'INPUT_API-KEY': 'pk_x' })).toThrow(/library/);
  });
});

describe('parseCli', () => {
  const env = { RASTER_API_KEY: 'pk_secret', RASTER_LIBRARY: 'site' };

  it('lets the last of --no-prune and --prune decide', () => {
    const prune = (args: string[]) => {
      const command = parseCli(['images', ...args], env, '/home/me');
      return command.kind === 'sync' ? command.options.prune : undefined;
    };

    expect(prune(['--no-prune'])).toBe(false);
    expect(prune(['--no-prune', '--prune'])).toBe(true);
    expect(prune(['--prune', '--no-prune'])).toBe(false);
  });

  it('reads flags, the folder argument and the environment', () => {
    const command = parseCli(
      ['images', '--include', '*.png', '--include', '*.jpg', '--no-prune', '--max-deletes', '5', '--max-file-size', '1GiB', '--tags', 'a,b', '--tags', 'c', '--json'],
      { ...env, RASTER_ORGANIZATION: 'octo', RASTER_API_URL: 'http://127.0.0.1:9' },
      '/home/me',
    );

    expect(command).toEqual({
      kind: 'sync',
      json: true,
      verbose: false,
      options: {
        apiKey: 'pk_secret',
        library: 'site',
        organization: 'octo',
        apiUrl: 'http://127.0.0.1:9',
        path: path.resolve('/home/me/images'),
        include: ['*.png', '*.jpg'],
        exclude: [],
        prune: false,
        maxDeletes: { count: 5 },
        maxFileSize: 1024 ** 3,
        tags: ['a', 'b', 'c'],
      },
    });
  });

  it('prefers flags over the environment', () => {
    const command = parseCli(['--library', 'other', '--organization', 'org2'], { ...env, RASTER_ORGANIZATION: 'octo' }, '/w');
    if (command.kind !== 'sync') throw new Error('expected a sync command');
    expect(command.options.library).toBe('other');
    expect(command.options.organization).toBe('org2');
  });

  it('returns help without needing a key', () => {
    expect(parseCli(['--help'], {}, '/w')).toEqual({ kind: 'help' });
  });

  it.each([
    [['--prune=false'], env, /prune/],
    [['--concurrency', '0'], env, /--concurrency/],
    [['--unknown'], env, /unknown/],
    [['a', 'b'], env, /at most one folder/],
    [['a', '--path', 'b'], env, /not both/],
    [[], { RASTER_LIBRARY: 'site' }, /RASTER_API_KEY/],
    [[], { RASTER_API_KEY: 'pk_x' }, /--library/],
  ])('rejects %j', (args, environment, message) => {
    expect(() => parseCli(args, environment, '/w')).toThrow(InputError);
    expect(() => parseCli(args, environment, '/w')).toThrow(message);
  });
});

describe('invalid use messages', () => {
  const env = { RASTER_API_KEY: 'pk_secret', RASTER_LIBRARY: 'site' };

  // Each message names the flag as typed and says what to pass instead.
  it.each([
    [['--bogus'], 'Unknown option --bogus.'],
    [['--no-library'], 'Unknown option --no-library.'],
    [['-x'], 'Unknown option -x.'],
    [['--concurrency', '-1'], '--concurrency must be a whole number from 1 to 32, got "-1".'],
    [['--concurrency', '0'], '--concurrency must be a whole number from 1 to 32, got "0".'],
    [['--concurrency', '99'], '--concurrency must be a whole number from 1 to 32, got "99".'],
    [['--concurrency=-3'], '--concurrency must be a whole number from 1 to 32, got "-3".'],
    [['--max-deletes', '-5'], '--max-deletes must be a count of 0 or more such as 25, or a percentage from 0% to 100% such as 10%, got "-5".'],
    [['--max-deletes', '101%'], '--max-deletes must be a count of 0 or more such as 25, or a percentage from 0% to 100% such as 10%, got "101%".'],
    [['--library'], 'Missing value for --library. Pass it as --library <value>.'],
    [
      ['--include', '--json'],
      'Missing value for --include: the next argument, "--json", starts with a dash, so it is read as a flag. ' +
        'Pass a value after --include, or write --include=--json for a value that starts with a dash.',
    ],
    [
      ['--path', '-dash'],
      'Missing value for --path: the next argument, "-dash", starts with a dash, so it is read as a flag. ' +
        'Pass a value after --path, or write --path=-dash for a value that starts with a dash.',
    ],
    [['--prune=false'], '--prune takes no value. Pass --prune or --no-prune without a value.'],
    [['--no-prune=true'], '--no-prune takes no value. Pass --prune or --no-prune without a value.'],
    [['--json=yes'], '--json takes no value. Pass --json without a value.'],
    [['--no-dry-run=1'], '--no-dry-run takes no value. Pass --no-dry-run without a value.'],
    [['--max-file-size', '0'], '--max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "0".'],
    [['--max-file-size', '250MB'], '--max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "250MB".'],
    [['--max-file-size', '1.5GiB'], '--max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "1.5GiB".'],
    [['--max-file-size=-1'], '--max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "-1".'],
    [['--sync-id', ''], '--sync-id must not be empty. Omit it to use the default sync id, or pass an id such as octo-org/site:images.'],
    [['--api-url', 'http://example.invalid'], 'Invalid value for --api-url: "http://example.invalid" uses plain http://'],
    [['--api-url', 'not a url'], 'Invalid value for --api-url: "not a url". Use an absolute URL such as https://api.raster.app.'],
    [['--tags', 'a,raster-sync:x'], 'Invalid tag in --tags: "raster-sync:x"'],
    [['--include', 'brand/[ab'], 'Invalid pattern in --include: "brand/[ab": '],
    [['--exclude', '!'], 'Invalid pattern in --exclude: "!": '],
  ])('rejects %j naming the flag', (args, message) => {
    expect(() => parseCli(args, env, '/w')).toThrow(InputError);
    expect(() => parseCli(args, env, '/w')).toThrow(message);
  });

  const base = { GITHUB_WORKSPACE: '/work/repo', 'INPUT_API-KEY': 'pk_secret', INPUT_LIBRARY: 'site' };

  it.each([
    [{ INPUT_CONCURRENCY: '99' }, 'concurrency must be a whole number from 1 to 32, got "99".'],
    [{ INPUT_CONCURRENCY: '0' }, 'concurrency must be a whole number from 1 to 32, got "0".'],
    [{ INPUT_CONCURRENCY: '-1' }, 'concurrency must be a whole number from 1 to 32, got "-1".'],
    [{ 'INPUT_MAX-DELETES': '-5' }, 'max-deletes must be a count of 0 or more such as 25, or a percentage from 0% to 100% such as 10%, got "-5".'],
    [{ 'INPUT_MAX-FILE-SIZE': 'big' }, 'max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "big".'],
    [{ 'INPUT_MAX-FILE-SIZE': '99999999999999999999' }, 'max-file-size must be a whole number of bytes of 1 or more such as 104857600'],
    [{ 'INPUT_INCLUDE-HIDDEN': 'yes' }, 'include-hidden must be true or false, got "yes".'],
    [{ 'INPUT_FOLLOW-SYMLINKS': '1' }, 'follow-symlinks must be true or false, got "1".'],
    [{ 'INPUT_API-URL': 'http://example.invalid' }, 'Invalid value for api-url: "http://example.invalid" uses plain http://'],
    [{ 'INPUT_API-URL': 'http://user:s3cret@example.invalid' }, 'Invalid value for api-url: "http://***@example.invalid" uses plain http://'],
    [{ INPUT_TAGS: 'raster-sync:x' }, 'Invalid tag in tags: "raster-sync:x"'],
    [{ INPUT_PATH: '../elsewhere' }, 'Invalid value for path: "../elsewhere" is outside the workspace'],
    [{ INPUT_INCLUDE: '*.png\n[' }, 'Invalid pattern in include: "[": '],
    [{ INPUT_EXCLUDE: 'a[b' }, 'Invalid pattern in exclude: "a[b": '],
  ])('rejects action input %j naming the input', (inputs, message) => {
    expect(() => readActionOptions({ ...base, ...inputs })).toThrow(InputError);
    expect(() => readActionOptions({ ...base, ...inputs })).toThrow(message);
  });

  describe('with symbolic links', () => {
    let root: string;

    beforeEach(() => {
      root = mkdtempSync(path.join(tmpdir(), 'raster-inputs-'));
      mkdirSync(path.join(root, 'workspace', 'images'), { recursive: true });
    });

    afterEach(() => {
      rmSync(root, { recursive: true, force: true });
    });

    it('rejects a path that a link leads outside', () => {
      mkdirSync(path.join(root, 'outside'));
      symlinkSync(path.join(root, 'outside'), path.join(root, 'workspace', 'link'));
      symlinkSync(path.join(root, 'workspace', 'images'), path.join(root, 'workspace', 'inside'));
      const env = { ...base, GITHUB_WORKSPACE: path.join(root, 'workspace') };

      expect(() => readActionOptions({ ...env, INPUT_PATH: 'link' })).toThrow(
        `Invalid value for path: "link" leads through a symbolic link to ${realpathSync(path.join(root, 'outside'))}, ` +
          `which is outside the workspace ${path.join(root, 'workspace')}. Use a folder inside the repository checkout.`,
      );
      expect(readActionOptions({ ...env, INPUT_PATH: 'inside' }).path).toBe(path.join(root, 'workspace', 'inside'));
    });

    it('accepts the workspace through a link', () => {
      symlinkSync(path.join(root, 'workspace'), path.join(root, 'workspace-link'));
      const env = { ...base, GITHUB_WORKSPACE: path.join(root, 'workspace-link') };

      expect(readActionOptions({ ...env, INPUT_PATH: path.join(root, 'workspace', 'images') }).path).toBe(path.join(root, 'workspace', 'images'));
      expect(() => readActionOptions({ ...env, INPUT_PATH: root })).toThrow(`Invalid value for path: ${JSON.stringify(root)} is outside the workspace`);
    });
  });

  it('renames engine options to flags and inputs', () => {
    const syncId = new RasterUsageError('syncId', 'The option syncId is missing or empty; pass a non-empty string.');
    const baseUrl = new RasterUsageError('baseUrl', 'Invalid baseUrl: "ftp://x". Pass an absolute https:// URL.');

    expect(toInputError(syncId, CLI_FLAG_NAMES).message).toBe('The option --sync-id is missing or empty; pass a non-empty string.');
    expect(toInputError(baseUrl, CLI_FLAG_NAMES).message).toBe('Invalid --api-url: "ftp://x". Pass an absolute https:// URL.');
    expect(toInputError(syncId, ACTION_INPUT_NAMES).message).toBe('The option sync-id is missing or empty; pass a non-empty string.');
    expect(toInputError(baseUrl, ACTION_INPUT_NAMES).message).toBe('Invalid api-url: "ftp://x". Pass an absolute https:// URL.');
  });

  it('keeps option names inside quoted values', () => {
    const library = new RasterUsageError('library', 'Invalid library: "demo library". Pass the slug.');
    const organization = new RasterUsageError('organization', 'Invalid organization: "the organization". Pass the slug.');
    const escapedQuote = new RasterUsageError('library', 'Invalid library: "a \\"library\\" b". Pass the slug.');
    const syncId = new RasterUsageError('syncId', 'Invalid syncId: "syncId". Pass another syncId.');

    expect(toInputError(library, CLI_FLAG_NAMES).message).toBe('Invalid --library: "demo library". Pass the slug.');
    expect(toInputError(organization, CLI_FLAG_NAMES).message).toBe('Invalid --organization: "the organization". Pass the slug.');
    expect(toInputError(escapedQuote, CLI_FLAG_NAMES).message).toBe('Invalid --library: "a \\"library\\" b". Pass the slug.');
    expect(toInputError(syncId, CLI_FLAG_NAMES).message).toBe('Invalid --sync-id: "syncId". Pass another --sync-id.');
    expect(toInputError(syncId, ACTION_INPUT_NAMES).message).toBe('Invalid sync-id: "syncId". Pass another sync-id.');
  });

  it('renames engine errors outside values', () => {
    const cases: Array<[SyncOptions, string]> = [
      [{ apiKey: 'pk_x', library: 'demo library', path: '/w' }, 'Invalid --library: "demo library". '],
      [{ apiKey: 'pk_x', library: 'site', organization: 'the organization', path: '/w' }, 'Invalid --organization: "the organization". '],
      [{ apiKey: 'pk_x', library: 'site', path: '/w', tags: ['tags"tags,'] }, 'Invalid tag "tags\\"tags,": '],
    ];
    for (const [options, message] of cases) {
      let thrown: unknown;
      try {
        resolveSyncOptions(options, () => 'sync');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RasterUsageError);
      expect(toInputError(thrown as RasterUsageError, CLI_FLAG_NAMES).message).toContain(message);
    }
  });
});

describe('action.yml', () => {
  it('declares the inputs the action reads', async () => {
    const { inputs } = await readActionMetadata();
    expect([...inputs.keys()].sort()).toEqual(
      ['api-key', 'organization', 'library', 'path', 'include', 'exclude', 'include-hidden', 'follow-symlinks', 'prune', 'max-deletes', 'max-file-size', 'dry-run', 'sync-id', 'tags', 'concurrency', 'api-url'].sort(),
    );
  });

  it('has defaults the action accepts', async () => {
    const { inputs } = await readActionMetadata();
    const env: Record<string, string> = { GITHUB_WORKSPACE: '/w', 'INPUT_API-KEY': 'pk_x', INPUT_LIBRARY: 'site' };
    for (const [name, value] of inputs) {
      if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
    }

    const options = readActionOptions(env);

    expect(options.prune).toBe(true);
    expect(options.dryRun).toBe(false);
    expect(options.includeHidden).toBe(false);
    expect(options.concurrency).toBe(4);
    expect(options.apiUrl).toBe('https://api.raster.app');
    expect(options.path).toBe(path.resolve('/w'));
    expect(options.maxDeletes).toBeUndefined();
  });
});
