import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { SyncReport } from '@raster-toolkit/core';

import { sha256 } from './harness/folder';
import { assetNameFor, downloadSha256, listAllAssets } from './harness/library';
import { generatePng } from './harness/png';
import { SeededRandom } from './harness/random';
import { startSyncTarget } from './harness/sync-target';
import type { SyncTarget } from './harness/sync-target';
import { makeTempFolder } from './harness/temp';

const random = new SeededRandom(11);
const png = () => generatePng(random, random.int(1, 6), random.int(1, 6));

let target: SyncTarget;
let folder: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  target = await startSyncTarget({ maxFileSize: 4096 });
});

afterAll(async () => {
  await target.stop();
});

beforeEach(async () => {
  await target.emulator.admin.reset();
  target.clearRequests();
  folder = await makeTempFolder('bad-input');
});

afterEach(async () => {
  await folder.remove();
});

function statusOf(report: SyncReport, path: string): { status: string; reason: string | undefined } {
  const file = report.files.find((candidate) => candidate.path === path);
  if (file === undefined) throw new Error(`no outcome for ${JSON.stringify(path)} among ${JSON.stringify(report.files.map((f) => f.path))}`);
  return { status: file.status, reason: file.reason };
}

/** Checks that every uploaded file has exactly one asset with its name and bytes. */
async function expectLibraryHolds(files: Record<string, Buffer>): Promise<void> {
  const assets = await listAllAssets(target.access);
  const actual = await Promise.all(assets.map(async (asset) => `${asset.name} ${await downloadSha256(asset.url ?? '')}`));
  // Multipart bodies carry `"` in a filename as `%22`, and the service keeps that form.
  const expected = Object.entries(files).map(([path, bytes]) => `${assetNameFor(path).replaceAll('"', '%22')} ${sha256(bytes)}`);
  expect(actual.sort()).toEqual(expected.sort());
}

describe('sync of awkward file names', () => {
  it('uploads names valid on Linux once each', async () => {
    const files: Record<string, Buffer> = {
      'with space.png': png(),
      '$(touch pwned); `id` | & > x.png': png(),
      "it's 100% 'quoted'.png": png(),
      'colon:star*question?.png': png(),
      'angle<brackets>pipe|.png': png(),
      'double"quote.png': png(),
      'emoji-🎨.png': png(),
      'caf\u00e9-nfc.png': png(),
      [`${'deep-folder-name/'.repeat(40)}${'n'.repeat(200)}.png`]: png(),
    };
    for (const [path, bytes] of Object.entries(files)) {
      await mkdir(join(folder.path, path, '..'), { recursive: true });
      await writeFile(join(folder.path, path), bytes);
    }

    const report = await target.sync({ path: folder.path });

    for (const path of Object.keys(files)) expect(statusOf(report, path).status, path).toBe('uploaded');
    expect(report.outcome).toBe('success');
    expect(target.rejected()).toEqual([]);
    await expectLibraryHolds(files);

    const second = await target.sync({ path: folder.path });
    expect(second.counts.unchanged).toBe(Object.keys(files).length);
    expect(second.counts.uploaded).toBe(0);
  });

  it('uploads an NFD name under its NFC path', async () => {
    const bytes = png();
    await writeFile(join(folder.path, 'cafe\u0301.png'), bytes);

    const report = await target.sync({ path: folder.path });

    expect(statusOf(report, 'caf\u00e9.png').status).toBe('uploaded');
    await expectLibraryHolds({ 'caf\u00e9.png': bytes });
  });

  it('skips names that differ only by case or form', async () => {
    await writeFile(join(folder.path, 'Logo.png'), png());
    await writeFile(join(folder.path, 'logo.png'), png());
    await writeFile(join(folder.path, 'caf\u00e9.png'), png());
    await writeFile(join(folder.path, 'cafe\u0301.png'), png());
    const keep = png();
    await writeFile(join(folder.path, 'other.png'), keep);

    const report = await target.sync({ path: folder.path });

    expect(statusOf(report, 'Logo.png')).toEqual({ status: 'skipped', reason: expect.stringMatching(/"logo\.png".*when case is ignored; rename one/) });
    expect(statusOf(report, 'logo.png').status).toBe('skipped');
    expect(report.files.filter((file) => file.path === 'caf\u00e9.png').map((file) => file.status)).toEqual(['skipped', 'skipped']);
    expect(report.files.find((file) => file.path === 'caf\u00e9.png')?.reason).toMatch(/Unicode NFC/);
    await expectLibraryHolds({ 'other.png': keep });
    expect(target.rejected()).toEqual([]);
  });

  it('skips names that cannot reach Raster intact', async () => {
    await writeFile(Buffer.concat([Buffer.from(`${folder.path}/latin1-`), Buffer.from([0xe9]), Buffer.from('.png')]), png());
    await writeFile(join(folder.path, 'back\\slash.png'), png());
    await writeFile(join(folder.path, 'line\nbreak.png'), png());
    const keep = png();
    await writeFile(join(folder.path, 'fine.png'), keep);

    const report = await target.sync({ path: folder.path });

    expect(report.files.find((file) => file.path.startsWith('latin1-'))?.reason).toMatch(/not valid UTF-8.*Rename it/);
    expect(statusOf(report, 'back\\slash.png').reason).toMatch(/backslash/);
    expect(statusOf(report, 'line\nbreak.png').reason).toMatch(/control character/);
    expect(report.plan.skipped.map((file) => file.path)).toContain('back\\slash.png');
    await expectLibraryHolds({ 'fine.png': keep });
    expect(target.rejected()).toEqual([]);
  });
});

describe('sync of links and unreadable files', () => {
  it('skips links unless followed, and never leaves the root', async () => {
    const outside = await makeTempFolder('outside');
    try {
      const inside = png();
      await writeFile(join(folder.path, 'real.png'), inside);
      await writeFile(join(outside.path, 'secret.png'), png());
      await symlink('real.png', join(folder.path, 'link-inside.png'));
      await symlink(join(outside.path, 'secret.png'), join(folder.path, 'link-outside.png'));
      await symlink(outside.path, join(folder.path, 'outside-folder'));

      const unfollowed = await target.sync({ path: folder.path });
      expect(statusOf(unfollowed, 'link-inside.png').reason).toMatch(/symbolic link.*follow-symlinks/);
      expect(statusOf(unfollowed, 'link-outside.png').status).toBe('skipped');

      const followed = await target.sync({ path: folder.path, followSymlinks: true });
      expect(statusOf(followed, 'link-inside.png').status).toBe('uploaded');
      expect(statusOf(followed, 'link-outside.png').reason).toMatch(/outside the synced folder/);
      expect(followed.files.some((file) => file.path.startsWith('outside-folder/secret'))).toBe(false);
      await expectLibraryHolds({ 'real.png': inside, 'link-inside.png': inside });
      expect(target.rejected()).toEqual([]);
    } finally {
      await outside.remove();
    }
  });

  it('stops at a link loop', async () => {
    const keep = png();
    await mkdir(join(folder.path, 'a', 'b'), { recursive: true });
    await writeFile(join(folder.path, 'a', 'b', 'deep.png'), keep);
    await symlink('..', join(folder.path, 'a', 'b', 'up'));
    await symlink('loop-2', join(folder.path, 'loop-1.png'));
    await symlink('loop-1.png', join(folder.path, 'loop-2'));

    const report = await target.sync({ path: folder.path, followSymlinks: true });

    expect(statusOf(report, 'a/b/up/').reason).toMatch(/loop/);
    expect(statusOf(report, 'loop-1.png').reason).toMatch(/broken \(ELOOP\)/);
    await expectLibraryHolds({ 'a/b/deep.png': keep });
  });

  // The tests run as root, which reads any file whatever its mode, so chmod 000 cannot make a
  // file unreadable. These are the unreadable cases a root process meets: a dangling link, a
  // FIFO (reading it would block), and a file removed between discovery and hashing.
  it('skips files it cannot read', async () => {
    const keep = png();
    await writeFile(join(folder.path, 'a-kept.png'), keep);
    await symlink('missing.png', join(folder.path, 'dangling.png'));
    execFileSync('mkfifo', [join(folder.path, 'pipe.png')]);
    for (let i = 0; i < 30; i += 1) await writeFile(join(folder.path, `z-${String(i).padStart(2, '0')}.png`), png());

    let removed = false;
    const report = await target.sync({
      path: folder.path,
      followSymlinks: true,
      onEvent: (event) => {
        // Scanning goes in path order, eight files at a time: the last file is not read yet.
        if (event.type === 'progress' && event.phase === 'scan' && !removed) {
          removed = true;
          execFileSync('rm', [join(folder.path, 'z-29.png')]);
        }
      },
    });

    expect(statusOf(report, 'dangling.png').reason).toMatch(/broken/);
    expect(statusOf(report, 'pipe.png').reason).toMatch(/not a regular file/);
    expect(statusOf(report, 'z-29.png')).toEqual({ status: 'skipped', reason: expect.stringMatching(/cannot be read \(ENOENT\)/) });
    expect(statusOf(report, 'a-kept.png').status).toBe('uploaded');
    expect(target.rejected()).toEqual([]);
  });

  it('skips a file that grows while hashed', async () => {
    for (let i = 0; i < 30; i += 1) await writeFile(join(folder.path, `f-${String(i).padStart(2, '0')}.png`), png());

    let grown = false;
    const report = await target.sync({
      path: folder.path,
      onEvent: (event) => {
        if (event.type === 'progress' && event.phase === 'scan' && !grown) {
          grown = true;
          execFileSync('sh', ['-c', `printf 'more bytes' >> "$1"`, 'sh', join(folder.path, 'f-29.png')]);
        }
      },
    });

    expect(statusOf(report, 'f-29.png')).toEqual({ status: 'skipped', reason: expect.stringMatching(/changed while it was being read/) });
    expect(report.counts.uploaded).toBe(29);
  });

  it('fails only the file that changes during upload', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 5; i += 1) {
      files[`u-${i}.png`] = png();
      await writeFile(join(folder.path, `u-${i}.png`), files[`u-${i}.png`]!);
    }

    const report = await target.sync({
      path: folder.path,
      onEvent: (event) => {
        if (event.type === 'phase' && event.phase === 'upload') {
          execFileSync('sh', ['-c', `printf 'more bytes' >> "$1"`, 'sh', join(folder.path, 'u-2.png')]);
        }
      },
    });

    expect(statusOf(report, 'u-2.png').status).toBe('failed');
    expect(statusOf(report, 'u-2.png').reason).toBe(
      `The file changed or was removed after it was scanned, so it was not uploaded: its size is no longer the ${files['u-2.png']!.length} bytes the scan found. Run the sync again.`,
    );
    for (const path of ['u-0.png', 'u-1.png', 'u-3.png', 'u-4.png']) expect(statusOf(report, path).status, path).toBe('uploaded');
    expect(report.counts.pruned).toBe(0);

    const next = await target.sync({ path: folder.path });
    expect(statusOf(next, 'u-2.png').status).toBe('uploaded');
    expect(next.outcome).toBe('success');
  });

  it('fails only the file removed during upload', async () => {
    for (let i = 0; i < 5; i += 1) await writeFile(join(folder.path, `r-${i}.png`), png());

    const report = await target.sync({
      path: folder.path,
      onEvent: (event) => {
        if (event.type === 'phase' && event.phase === 'upload') execFileSync('rm', [join(folder.path, 'r-3.png')]);
      },
    });

    expect(statusOf(report, 'r-3.png').status).toBe('failed');
    expect(statusOf(report, 'r-3.png').reason).toBe(
      'The file changed or was removed after it was scanned, so it was not uploaded: it can no longer be read (ENOENT). Run the sync again.',
    );
    expect(report.counts.uploaded).toBe(4);
    expect(target.rejected()).toEqual([]);
  });
});

describe('sync of files the API would reject', () => {
  it('skips empty, text and oversized files', async () => {
    const truncated = png().subarray(0, 20);
    await writeFile(join(folder.path, 'empty.png'), '');
    await writeFile(join(folder.path, 'text.png'), 'this is text named like an image\n');
    await writeFile(join(folder.path, 'notes.jpg'), '<html>not a jpeg</html>');
    await writeFile(join(folder.path, 'large.png'), Buffer.concat([png(), Buffer.alloc(5000)]));
    await writeFile(join(folder.path, 'truncated.png'), truncated);

    const report = await target.sync({ path: folder.path, maxFileSize: 4096 });

    expect(statusOf(report, 'empty.png').reason).toMatch(/empty/);
    expect(statusOf(report, 'text.png').reason).toMatch(/does not accept this type/);
    expect(statusOf(report, 'notes.jpg').reason).toMatch(/does not accept this type/);
    expect(statusOf(report, 'large.png').reason).toMatch(/over the per-file limit of 0\.0 MiB|over the per-file limit/);
    // The API recognises types by their first bytes, so a truncated PNG is still a PNG to it.
    expect(statusOf(report, 'truncated.png').status).toBe('uploaded');
    expect(target.rejected()).toEqual([]);
  });

  it('names the file the API rejects as too large', async () => {
    const keep = png();
    await writeFile(join(folder.path, 'small.png'), keep);
    await writeFile(join(folder.path, 'large.png'), Buffer.concat([png(), Buffer.alloc(5000)]));

    // The sync's own limit is above the emulator's, as when the service lowers its limit.
    const report = await target.sync({ path: folder.path });

    expect(statusOf(report, 'large.png').status).toBe('failed');
    expect(statusOf(report, 'large.png').reason).toMatch(/too large|limit|413/i);
    expect(statusOf(report, 'small.png').status).toBe('uploaded');
    expect(report.outcome).not.toBe('success');
    await expectLibraryHolds({ 'small.png': keep });
  });
});
