/** `npm start`, the README's first command: the sample folder into the in-process emulator. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '@raster-toolkit/emulator';
import { listAssetsRaw, listFiles, repositoryRoot } from './harness';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'raster-start-test-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function npmStart(args: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['RASTER_API_KEY'];
  delete env['RASTER_LIBRARY'];
  delete env['RASTER_ORGANIZATION'];
  delete env['RASTER_API_URL'];
  Object.assign(env, extraEnv);
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['start', '--silent', '--', ...args], { cwd: repositoryRoot, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

describe('npm start', () => {
  it('finds everything unchanged the second time', async () => {
    const samples = await listFiles(path.join(repositoryRoot, 'test/fixtures/images'));
    expect(samples.length).toBeGreaterThanOrEqual(4);

    const first = await npmStart(['--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('No RASTER_API_KEY set');
    expect(first.stdout).toContain(`${samples.length} uploaded, 0 unchanged`);
    for (const sample of samples) expect(first.stdout).toMatch(new RegExp(`^ {2}${sample.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +http://127\\.0\\.0\\.1:\\d+/`, 'm'));
    expect(first.stdout).toContain('npm start -- --keep');
    expect(first.stdout.indexOf('+ brand/logo-128.png (2.5 KiB) will be uploaded')).toBeGreaterThan(-1);
    expect(first.stdout.indexOf('+ brand/logo-128.png (2.5 KiB) will be uploaded')).toBeLessThan(first.stdout.indexOf('succeeded.'));

    const second = await npmStart(['--data-dir', dataDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`0 uploaded, ${samples.length} unchanged, 0 pruned`);
    expect(second.stdout).toContain(`0 to upload, ${samples.length} unchanged`);
  });

  it('syncs a relative folder in a dry run', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'raster-start-dry-'));
    try {
      const run = await npmStart(['test/fixtures/images/brand', '--dry-run', '--data-dir', folder]);

      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`Syncing ${path.join(repositoryRoot, 'test/fixtures/images/brand')} into library`);
      expect(`${run.stdout}${run.stderr}`.match(/Syncing /g)).toHaveLength(1);
      expect(run.stderr).toContain('sync id "raster-toolkit-demo:test/fixtures/images/brand"');
      expect(run.stdout).toContain('dry run');
      expect(run.stdout).toMatch(/^ {2}\+ logo-128\.png \(2\.5 KiB\) would be uploaded$/m);
      expect(run.stdout).toContain('0 uploaded, 0 unchanged');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('syncs into the service RASTER_API_KEY names', async () => {
    const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    try {
      const run = await npmStart([], {
        RASTER_API_KEY: emulator.writeKey,
        RASTER_API_URL: emulator.url,
        RASTER_LIBRARY: emulator.libraryId,
      });

      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toContain('No RASTER_API_KEY set');
      expect(run.stderr).toContain(`into library ${emulator.libraryId}`);
      const samples = await listFiles(path.join(repositoryRoot, 'test/fixtures/images'));
      const listed = await listAssetsRaw({ url: emulator.url, organizationId: emulator.organizationId, libraryId: emulator.libraryId, key: emulator.readKey });
      expect(listed).toHaveLength(samples.length);
    } finally {
      await emulator.stop();
    }
  });

  it('leaves the sync id of an outside folder to the engine', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'raster-start-outside-'));
    try {
      await cp(path.join(repositoryRoot, 'test/fixtures/images/brand'), path.join(folder, 'brand'), { recursive: true });
      const run = await npmStart([path.join(folder, 'brand'), '--dry-run', '--data-dir', path.join(folder, 'data')]);

      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toContain('raster-toolkit-demo:');
      expect(run.stderr).toMatch(/sync id "[^"]*brand"/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('names RASTER_API_URL in an error about it', async () => {
    const run = await npmStart([], { RASTER_API_KEY: 'pk_example', RASTER_LIBRARY: 'demo-library', RASTER_API_URL: 'http://u:secret@127.0.0.1:1' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Invalid RASTER_API_URL: the URL for http://127.0.0.1:1 contains a user name or password.');
    expect(run.stderr).not.toContain('secret');
  });

  it('stops when another emulator uses the data folder', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'raster-start-in-use-'));
    const running = await startEmulator({ dataDir: folder });
    try {
      const run = await npmStart(['--data-dir', folder]);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`npm start: The data folder ${await realpath(folder)} is in use by the emulator of process ${process.pid}`);
      expect(run.stderr).toContain('Stop that emulator or run npm start -- --data-dir <folder>.');
      expect(run.stderr).not.toContain('    at ');
    } finally {
      await running.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('asks for RASTER_LIBRARY with a key', async () => {
    const run = await npmStart([], { RASTER_API_KEY: 'pk_example' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('RASTER_LIBRARY');
  });
});
