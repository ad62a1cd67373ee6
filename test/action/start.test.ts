/** `npm start`, the README's first command: the sample folder into the in-process emulator. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, repositoryRoot } from './harness';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'raster-start-test-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function npmStart(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['RASTER_API_KEY'];
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

    const second = await npmStart(['--data-dir', dataDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`0 uploaded, ${samples.length} unchanged, 0 pruned`);
    expect(second.stdout).toContain(`0 to upload, ${samples.length} unchanged`);
  });
});
