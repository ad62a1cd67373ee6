import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataFolderInUseError, LOCK_FILE, startEmulator } from '@raster-toolkit/emulator';
import { imageBytes, libraryPath, raw, upload } from './helpers';
import { buildCli, spawnCli, startCliJson, stopCli } from './cli-process';
import { Persistence } from '../../emulator/src/store/persistence';

let dataRoot: string;

beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), 'emulator-persistence-'));
});

afterAll(async () => {
  await rm(dataRoot, { recursive: true, force: true });
});

describe('data folder', () => {
  test('state and files survive a restart', async () => {
    const dataDir = join(dataRoot, 'restart');
    const logo = await imageBytes('brand/logo-128.png');
    const photo = await imageBytes('docs/screenshots/plasma-fullscreen.jpg');

    const first = await startEmulator({ dataDir });
    const uploaded = await upload(first, [['logo.png', logo], ['photo.jpg', photo], ['gone.png', logo]]);
    const [logoAsset, photoAsset, goneAsset] = uploaded.json.data.assets;
    await raw(first, 'POST', libraryPath(first, '/assets/tag'), { body: { assetIds: [logoAsset.id], tags: ['brand'] } });
    await raw(first, 'PATCH', libraryPath(first, `/assets/${photoAsset.id}/description`), { body: { description: 'Plasma' } });
    await raw(first, 'DELETE', libraryPath(first, '/assets'), { body: { ids: [goneAsset.id] } });
    await raw(first, 'POST', `/organizations/${first.organizationId}/libraries`, { body: { name: 'Second' } });
    await raw(first, 'PATCH', libraryPath(first), { body: { name: 'Renamed Library' } });
    const { key: extraKey } = await first.admin.createKey({ organizationId: first.organizationId, libraries: { second: 'read' } });
    const anonymous = await raw(first, 'POST', '/libraries', { key: null, body: { email: 'keep@example.com' } });
    const before = await raw(first, 'GET', libraryPath(first, '/assets'));
    await first.stop();

    const second = await startEmulator({ dataDir });
    try {
      expect([second.organizationId, second.libraryId, second.writeKey, second.readKey]).toEqual([
        first.organizationId,
        first.libraryId,
        first.writeKey,
        first.readKey,
      ]);

      const after = await raw(second, 'GET', libraryPath(second, '/assets'));
      const rebase = (asset: { url: string }) => asset.url.replace(first.url, second.url);
      expect(after.json.data.map((asset: { id: string }) => asset.id)).toEqual(
        before.json.data.map((asset: { id: string }) => asset.id),
      );
      expect(after.json.data.map((asset: { url: string }) => asset.url)).toEqual(before.json.data.map(rebase));
      const byId = Object.fromEntries(after.json.data.map((asset: { id: string }) => [asset.id, asset]));
      expect(byId[logoAsset.id].tags).toEqual(['brand']);
      expect(byId[photoAsset.id].description).toBe('Plasma');
      expect(byId[photoAsset.id].width).toBe(1920);

      const file = await fetch(byId[photoAsset.id].url);
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(photo);

      const libraries = await raw(second, 'GET', `/organizations/${second.organizationId}/libraries`);
      expect(libraries.json.data.map((library: { id: string; name: string }) => [library.id, library.name])).toEqual([
        [second.libraryId, 'Renamed Library'],
        ['second', 'Second'],
      ]);
      expect(libraries.json.data[0].trashCount).toBe(1);
      expect((await raw(second, 'GET', '/me', { key: extraKey })).status).toBe(200);
      expect((await raw(second, 'GET', '/me', { key: anonymous.json.data.apiKey })).status).toBe(200);

      const newer = await upload(second, [['new.png', logo]]);
      expect(newer.json.data.assets[0].created).toBeGreaterThan(photoAsset.created);
    } finally {
      await second.stop();
    }
  });

  test('state file is plain JSON', async () => {
    const dataDir = join(dataRoot, 'format');
    const emulator = await startEmulator({ dataDir });
    await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    await emulator.stop();

    const state = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8'));

    expect(state.version).toBe(1);
    expect(state.assets).toHaveLength(1);
    expect(await readdir(join(dataDir, 'files'))).toEqual([state.assets[0].id]);
  });

  test.skipIf(process.platform === 'win32')('state file is open to its user alone', async () => {
    const dataDir = join(dataRoot, 'mode');
    const emulator = await startEmulator({ dataDir });
    await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    await emulator.stop();

    // The state contains the API keys.
    expect((await stat(join(dataDir, 'state.json'))).mode & 0o777).toBe(0o600);
  });

  test.skipIf(process.platform === 'win32')('large stored files are open to their user alone', async () => {
    const dataDir = join(dataRoot, 'large-mode');
    const emulator = await startEmulator({ dataDir });
    const logo = await imageBytes('brand/logo-128.png');
    // Over 1 MiB, a part is written to a temporary file as it arrives.
    const large = new Uint8Array(2 * 1024 * 1024);
    large.set(logo);
    await upload(emulator, [['large.png', large]]);
    await emulator.stop();

    const [stored] = await readdir(join(dataDir, 'files'));
    expect((await stat(join(dataDir, 'files', stored!))).mode & 0o777).toBe(0o600);
  });

  test('reset clears stored files', async () => {
    const dataDir = join(dataRoot, 'reset');
    const emulator = await startEmulator({ dataDir });
    await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]]);

    await emulator.admin.reset();
    await emulator.stop();

    expect(await readdir(join(dataDir, 'files'))).toEqual([]);
  });

  test('in-memory emulator leaves no files', async () => {
    // Temporary folders carry the process id, so emulators of other test processes do not count.
    const ownFolders = async () => (await readdir(tmpdir())).filter((name) => name.startsWith(`raster-emulator-${process.pid}-`));
    const emulator = await startEmulator();
    await upload(emulator, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    expect(await ownFolders()).toHaveLength(1);

    await emulator.stop();

    expect(await ownFolders()).toEqual([]);
  });

  test('in-memory emulator writes only large files', async () => {
    const ownFolders = async () => (await readdir(tmpdir())).filter((name) => name.startsWith(`raster-emulator-${process.pid}-`));
    const emulator = await startEmulator();
    try {
      const [folder] = await ownFolders();
      const logo = await imageBytes('brand/logo-128.png');
      const mebibyte = new Uint8Array(1024 * 1024);
      mebibyte.set(logo);
      const large = new Uint8Array(1024 * 1024 + 1);
      large.set(logo);

      await upload(emulator, [['logo.png', logo], ['mebibyte.png', mebibyte]]);
      expect(await readdir(join(tmpdir(), folder ?? '', 'files'))).toEqual([]);
      const uploaded = await upload(emulator, [['large.png', large]]);
      expect(await readdir(join(tmpdir(), folder ?? '', 'files'))).toEqual([uploaded.json.data.assets[0].id]);

      await emulator.admin.reset();
      expect(await readdir(join(tmpdir(), folder ?? '', 'files'))).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});

describe('memory budget', () => {
  test('files past the budget go to disk', async () => {
    const persistence = await Persistence.open(
      null,
      () => {
        throw new Error('An in-memory emulator saves no state.');
      },
      { memoryBlobsBytes: 3000 },
    );
    const file = (byte: number) => ({ bytes: Buffer.alloc(1000, byte), tempPath: null });
    try {
      for (const id of ['a', 'b', 'c', 'd']) {
        await persistence.storeBlob(file(id.charCodeAt(0)), id);
      }
      expect(await readdir(persistence.filesDir)).toEqual(['d']);
      expect((await persistence.findBlob('a'))?.bytes?.equals(Buffer.alloc(1000, 0x61))).toBe(true);
      expect((await persistence.findBlob('d'))?.path).toBe(join(persistence.filesDir, 'd'));

      // Removing a file frees its share of the budget.
      await persistence.removeBlob('a');
      await persistence.storeBlob(file(0x65), 'e');
      expect(await persistence.findBlob('a')).toBeNull();
      expect(await readdir(persistence.filesDir)).toEqual(['d']);

      // Removing everything frees all of it.
      await persistence.removeAllBlobs();
      for (const id of ['f', 'g', 'h']) {
        await persistence.storeBlob(file(0x66), id);
      }
      expect(await readdir(persistence.filesDir)).toEqual([]);
    } finally {
      await persistence.close();
    }
  });
});

describe('data folder lock', () => {
  /** Returns a new data folder, by its real path as the lock's messages show it. */
  async function newDataDir(name: string): Promise<string> {
    const dataDir = join(dataRoot, name);
    await mkdir(dataDir, { recursive: true });
    return realpath(dataDir);
  }

  /** Resolves once `done` returns true, polling every 10 ms for at most 15 s. */
  async function waitUntil(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('Timed out waiting for the emulators to start or exit.');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Returns the id of a process of this host that has ended. */
  function endedPid(): number {
    return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  }

  test('turns away a second emulator on the folder', async () => {
    const dataDir = await newDataDir('in-use');
    const first = await startEmulator({ dataDir });
    try {
      await expect(startEmulator({ dataDir })).rejects.toThrow(
        `The data folder ${dataDir} is in use by the emulator of process ${process.pid}, started `,
      );
      const uploaded = await upload(first, [['logo.png', await imageBytes('brand/logo-128.png')]]);
      expect(uploaded.status).toBe(200);
    } finally {
      await first.stop();
    }

    const second = await startEmulator({ dataDir });
    await second.stop();
    expect(await readdir(dataDir)).toEqual(['files', 'state.json']);
  });

  test('turns away a second emulator through a symbolic link', async () => {
    const dataDir = await newDataDir('linked');
    const link = join(dataRoot, 'link-to-linked');
    await symlink(dataDir, link);
    const first = await startEmulator({ dataDir });
    try {
      await expect(startEmulator({ dataDir: link })).rejects.toThrow(`The data folder ${dataDir} is in use by the emulator of process ${process.pid}`);
    } finally {
      await first.stop();
    }
  });

  test('lets one of two emulators take over an ended lock', async () => {
    const dataDir = await newDataDir('race');
    for (let round = 0; round < 10; round += 1) {
      await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: endedPid(), hostname: hostname(), startedAt: '2026-12-01T00:00:00.000Z' }));

      const results = await Promise.allSettled([startEmulator({ dataDir }), startEmulator({ dataDir })]);

      const started = results.filter((result) => result.status === 'fulfilled');
      expect(started, `round ${round}`).toHaveLength(1);
      expect(results.find((result) => result.status === 'rejected')?.reason).toBeInstanceOf(DataFolderInUseError);
      await started[0]!.value.stop();
    }
  });

  test('lets one of two command lines take over an ended lock', async () => {
    await buildCli();
    const dataDir = await newDataDir('race-cli');
    for (let round = 0; round < 24; round += 1) {
      await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: endedPid(), hostname: hostname(), startedAt: '2026-12-01T00:00:00.000Z' }));

      const pair = await Promise.all([spawnCli(['--port', '0', '--json', '--data', dataDir]), spawnCli(['--port', '0', '--json', '--data', dataDir])]);
      // Each one either prints its JSON line once listening or exits.
      let exited = 0;
      for (const started of pair) void started.exited.then(() => (exited += 1));
      await waitUntil(() => pair.every((started) => started.stdout().includes('\n') || started.child.exitCode !== null) || exited === 2);

      const running = pair.filter((started) => started.stdout().includes('\n'));
      for (const started of running) expect(await stopCli(started)).toBe(0);
      expect(running, `round ${round}: ${pair.map((started) => started.stderr()).join(' | ')}`).toHaveLength(1);
    }
  });

  test('takes over the lock of an ended process', async () => {
    const dataDir = await newDataDir('ended');
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: endedPid(), hostname: hostname(), startedAt: '2026-12-01T00:00:00.000Z' }));

    const emulator = await startEmulator({ dataDir });
    try {
      expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    } finally {
      await emulator.stop();
    }
  });

  test.skipIf(process.platform !== 'linux')('takes over a lock whose process id was reused', async () => {
    const dataDir = await newDataDir('reused');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: other.pid, hostname: hostname(), startedAt: '2026-11-01T00:00:00.000Z' }));

      const emulator = await startEmulator({ dataDir });
      await emulator.stop();
    } finally {
      other.kill();
    }
  });

  test('keeps the lock of another host', async () => {
    const dataDir = await newDataDir('other-host');
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: 1, hostname: 'build-7', startedAt: '2026-12-01T00:00:00.000Z' }));

    await expect(startEmulator({ dataDir })).rejects.toThrow(
      `The data folder ${dataDir} is in use by the emulator of process 1 on build-7, started 2026-12-01T00:00:00.000Z. ` +
        `Stop that emulator or use another data folder. If no emulator uses the folder, delete ${join(dataDir, LOCK_FILE)}.`,
    );
  });

  test.each([
    ['empty', ''],
    ['truncated', '{"pid":12'],
    ['without a process id', '{"pid":0}'],
  ])('names a lock file that is %s', async (_case, content) => {
    const dataDir = await newDataDir(`invalid-${content.length}`);
    await writeFile(join(dataDir, LOCK_FILE), content);

    await expect(startEmulator({ dataDir })).rejects.toThrow(
      `The data folder ${dataDir} has a lock file that names no emulator process: it contains ${JSON.stringify(content)}.`,
    );
  });

  test('names a folder in place of the lock file', async () => {
    const dataDir = await newDataDir('lock-folder');
    await mkdir(join(dataDir, LOCK_FILE));

    await expect(startEmulator({ dataDir })).rejects.toThrow(`The data folder ${dataDir} has a folder in place of its lock file.`);
  });

  test('leaves a lock that another process made after its own was deleted', async () => {
    const dataDir = await newDataDir('replaced');
    const emulator = await startEmulator({ dataDir });
    const other = JSON.stringify({ pid: 1, hostname: 'build-7', startedAt: '2026-12-01T00:00:00.000Z' });
    await rm(join(dataDir, LOCK_FILE));
    await writeFile(join(dataDir, LOCK_FILE), other);

    await emulator.stop();

    expect(await readFile(join(dataDir, LOCK_FILE), 'utf8')).toBe(other);
  });

  test('exits 2 from the command line when the folder is in use', async () => {
    await buildCli();
    const dataDir = await newDataDir('cli-in-use');
    const first = await startCliJson(['--data', dataDir]);
    const second = await spawnCli(['--data', dataDir]);
    try {
      const exited = await Promise.race([second.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);

      expect(exited).toBe(2);
      expect(second.stderr()).toContain(`raster-emulator: The data folder ${dataDir} is in use by the emulator of process ${first.process.child.pid}`);
      expect(second.stderr()).toContain('Stop that emulator or pass another --data folder.');
    } finally {
      if (second.child.exitCode === null) await stopCli(second);
      expect(await stopCli(first.process)).toBe(0);
    }
  });
});

describe('killed process', () => {
  test('SIGKILL during uploads leaves loadable state', async () => {
    await buildCli();
    const dataDir = join(dataRoot, 'killed');
    const logo = await imageBytes('brand/logo-128.png');
    const photo = await imageBytes('photos/wallpapers/adwaita-l.webp');

    for (let round = 0; round < 4; round += 1) {
      const { process, info } = await startCliJson(['--data', dataDir, '--listing-lag', '0', '--processing-delay', '0']);
      const acknowledged: string[] = [];
      const uploads = Array.from({ length: 6 }, async (_, index) => {
        try {
          const response = await upload(info, [[`r${round}-${index}.png`, logo], [`r${round}-${index}.webp`, photo]]);
          if (response.status === 200) {
            acknowledged.push(...response.json.data.assets.map((asset: { id: string }) => asset.id));
          }
        } catch {
          // The process is killed mid-request; the client sees a network error.
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 40 + round * 30));
      process.child.kill('SIGKILL');
      await Promise.all(uploads);
      await process.exited;

      const restarted = await startCliJson(['--data', dataDir, '--listing-lag', '0', '--processing-delay', '0']);
      try {
        expect(restarted.info.writeKey).toBe(info.writeKey);
        const list = await raw(restarted.info, 'GET', libraryPath(restarted.info, '/assets?pageSize=500'));
        expect(list.status).toBe(200);
        const listed = list.json.data as Array<{ id: string; url: string; size: number }>;
        for (const id of acknowledged) {
          expect(listed.map((asset) => asset.id)).toContain(id);
        }
        for (const asset of listed) {
          const file = await fetch(asset.url);
          expect(file.status).toBe(200);
          expect((await file.arrayBuffer()).byteLength).toBe(asset.size);
        }
        expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
        expect((await readdir(dataDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      } finally {
        expect(await stopCli(restarted.process)).toBe(0);
      }
    }
  });
});

describe('state file', () => {
  test('concurrent writes all reach the disk', async () => {
    const dataDir = join(dataRoot, 'concurrent');
    const first = await startEmulator({ dataDir });
    const logo = await imageBytes('brand/logo-128.png');
    const assets = (await upload(first, Array.from({ length: 10 }, (_, index) => [`f${index}.png`, logo] as [string, Uint8Array]))).json.data
      .assets as Array<{ id: string }>;

    await Promise.all(
      assets.flatMap((asset, index) => [
        raw(first, 'POST', libraryPath(first, '/assets/tag'), { body: { assetIds: [asset.id], tags: [`tag-${index}`, 'shared'] } }),
        raw(first, 'PATCH', libraryPath(first, `/assets/${asset.id}/description`), { body: { description: `d${index}` } }),
      ]),
    );
    await first.stop();

    const second = await startEmulator({ dataDir });
    try {
      for (const [index, asset] of assets.entries()) {
        const read = await raw(second, 'GET', libraryPath(second, `/assets/${asset.id}`));
        expect(read.json.data.tags).toEqual([`tag-${index}`, 'shared']);
        expect(read.json.data.description).toBe(`d${index}`);
      }
    } finally {
      await second.stop();
    }
  });

  test('files without an asset are removed on start', async () => {
    const dataDir = join(dataRoot, 'orphans');
    const first = await startEmulator({ dataDir });
    const uploaded = await upload(first, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    await first.stop();
    await writeFile(join(dataDir, 'files', 'OrphanFromKilledUpload'), 'bytes');

    const second = await startEmulator({ dataDir });
    await second.stop();

    expect(await readdir(join(dataDir, 'files'))).toEqual([uploaded.json.data.assets[0].id]);
  });

  test('foreign state file is reported', async () => {
    const dataDir = join(dataRoot, 'foreign');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'state.json'), '{"half": ');

    await expect(startEmulator({ dataDir })).rejects.toThrow(/Invalid state file .*state\.json/);
  });
});
