import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Asset } from '@raster-toolkit/core';
import { checkGuards, deletionLimit } from '../../core/src/sync/guards';
import { detectMediaType } from '../../core/src/sync/media-type';
import { plural } from '../../core/src/sync/plural';
import { assetNameFor, canonicalRelativePath } from '../../core/src/sync/paths';
import { planSync, staleKeptReason, type LocalFile } from '../../core/src/sync/plan';
import { sha256Hex } from '../../core/src/sync/sha256';
import { fingerprintFor, fingerprintsIn, fingerprintTagFor, ownerTagFor, pathIn, pathTagFor, syncTagsFor, tagProblem } from '../../core/src/sync/tags';

const SYNC_ID = 'octo/site:images';
const OWNER = ownerTagFor(SYNC_ID);

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function file(path: string, content = path): LocalFile {
  return { path, size: content.length, sha256: digest(content) };
}

function asset(id: string, tags: string[], created = 1): Asset {
  return {
    id, name: id, libraryId: 'lib', description: null, type: 'main', contentType: 'image/png',
    url: `https://example.test/${id}`, thumbUrl: null, thumbHighUrl: null, thumbUrlBlurred: null,
    blurhash: null, width: null, height: null, size: 1, created, updated: created, tags, views: [],
    uploadedBy: null,
  };
}

function ownedAssetFor(id: string, path: string, content = path, created = 1): Asset {
  const fingerprint = fingerprintFor(SYNC_ID, path, digest(content));
  return asset(id, [OWNER, fingerprintTagFor(OWNER, fingerprint)], created);
}

/** Returns an asset tagged as the sync tags it, with the path tag when the path fits in one. */
function syncedAssetFor(id: string, path: string, content = path): Asset {
  return { ...asset(id, syncTagsFor(OWNER, fingerprintFor(SYNC_ID, path, digest(content)), path, [])), name: assetNameFor(path) };
}

describe('sha256Hex', () => {
  it.each(['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'café 🎨 スクリーン', 'x'.repeat(1000)])(
    'matches node:crypto for %#', (text) => {
      expect(sha256Hex(text)).toBe(digest(text));
    },
  );

  it('matches node:crypto for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => sha256Hex(text) === digest(text)), { numRuns: 500 });
  });
});

describe('tags', () => {
  it('derives a stable owner tag within the tag rules', () => {
    expect(OWNER).toBe(ownerTagFor(SYNC_ID));
    expect(OWNER).toMatch(/^raster-sync:[0-9a-f]{16}$/);
    expect(ownerTagFor('other')).not.toBe(OWNER);
  });

  it('derives fingerprints from id, path and content', () => {
    const base = fingerprintFor(SYNC_ID, 'a/b.png', digest('x'));
    expect(base).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprintFor(SYNC_ID, 'a/c.png', digest('x'))).not.toBe(base);
    expect(fingerprintFor(SYNC_ID, 'a/b.png', digest('y'))).not.toBe(base);
    expect(fingerprintFor('other', 'a/b.png', digest('x'))).not.toBe(base);
    // NFD and NFC spellings of one name give one fingerprint.
    expect(fingerprintFor(SYNC_ID, 'cafe\u0301.png', digest('x'))).toBe(fingerprintFor(SYNC_ID, 'café.png', digest('x')));
  });

  it('keeps generated tags valid', () => {
    const tag = fingerprintTagFor(OWNER, fingerprintFor(SYNC_ID, 'a.png', digest('x')));
    expect(tag.length).toBeLessThanOrEqual(100);
    expect(tag).not.toMatch(/[,\u0000-\u001f]/);
  });

  it.each([
    ['', 'is empty'],
    ['a,b', 'contains a comma'],
    ['x'.repeat(101), 'is longer than 100 characters'],
    ['tab\there', 'contains a control character'],
    ['index', 'is reserved by Raster'],
    ['trash', 'is reserved by Raster'],
    ['raster-sync:abc', expect.stringContaining('keeps for its own tags')],
  ])('tagProblem rejects %j', (tag, problem) => {
    expect(tagProblem(tag)).toEqual(problem);
  });

  it('tagProblem accepts an ordinary tag', () => {
    expect(tagProblem('release 2.0')).toBeNull();
  });
});

describe('canonicalRelativePath', () => {
  it.each([
    ['docs\\screens\\home.png', 'docs/screens/home.png'],
    ['./docs//home.png', 'docs/home.png'],
    ['cafe\u0301\\menu.png', 'café/menu.png'],
  ])('turns %j into %j', (input, expected) => {
    expect(canonicalRelativePath(input)).toBe(expected);
  });

  it.each(['/etc/passwd', 'C:\\images\\a.png', '\\\\server\\share\\a.png', '../a.png', 'a/../../b.png', '.'])(
    'rejects %j', (input) => {
      expect(() => canonicalRelativePath(input)).toThrow();
    },
  );

  it('assetNameFor drops folder and last extension', () => {
    expect(assetNameFor('screens/home.PNG')).toBe('home');
    expect(assetNameFor('with.many.dots.final.jpg')).toBe('with.many.dots.final');
    expect(assetNameFor('odd/no-extension')).toBe('no-extension');
    expect(assetNameFor('.png')).toBe('.png');
  });
});

describe('planSync', () => {
  it('uploads every file of a first run', () => {
    const { plan, uploads } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [file('b.png'), file('a.png')], owned: [], foreignCount: 3 });
    expect(plan.upload.map((entry) => entry.path)).toEqual(['a.png', 'b.png']);
    expect(uploads).toHaveLength(2);
    expect(plan.unchanged).toEqual([]);
    expect(plan.prune).toEqual([]);
    expect(plan.foreignCount).toBe(3);
  });

  it('uploads files left unhashed without a fingerprint', () => {
    const unhashed: LocalFile = { path: 'b.png', size: 5, hashOnUpload: true };
    const collidingA: LocalFile = { path: 'c.png', size: 5, hashOnUpload: true };
    const collidingB: LocalFile = { path: 'C.png', size: 5, hashOnUpload: true };
    const files = [unhashed, file('a.png'), collidingA, collidingB];

    const { plan, uploads } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });

    expect(plan.upload).toEqual([
      { path: 'a.png', size: 5, fingerprint: fingerprintFor(SYNC_ID, 'a.png', digest('a.png')) },
      { path: 'b.png', size: 5 },
    ]);
    expect(uploads.map((upload) => upload.fingerprint)).toEqual([fingerprintFor(SYNC_ID, 'a.png', digest('a.png')), undefined]);
    expect(uploads[1]!.file).toBe(unhashed);
    expect(plan.skipped.map((entry) => entry.path)).toEqual(['C.png', 'c.png']);
  });

  it('refuses an unhashed file when the sync owns assets', () => {
    const files: LocalFile[] = [{ path: 'b.png', size: 5, hashOnUpload: true }];
    const owned = [ownedAssetFor('kept', 'a.png')];

    expect(() => planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 })).toThrow('planSync needs the SHA-256 of b.png');
  });

  it('sorts files into upload, unchanged and prune', () => {
    const owned = [
      ownedAssetFor('kept', 'same.png'),
      ownedAssetFor('old-version', 'changed.png', 'before'),
      ownedAssetFor('deleted', 'gone.png'),
    ];
    const files = [file('same.png'), file('changed.png', 'after'), file('new.png')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.upload.map((entry) => entry.path)).toEqual(['changed.png', 'new.png']);
    expect(plan.unchanged).toEqual([{ path: 'same.png', assetId: 'kept', url: 'https://example.test/kept' }]);
    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['deleted', 'old-version']);
    expect(plan.ownedCount).toBe(3);
  });

  it('treats a moved file as upload plus prune', () => {
    const owned = [ownedAssetFor('before-move', 'a/logo.png', 'logo')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [file('b/logo.png', 'logo')], owned, foreignCount: 0 });
    expect(plan.upload.map((entry) => entry.path)).toEqual(['b/logo.png']);
    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['before-move']);
  });

  it('keeps the oldest of duplicate owned assets', () => {
    const owned = [ownedAssetFor('newer', 'a.png', 'a.png', 5), ownedAssetFor('older', 'a.png', 'a.png', 2)];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [file('a.png')], owned, foreignCount: 0 });
    expect(plan.unchanged.map((entry) => entry.assetId)).toEqual(['older']);
    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['newer']);
  });

  it('prunes an owned asset without fingerprint', () => {
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [file('a.png')], owned: [asset('bare', [OWNER])], foreignCount: 0 });
    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['bare']);
  });

  it('ignores fingerprints of another owner', () => {
    const other = ownerTagFor('someone-else');
    const fingerprint = fingerprintFor(SYNC_ID, 'a.png', digest('a.png'));
    const owned = [asset('mixed', [OWNER, fingerprintTagFor(other, fingerprint)])];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [file('a.png')], owned, foreignCount: 0 });
    expect(plan.upload).toHaveLength(1);
    expect(plan.prune).toHaveLength(1);
  });

  it('reports skipped files with their reasons', () => {
    const files: LocalFile[] = [file('a.png'), { path: 'notes.md', size: 4, skipReason: 'not an image' }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });
    expect(plan.skipped).toEqual([{ path: 'notes.md', reason: 'not an image' }]);
    expect(plan.upload.map((entry) => entry.path)).toEqual(['a.png']);
  });

  it('keeps verbatim paths of skipped files', () => {
    const files: LocalFile[] = [
      file('a/b.png'),
      { path: 'a\\b.png', verbatimPath: true, size: 4, skipReason: 'backslash' },
      { path: 'sub/line\nbreak.png', verbatimPath: true, size: 4, skipReason: 'control' },
      { path: 'c\\d.png', size: 4, skipReason: 'empty' },
    ];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });
    expect(plan.skipped).toEqual([
      { path: 'a\\b.png', reason: 'backslash' },
      { path: 'c/d.png', reason: 'empty' },
      { path: 'sub/line\nbreak.png', reason: 'control' },
    ]);
    expect(plan.collisions).toEqual([]);
    expect(plan.upload.map((entry) => entry.path)).toEqual(['a/b.png']);
  });

  it('skips names equal after NFC normalisation', () => {
    const files = [file('cafe\u0301.png', 'one'), file('café.png', 'two'), file('other.png')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });
    expect(plan.collisions).toEqual([{ kind: 'unicode', paths: ['caf\u00e9.png', 'caf\u00e9.png'], names: ['cafe\u0301.png', 'caf\u00e9.png'] }]);
    expect(plan.skipped.map((entry) => entry.path)).toEqual(['café.png', 'café.png']);
    expect(plan.skipped.map((entry) => entry.reason).sort()).toEqual([
      'Its name "caf\\u00e9.png" equals "cafe\\u0301.png" after Unicode NFC normalisation; rename one of them.',
      'Its name "cafe\\u0301.png" equals "caf\\u00e9.png" after Unicode NFC normalisation; rename one of them.',
    ]);
    expect(plan.upload.map((entry) => entry.path)).toEqual(['other.png']);
  });

  it('keeps the stored name of an upload', () => {
    const files = [{ ...file('th\u00e9.png'), rawPath: 'the\u0301.png' }, file('a.png')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });

    expect(plan.upload.map(({ path, rawPath }) => ({ path, rawPath }))).toEqual([
      { path: 'a.png', rawPath: undefined },
      { path: 'th\u00e9.png', rawPath: 'the\u0301.png' },
    ]);
  });

  it('shows names as stored on disk', () => {
    // The scan gives every path in NFC and, beside it, the path as stored on disk.
    const files = [{ ...file('café.png', 'one'), rawPath: 'cafe\u0301.png' }, file('café.png', 'two'), file('Café.png', 'three')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });

    expect(plan.collisions).toEqual([
      { kind: 'unicode', paths: ['Caf\u00e9.png', 'caf\u00e9.png', 'caf\u00e9.png'], names: ['Caf\u00e9.png', 'cafe\u0301.png', 'caf\u00e9.png'] },
    ]);
    expect(plan.skipped.map(({ path, rawPath }) => ({ path, rawPath }))).toEqual([
      { path: 'Caf\u00e9.png', rawPath: undefined },
      { path: 'caf\u00e9.png', rawPath: 'cafe\u0301.png' },
      { path: 'caf\u00e9.png', rawPath: undefined },
    ]);
    expect(plan.skipped.map((entry) => entry.reason).sort()).toEqual([
      'Its name "Caf\\u00e9.png" equals "cafe\\u0301.png", "caf\\u00e9.png" when case is ignored; rename one of them.',
      'Its name "caf\\u00e9.png" equals "cafe\\u0301.png" after Unicode NFC normalisation, and "Caf\\u00e9.png" when case is ignored; rename one of them.',
      'Its name "cafe\\u0301.png" equals "caf\\u00e9.png" after Unicode NFC normalisation, and "Caf\\u00e9.png" when case is ignored; rename one of them.',
    ]);
  });

  it('skips names equal when case is ignored', () => {
    const files = [file('Logo.png', 'one'), file('logo.png', 'two')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });
    expect(plan.collisions).toEqual([{ kind: 'case', paths: ['Logo.png', 'logo.png'], names: ['Logo.png', 'logo.png'] }]);
    expect(plan.skipped).toHaveLength(2);
    expect(plan.upload).toEqual([]);
  });

  it('skips files under folders equal when case is ignored', () => {
    const files = [file('DIR/b.png', 'one'), file('dir/a.png', 'two'), file('dir/sub/c.png', 'three'), file('other/d.png', 'four')];
    const owned = [ownedAssetFor('synced-before', 'DIR/b.png', 'one')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.collisions).toEqual([{ kind: 'case', paths: ['DIR/', 'dir/'], names: ['DIR/', 'dir/'] }]);
    expect(plan.upload.map((entry) => entry.path)).toEqual(['other/d.png']);
    expect(plan.skipped).toEqual([
      { path: 'DIR/b.png', reason: 'Its folder "DIR/" equals "dir/" when case is ignored; rename one of them.' },
      { path: 'dir/a.png', reason: 'Its folder "dir/" equals "DIR/" when case is ignored; rename one of them.' },
      { path: 'dir/sub/c.png', reason: 'Its folder "dir/" equals "DIR/" when case is ignored; rename one of them.' },
    ]);
    expect(plan.prune).toEqual([]);
  });

  it('reports nested folder twins once', () => {
    const files = [file('A/x/one.png', 'one'), file('a/X/two.png', 'two'), file('p/Q/three.png', 'three'), file('p/q/four.png', 'four')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });

    expect(plan.collisions).toEqual([
      { kind: 'case', paths: ['A/', 'a/'], names: ['A/', 'a/'] },
      { kind: 'case', paths: ['p/Q/', 'p/q/'], names: ['p/Q/', 'p/q/'] },
    ]);
    expect(plan.skipped).toHaveLength(4);
    expect(plan.upload).toEqual([]);
  });

  it('keeps the asset of a file that now collides', () => {
    const owned = [ownedAssetFor('synced-before', 'logo.png', 'two')];
    const files = [file('Logo.png', 'one'), file('logo.png', 'two')];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });
    expect(plan.prune).toEqual([]);
  });

  it('keeps the asset of a file that is there but skipped', () => {
    const owned = [syncedAssetFor('big', 'big.png', 'old'), syncedAssetFor('gone', 'gone.png')];
    const files = [file('a.png'), { path: 'big.png', size: 500, skipReason: 'The file is over the limit.' }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['gone']);
    expect(plan.skipped).toEqual([{ path: 'big.png', reason: 'The file is over the limit. The asset synced from it earlier is kept.' }]);
    expect(plan.stale).toBeUndefined();
  });

  it('keeps the assets under a skipped link or folder', () => {
    const owned = [
      syncedAssetFor('boot', 'screens/boot.png'),
      syncedAssetFor('login', 'screens/login.png'),
      syncedAssetFor('loop', 'loop/a.png'),
      syncedAssetFor('gone', 'gone/a.png'),
    ];
    const files = [
      file('a.png'),
      { path: 'screens', size: 0, skipReason: 'It is a symbolic link.' },
      { path: 'loop/', size: 0, skipReason: 'The symbolic link points to one of its own parent folders.' },
    ];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['gone']);
    expect(plan.skipped).toEqual([
      { path: 'loop/', reason: 'The symbolic link points to one of its own parent folders. The asset synced from files under it earlier is kept.' },
      { path: 'screens', reason: 'It is a symbolic link. The 2 assets synced from files under it earlier are kept.' },
    ]);
  });

  it('keeps by name an asset without a path tag', () => {
    const long = `deep/${'x'.repeat(80)}.png`;
    const owned = [syncedAssetFor('long', long), syncedAssetFor('comma', 'My Logo, v2.png'), syncedAssetFor('gone', `gone/${'y'.repeat(80)}.png`)];
    const files = [
      { path: long, size: 500, skipReason: 'The file is over the limit.' },
      { path: 'My Logo, v2.png', size: 500, skipReason: 'The file is over the limit.' },
    ];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(owned.map((entry) => pathIn(entry.tags, OWNER))).toEqual([null, null, null]);
    expect(plan.prune.map((entry) => entry.assetId)).toEqual(['gone']);
    expect(plan.skipped.map((entry) => entry.reason)).toEqual([
      'The file is over the limit. The asset synced from it earlier is kept.',
      'The file is over the limit. The asset synced from it earlier is kept.',
    ]);
  });

  it('trashes nothing when a file cannot be read', () => {
    const owned = [syncedAssetFor('gone', 'gone.png'), syncedAssetFor('secret', 'secret.png')];
    const files = [file('a.png'), { path: 'secret.png', size: 9, skipReason: 'The file cannot be read (EACCES).', readFailed: true as const }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.prune).toEqual([]);
    expect(plan.stale?.map((entry) => entry.assetId)).toEqual(['gone']);
    expect(plan.staleKeptBecause).toBe('unreadable');
    expect(plan.unreadableCount).toBe(1);
    expect(staleKeptReason(plan)).toBe('1 file or folder could not be read');
    expect(plan.upload.map((entry) => entry.path)).toEqual(['a.png']);
  });

  it('trashes nothing when a folder cannot be read', () => {
    const owned = [syncedAssetFor('inside', `deep/${'x'.repeat(80)}.png`)];
    const files = [file('a.png'), { path: 'deep/', size: 0, skipReason: 'The folder cannot be read (EACCES).', readFailed: true as const }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.prune).toEqual([]);
    expect(plan.stale?.map((entry) => entry.path)).toEqual([null]);
  });

  it('gives the same plan for Windows paths', () => {
    const posix = [file('docs/screens/home.png'), file('café/menu.png'), file('a.png')];
    const windows = posix.map((entry) => ({ ...entry, path: entry.path.replaceAll('/', '\\').normalize('NFD') })).reverse();
    const owned = [ownedAssetFor('kept', 'docs/screens/home.png'), ownedAssetFor('stale', 'removed.png')];

    const fromPosix = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: posix, owned, foreignCount: 0 });
    const fromWindows = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: windows, owned, foreignCount: 0 });
    expect(fromWindows.plan).toEqual(fromPosix.plan);
    expect(fromPosix.plan.unchanged.map((entry) => entry.path)).toEqual(['docs/screens/home.png']);
  });
});

describe('guards', () => {
  function planWith(upload: number, unchanged: number, prune: number) {
    const plan = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [], owned: [], foreignCount: 0 }).plan;
    plan.upload = Array.from({ length: upload }, (_, i) => ({ path: `u${i}`, size: 1, fingerprint: `f${i}` }));
    plan.unchanged = Array.from({ length: unchanged }, (_, i) => ({ path: `k${i}`, assetId: `k${i}`, url: null }));
    plan.prune = Array.from({ length: prune }, (_, i) => ({ assetId: `p${i}`, name: `p${i}`, path: null, url: null }));
    plan.ownedCount = unchanged + prune;
    return plan;
  }

  it('deletionLimit defaults to 25% with a floor of 10', () => {
    expect(deletionLimit(undefined, 4)).toBe(10);
    expect(deletionLimit(undefined, 100)).toBe(25);
    expect(deletionLimit({ count: 3 }, 100)).toBe(3);
    expect(deletionLimit({ percent: 10 }, 55)).toBe(5);
  });

  it('stops an empty folder while prune is on', () => {
    const reason = checkGuards({ plan: planWith(0, 0, 5), prune: true, maxDeletes: undefined, discoveredCount: 0 });
    expect(reason).toContain('matches no files');
    expect(checkGuards({ plan: planWith(0, 0, 0), prune: false, maxDeletes: undefined, discoveredCount: 0 })).toBeNull();
  });

  it('names skipped folders of an empty folder', () => {
    const reason = checkGuards({ plan: planWith(0, 0, 5), prune: true, maxDeletes: undefined, discoveredCount: 0, skippedFolderCount: 2 });
    expect(reason).toMatch(/^The folder matches no files, and the scan skipped 2 folders, while prune is on/);
    expect(reason).toContain('Check the path, the include and exclude patterns and the skipped folders');
  });

  it('names no trash when the sync owns nothing', () => {
    const files = [{ path: 'notes.txt', size: 5, skipReason: 'Raster does not accept this type of file.' }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned: [], foreignCount: 0 });

    expect(checkGuards({ plan, prune: true, maxDeletes: undefined, discoveredCount: 1 })).toBe(
      'The one file in the folder cannot be uploaded, and prune is on. A sync with prune stops when it has nothing to upload, ' +
        'because the path or the patterns are likely wrong. Check the path and the include and exclude patterns, or turn prune off.',
    );
  });

  it('counts the kept assets of skipped files', () => {
    const owned = [syncedAssetFor('big', 'big.png'), syncedAssetFor('gone', 'gone.png')];
    const files = [{ path: 'big.png', size: 500, skipReason: 'The file is over the limit.' }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(checkGuards({ plan, prune: true, maxDeletes: undefined, discoveredCount: 1 })).toBe(
      'The one file in the folder cannot be uploaded while prune is on, so the run would trash 1 asset of the 2 this sync owns. ' +
        'Check the path and the include and exclude patterns, or turn prune off.',
    );
  });

  it('names no trash when every owned asset is kept', () => {
    const owned = [syncedAssetFor('big', 'big.png')];
    const files = [{ path: 'big.png', size: 500, skipReason: 'The file is over the limit.' }];
    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files, owned, foreignCount: 0 });

    expect(plan.prune).toEqual([]);
    expect(checkGuards({ plan, prune: true, maxDeletes: undefined, discoveredCount: 1 })).toBe(
      'The one file in the folder cannot be uploaded, and prune is on. A sync with prune stops when it has nothing to upload, ' +
        'because the path or the patterns are likely wrong. Check the path and the include and exclude patterns, or turn prune off.',
    );
  });

  it('stops a plan over the deletion budget', () => {
    const reason = checkGuards({ plan: planWith(1, 10, 3), prune: true, maxDeletes: { count: 2 }, discoveredCount: 11 });
    expect(reason).toContain('would trash 3 assets');
    expect(reason).toContain('p0 (p0)');
    expect(checkGuards({ plan: planWith(1, 10, 3), prune: true, maxDeletes: { count: 3 }, discoveredCount: 11 })).toBeNull();
    expect(checkGuards({ plan: planWith(1, 10, 3), prune: true, maxDeletes: { percent: 20 }, discoveredCount: 11 })).toContain('20% of 13');
    expect(checkGuards({ plan: planWith(1, 10, 3), prune: false, maxDeletes: { count: 0 }, discoveredCount: 11 })).toBeNull();
  });

  it('names one asset in the singular', () => {
    const byCount = checkGuards({ plan: planWith(1, 0, 1), prune: true, maxDeletes: { count: 0 }, discoveredCount: 1 });
    const byPercent = checkGuards({ plan: planWith(1, 0, 1), prune: true, maxDeletes: { percent: 0 }, discoveredCount: 1 });

    expect(byCount).toContain('would trash 1 asset,');
    expect(byPercent).toContain('0% of 1 owned asset)');
  });
});

describe('detectMediaType', () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  const text = (value: string) => new TextEncoder().encode(value);

  it.each([
    ['jpeg', bytes(0xff, 0xd8, 0xff, 0xe0), 'image/jpeg'],
    ['png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0), 'image/png'],
    ['gif', text('GIF89a....'), 'image/gif'],
    ['webp', text('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '), 'image/webp'],
    ['avif', text('\u0000\u0000\u0000\u001cftypavif'), 'image/avif'],
    ['heic', text('\u0000\u0000\u0000\u001cftypheic'), 'image/heic'],
    ['mp4', text('\u0000\u0000\u0000\u001cftypisom'), 'video/mp4'],
    ['quicktime', text('\u0000\u0000\u0000\u0014ftypqt  '), 'video/quicktime'],
    ['tiff', bytes(0x49, 0x49, 0x2a, 0x00), 'image/tiff'],
    ['webm', bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d), 'video/webm'],
    ['matroska magic only', bytes(0x1a, 0x45, 0xdf, 0xa3), null],
    ['svg start tag unclosed', text('<svg\n'), null],
    ['svg with prolog', text('\ufeff<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE svg>\n<svg xmlns="x"/>'), 'image/svg+xml'],
    ['text', text('# notes'), null],
    ['json', text('{"a":1}'), null],
    ['html', text('<html><svg></svg></html>'), null],
    ['empty', bytes(), null],
  ])('detects %s', (_name, head, expected) => {
    expect(detectMediaType(head)).toBe(expected);
  });
});

describe('plural', () => {
  it.each([
    [0, 'file', undefined, '0 files'],
    [1, 'file', undefined, '1 file'],
    [2, 'stale asset', undefined, '2 stale assets'],
    [1, 'batch', 'batches', '1 batch'],
    [3, 'batch', 'batches', '3 batches'],
  ])('counts %i %s', (count, noun, pluralNoun, expected) => {
    expect(plural(count, noun, pluralNoun)).toBe(expected);
  });
});

describe('path tags', () => {
  it('records and reads a path', () => {
    const tag = pathTagFor(OWNER, 'brand/logo.png');

    expect(tag).toBe(`${OWNER}:path:brand/logo.png`);
    expect(pathIn([OWNER, tag!], OWNER)).toBe('brand/logo.png');
    expect(pathIn([OWNER], OWNER)).toBeNull();
    expect(fingerprintsIn([OWNER, fingerprintTagFor(OWNER, 'abc'), tag!], OWNER)).toEqual(['abc']);
  });

  it.each([
    ['too long', `${'d/'.repeat(40)}a.png`],
    ['comma', 'a,b.png'],
    ['control character', 'a\u0007.png'],
    ['trailing space', 'a.png '],
  ])('leaves out a path with %s', (_case, path) => {
    expect(pathTagFor(OWNER, path)).toBeNull();
    expect(syncTagsFor(OWNER, 'f', path, [])).toEqual([OWNER, fingerprintTagFor(OWNER, 'f')]);
  });

  it('leaves out the path when tags are full', () => {
    const extra = Array.from({ length: 18 }, (_, index) => `extra-${index}`);

    expect(syncTagsFor(OWNER, 'f', 'a.png', extra)).toEqual([OWNER, fingerprintTagFor(OWNER, 'f'), ...extra]);
    expect(syncTagsFor(OWNER, 'f', 'a.png', extra.slice(1))).toHaveLength(20);
  });

  it('names the file of a stale asset', () => {
    const asset = { ...ownedAssetFor('gone', 'docs/gone.png'), tags: [OWNER, `${OWNER}:path:docs/gone.png`] };

    const { plan } = planSync({ syncId: SYNC_ID, ownerTag: OWNER, files: [], owned: [asset], foreignCount: 0 });

    expect(plan.prune).toEqual([{ assetId: 'gone', name: asset.name, path: 'docs/gone.png', url: asset.url }]);
    plan.unchanged = [{ path: 'kept.png', assetId: 'kept', url: null }];
    const guard = checkGuards({ plan, prune: true, maxDeletes: { count: 0 }, discoveredCount: 1 });
    expect(guard).toContain(`docs/gone.png (asset ${asset.name}, gone)`);
  });
});
