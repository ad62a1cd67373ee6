import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { discoverFiles, type DiscoverOptions } from '../../core/src/node/discover';
import { isInside } from '../../core/src/node/file-system';
import { compilePatterns, selects, splitPatterns } from '../../core/src/node/patterns';
import { checkFile, DEFAULT_MAX_FILE_SIZE, scanFolder } from '../../core/src/node/scan';
import { defaultSyncId, remoteRepositoryPath } from '../../core/src/node/sync';
import { planSync } from '../../core/src/sync/plan';
import { ownerTagFor } from '../../core/src/sync/tags';

let root: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'raster-discover-'));
  outside = await mkdtemp(join(tmpdir(), 'raster-outside-'));
});

afterEach(async () => {
  await chmod(root, 0o755).catch(() => {});
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function put(relative: string, content: string | Uint8Array = 'x'): Promise<void> {
  const target = join(root, relative);
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(target, content);
}

async function paths(options: DiscoverOptions = {}): Promise<string[]> {
  const result = await discoverFiles(root, options);
  if (!result.found) throw new Error(result.reason);
  return result.files.filter((file) => file.skipReason === undefined).map((file) => file.path);
}

async function skipped(options: DiscoverOptions = {}): Promise<Record<string, string>> {
  const result = await discoverFiles(root, options);
  if (!result.found) throw new Error(result.reason);
  return Object.fromEntries(result.files.filter((file) => file.skipReason !== undefined).map((file) => [file.path, file.skipReason!]));
}

describe('discoverFiles', () => {
  it('lists nested files with slash paths', async () => {
    await put('a.png');
    await put('docs/screens/home.png');
    expect(await paths()).toEqual(['a.png', 'docs/screens/home.png']);
  });

  it('gives each file its absolute path', async () => {
    await put('a.png');
    await put('docs/screens/home.png');

    for (const rootArgument of [root, `${root}/`, `${root}/./docs/..`]) {
      const result = await discoverFiles(rootArgument);
      if (!result.found) throw new Error(result.reason);
      expect(result.files.map((file) => file.absolutePath)).toEqual([join(root, 'a.png'), join(root, 'docs/screens/home.png')]);
    }
  });

  it('reports a missing folder', async () => {
    const result = await discoverFiles(join(root, 'nope'));
    expect(result.found).toBe(false);
    await put('file.png');
    expect((await discoverFiles(join(root, 'file.png'))).found).toBe(false);
  });

  it('leaves hidden files out by default', async () => {
    await put('.hidden.png');
    await put('.thumbs/t.png');
    await put('visible.png');
    expect(await paths()).toEqual(['visible.png']);
    expect(await paths({ includeHidden: true })).toEqual(['.hidden.png', '.thumbs/t.png', 'visible.png']);
  });

  it('never walks a .git folder', async () => {
    await put('.git/objects/ab/cdef');
    await put('.git/config', '[core]');
    await put('visible.png');
    expect(await paths({ includeHidden: true })).toEqual(['visible.png']);
  });

  it('skips symbolic links unless followed', async () => {
    await put('real/a.png');
    await symlink(join(root, 'real/a.png'), join(root, 'link.png'));
    await symlink(join(root, 'real'), join(root, 'linked-folder'));

    expect(await paths()).toEqual(['real/a.png']);
    expect((await skipped())['link.png']).toContain('not followed');
    expect((await skipped())['link.png']).toContain("(--follow-symlinks, or the action's follow-symlinks input)");
    expect(await paths({ followSymlinks: true })).toEqual(['link.png', 'linked-folder/a.png', 'real/a.png']);
  });

  it('never follows links out of the root', async () => {
    await writeFile(join(outside, 'secret.png'), 'x');
    await symlink(join(outside, 'secret.png'), join(root, 'escape.png'));
    await symlink(outside, join(root, 'escape-folder'));

    expect(await paths({ followSymlinks: true })).toEqual([]);
    const reasons = await skipped({ followSymlinks: true });
    expect(reasons['escape.png']).toContain('outside the synced folder');
    expect(reasons['escape-folder']).toContain('outside the synced folder');
  });

  it('detects a symbolic link loop', async () => {
    await put('a/b/file.png');
    await symlink(join(root, 'a'), join(root, 'a/b/back-to-a'));

    expect(await paths({ followSymlinks: true })).toEqual(['a/b/file.png']);
    expect((await skipped({ followSymlinks: true }))['a/b/back-to-a/']).toContain('loop');
  });

  it('detects a loop under a linked root', async () => {
    // The folders' real paths come from the root's: reached through a link, they must still
    // match the real path of a link back to an ancestor.
    await put('real/a/b/file.png');
    await symlink(join(root, 'real/a'), join(root, 'real/a/b/back-to-a'));
    await symlink(join(root, 'real'), join(root, 'linked-root'));

    const result = await discoverFiles(join(root, 'linked-root'), { followSymlinks: true });

    expect(result.found && result.files.map((file) => [file.path, file.skipReason?.includes('loop') ?? false])).toEqual([
      ['a/b/back-to-a/', true],
      ['a/b/file.png', false],
    ]);
  });

  it('applies include and exclude patterns', async () => {
    await put('a.png');
    await put('b.jpg');
    await put('docs/c.png');
    await put('docs/drafts/d.png');
    await put('notes.md');

    expect(await paths({ include: ['*.png'] })).toEqual(['a.png', 'docs/c.png', 'docs/drafts/d.png']);
    expect(await paths({ include: ['docs/**'], exclude: ['docs/drafts/**'] })).toEqual(['docs/c.png']);
    expect(await paths({ include: ['*.png\n*.jpg\n!docs/drafts/**'] })).toEqual(['a.png', 'b.jpg', 'docs/c.png']);
    expect(await paths({ include: ['!*.md'] })).toEqual(['a.png', 'b.jpg', 'docs/c.png', 'docs/drafts/d.png']);
    // Exclude wins over include, and a negation inside exclude takes a file back.
    expect(await paths({ include: ['a.png'], exclude: ['a.png'] })).toEqual([]);
    expect(await paths({ exclude: ['docs/**\n!docs/c.png\n*.md'] })).toEqual(['a.png', 'b.jpg', 'docs/c.png']);
    // A pattern that matches a folder covers the files under it.
    expect(await paths({ exclude: ['drafts', '*.md'] })).toEqual(['a.png', 'b.jpg', 'docs/c.png']);
    expect(await paths({ include: ['docs'] })).toEqual(['docs/c.png', 'docs/drafts/d.png']);
    expect(await paths({ include: ['docs', '!docs/drafts'] })).toEqual(['docs/c.png']);
  });

  it('writes NFD names in NFC', async () => {
    await put('cafe\u0301/menu.png');
    await put('cafe\u0301/the\u0301/cre\u0300me.png');
    expect(await paths()).toEqual(['café/menu.png', 'café/thé/crème.png']);
  });

  it.skipIf(process.getuid?.() === 0)('skips an unreadable folder', async () => {
    await put('locked/a.png');
    await put('open.png');
    await chmod(join(root, 'locked'), 0o000);
    try {
      expect(await paths()).toEqual(['open.png']);
      expect((await skipped())['locked/']).toContain('cannot be read');
      const result = await discoverFiles(root);
      if (!result.found) throw new Error(result.reason);
      expect(result.files.find((file) => file.path === 'locked/')?.readFailed).toBe(true);
    } finally {
      await chmod(join(root, 'locked'), 0o755);
    }
  });
});

describe('patterns', () => {
  it('splits multi-line entries and drops comments', () => {
    expect(splitPatterns(['a\n\n# comment\n  b  ', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('lets the last matching pattern decide', () => {
    const list = compilePatterns(['**/*.png', '!secret/**', 'secret/ok.png'], true);
    expect(selects(list, 'x/y.png')).toBe(true);
    expect(selects(list, 'secret/no.png')).toBe(false);
    expect(selects(list, 'secret/ok.png')).toBe(true);
    expect(selects(list, 'x.jpg')).toBe(false);
  });
});

describe('scanFolder', () => {
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

  it('hashes and types accepted files', async () => {
    await put('a.png', PNG);
    const result = await scanFolder(root);
    if (!result.found) throw new Error(result.reason);
    expect(result.files).toHaveLength(1);
    expect(result.files[0]!.contentType).toBe('image/png');
    expect(result.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.files[0]!.source).toEqual({ kind: 'path', path: join(root, 'a.png') });
  });

  it('skips a file it cannot read', async () => {
    const checked = await checkFile({ path: 'gone.png', absolutePath: join(root, 'gone.png'), size: 10 }, 1024);
    expect(checked.skipReason).toBe('The file cannot be read (ENOENT).');
    expect(checked.sha256).toBeUndefined();
  });

  it('skips a large unknown file by its head', async () => {
    await put('archive.png', new Uint8Array(3 * 1024 * 1024 + 7).fill(0x41));

    const checked = await checkFile({ path: 'archive.png', absolutePath: join(root, 'archive.png'), size: 3 * 1024 * 1024 + 7 }, 100 * 1024 * 1024);

    expect(checked.skipReason).toContain('does not accept this type');
    expect(checked.sha256).toBeUndefined();
  });

  it('skips empty, too large and unknown files', async () => {
    await put('empty.png', '');
    await put('big.png', new Uint8Array(2048).fill(1).map((value, index) => (index < PNG.length ? PNG[index]! : value)));
    await put('text.png', 'not an image');

    const result = await scanFolder(root, { maxFileSize: 1024 });
    if (!result.found) throw new Error(result.reason);
    const reasons = Object.fromEntries(result.files.map((file) => [file.path, file.skipReason]));
    expect(reasons['empty.png']).toContain('empty');
    expect(reasons['big.png']).toBe(
      "The file is 2048 bytes, over the per-file limit of 1024 bytes set by --max-file-size, the action's max-file-size input or the maxFileSize sync option.",
    );
    expect(reasons['text.png']).toContain('does not accept this type');
    expect(result.files.every((file) => file.sha256 === undefined)).toBe(true);
  });

  it('calls the default size limit assumed', async () => {
    const file = { path: 'huge.png', absolutePath: join(root, 'huge.png'), size: DEFAULT_MAX_FILE_SIZE + 1 };

    const checked = await checkFile(file, DEFAULT_MAX_FILE_SIZE);

    expect(checked.skipReason).toContain('over the per-file limit of 100.0 MiB that this toolkit assumes');
    expect(checked.skipReason).toContain('Raster does not publish its limit');
    expect(checked.skipReason).toContain(
      "Raise it with --max-file-size or the action's max-file-size input if your Raster plan accepts larger files.",
    );
  });
});

describe('collisions on disk', () => {
  it('reports NFC and NFD twins', async () => {
    const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9]);
    await put('caf\u00e9.png', PNG);
    await put('cafe\u0301.png', new Uint8Array([...PNG, 1]));
    await put('Logo.png', PNG);
    await put('logo.png', new Uint8Array([...PNG, 2]));

    const scanned = await scanFolder(root);
    if (!scanned.found) throw new Error(scanned.reason);
    const { plan } = planSync({ syncId: 's', ownerTag: ownerTagFor('s'), files: scanned.files, owned: [], foreignCount: 0 });

    expect(plan.upload).toEqual([]);
    expect(plan.collisions).toEqual([
      { kind: 'case', paths: ['Logo.png', 'logo.png'], names: ['Logo.png', 'logo.png'] },
      { kind: 'unicode', paths: ['caf\u00e9.png', 'caf\u00e9.png'], names: ['cafe\u0301.png', 'caf\u00e9.png'] },
    ]);
    expect(plan.skipped).toHaveLength(4);
    expect(plan.skipped.map((entry) => entry.reason).sort()).toEqual([
      'Its name "caf\\u00e9.png" equals "cafe\\u0301.png" after Unicode NFC normalisation; rename one of them.',
      'Its name "cafe\\u0301.png" equals "caf\\u00e9.png" after Unicode NFC normalisation; rename one of them.',
      'Its name equals "Logo.png" when case is ignored; rename one of them.',
      'Its name equals "logo.png" when case is ignored; rename one of them.',
    ]);
  });

  it('keeps the spelling of names outside NFC', async () => {
    await put('cafe\u0301/menu.png');
    await put('plain/the\u0301.png');
    await put('plain/ok.png');

    const result = await discoverFiles(root);
    if (!result.found) throw new Error(result.reason);

    expect(result.files.map(({ path, rawPath }) => ({ path, rawPath }))).toEqual([
      { path: 'café/menu.png', rawPath: 'cafe\u0301/menu.png' },
      { path: 'plain/ok.png', rawPath: undefined },
      { path: 'plain/thé.png', rawPath: 'plain/the\u0301.png' },
    ]);
  });

  it.each([false, true])('keeps the spelling of links outside NFC (followed: %s)', async (followSymlinks) => {
    await put('real.png');
    await symlink('real.png', join(root, 'cafe\u0301.png'));
    await symlink('missing.png', join(root, 'the\u0301.png'));

    const result = await discoverFiles(root, { followSymlinks });
    if (!result.found) throw new Error(result.reason);

    expect(result.files.map(({ path, rawPath }) => ({ path, rawPath }))).toEqual([
      { path: 'café.png', rawPath: 'cafe\u0301.png' },
      { path: 'real.png', rawPath: undefined },
      { path: 'thé.png', rawPath: 'the\u0301.png' },
    ]);
  });
});

describe('defaultSyncId', () => {
  it('uses the origin remote and folder', async () => {
    await mkdir(join(root, '.git'), { recursive: true });
    await writeFile(join(root, '.git', 'config'), '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:octo/site.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
    await put('docs/images/a.png');

    expect(defaultSyncId(join(root, 'docs/images'), {})).toBe('octo/site:docs/images');
    expect(defaultSyncId(root, {})).toBe('octo/site:.');
    expect(defaultSyncId(join(root, 'docs/images'), { GITHUB_REPOSITORY: 'octo/other' })).toBe('octo/other:docs/images');
  });

  it('keeps every group of a nested remote', async () => {
    await mkdir(join(root, '.git'), { recursive: true });
    await writeFile(join(root, '.git', 'config'), '[remote "origin"]\n\turl = ssh://git@gitlab.example:2222/group/sub/site.git\n');
    await put('images/a.png');

    expect(defaultSyncId(join(root, 'images'), {})).toBe('group/sub/site:images');
  });

  it.each([
    ['git@github.com:octo/site.git', 'octo/site'],
    ['https://github.com/Octo/Site.git', 'Octo/Site'],
    ['https://github.com/octo/site/', 'octo/site'],
    ['ssh://git@gitlab.example:2222/group/sub/site.git', 'group/sub/site'],
    ['https://gitlab-ci-token:secret@gitlab.example.com/group/sub/site.git', 'group/sub/site'],
    ['git@gitlab.example.com:group/sub/site.git', 'group/sub/site'],
    ['/srv/git/site.git', 'git/site'],
    ['../mirrors/site', 'mirrors/site'],
    ['file:///srv/git/site.git', 'git/site'],
    ['C:\\repos\\site.git', 'repos/site'],
    ['https://host.example/site.git', undefined],
  ])('reads the repository of remote %s', (url, repository) => {
    expect(remoteRepositoryPath(url)).toBe(repository);
  });

  it('falls back to the absolute path', async () => {
    expect(defaultSyncId(outside, {})).toBe(`path:${realpathSync(outside)}`);
  });

  it('resolves symbolic links to the real path', async () => {
    await mkdir(join(outside, 'images'));
    await symlink(join(outside, 'images'), join(outside, 'images-link'));

    expect(defaultSyncId(join(outside, 'images-link'), {})).toBe(defaultSyncId(join(outside, 'images'), {}));
    expect(defaultSyncId(join(outside, 'images-link'), {})).toBe(`path:${realpathSync(join(outside, 'images'))}`);
  });

  it('resolves a linked folder inside a repository', async () => {
    await mkdir(join(root, '.git'), { recursive: true });
    await put('docs/images/a.png');
    await symlink(join(root, 'docs/images'), join(outside, 'images-link'));

    expect(defaultSyncId(join(outside, 'images-link'), { GITHUB_REPOSITORY: 'octo/site' })).toBe('octo/site:docs/images');
  });

  it('uses the workspace of a checkout without .git', async () => {
    await mkdir(join(outside, 'site/images'), { recursive: true });
    const env = { GITHUB_REPOSITORY: 'octo/site', GITHUB_WORKSPACE: outside };

    expect(defaultSyncId(join(outside, 'site/images'), env)).toBe('octo/site:site/images');
    expect(defaultSyncId(outside, env)).toBe('octo/site:.');
    expect(defaultSyncId(root, env)).toBe(`path:${realpathSync(root)}`);
    expect(defaultSyncId(join(outside, 'site/images'), { GITHUB_REPOSITORY: 'octo/site' })).toMatch(/^path:/);
  });
});

describe('isInside', () => {
  it('tells folders inside from outside', () => {
    expect(isInside('/w/repo', '/w/repo')).toBe(true);
    expect(isInside('/w/repo', '/w/repo/images')).toBe(true);
    expect(isInside('/w/repo', '/w/repo/..images')).toBe(true);
    expect(isInside('/w/repo', '/w/repo-other')).toBe(false);
    expect(isInside('/w/repo', '/w')).toBe(false);
  });
});
