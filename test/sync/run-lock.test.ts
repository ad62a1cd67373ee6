import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { acquireRunLock, lockFileFor } from '../../core/src/node/run-lock';

let folder: string;
let lockFile: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'run-lock-'));
  lockFile = lockFileFor(join(folder, 'abc.json'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Returns the id of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('acquireRunLock', () => {
  it('names the lock after the journal', () => {
    expect(lockFile).toBe(join(folder, 'abc.lock'));
  });

  it('writes the pid and releases', async () => {
    const result = await acquireRunLock(lockFile, 'octo/site:images');
    if (!result.acquired) throw new Error(result.reason);

    const owner = JSON.parse(await readFile(lockFile, 'utf8'));
    expect(owner.pid).toBe(process.pid);
    expect(owner.syncId).toBe('octo/site:images');

    await result.lock.release();
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a second holder with its pid', async () => {
    const first = await acquireRunLock(lockFile, 'a');
    const second = await acquireRunLock(lockFile, 'a');

    expect(first.acquired).toBe(true);
    expect(second.acquired).toBe(false);
    if (second.acquired) return;
    expect(second.reason).toContain(`process ${process.pid}`);
    expect(second.reason).toContain(lockFile);
  });

  it('grants one of many racing runs', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => acquireRunLock(lockFile, 'a')));

    expect(results.filter((result) => result.acquired)).toHaveLength(1);
    for (const result of results) {
      if (!result.acquired) expect(result.reason).toContain(`process ${process.pid}`);
    }
  });

  it('takes over a lock of a dead process', async () => {
    await writeFile(lockFile, JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', syncId: 'a' }));

    const result = await acquireRunLock(lockFile, 'a');

    expect(result.acquired).toBe(true);
    expect(JSON.parse(await readFile(lockFile, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over a lock of an earlier process with its pid', async () => {
    await writeFile(lockFile, JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', syncId: 'a' }));

    const result = await acquireRunLock(lockFile, 'a');

    expect(result.acquired).toBe(true);
  });

  it('keeps a lock of a live process', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      // The lock was taken after the process started, as a run takes it.
      const startedAt = new Date(Date.now() + 2000).toISOString();
      await writeFile(lockFile, JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt, syncId: 'a' }));

      const result = await acquireRunLock(lockFile, 'a');

      expect(result.acquired).toBe(false);
      if (result.acquired) return;
      expect(result.reason).toContain(`process ${child.pid}, started ${startedAt}`);
    } finally {
      child.kill();
    }
  });

  it.runIf(process.platform === 'linux')('takes over a lock whose pid a later process has', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      // The lock's run ended before this process, which now has its id, started.
      await writeFile(lockFile, JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', syncId: 'a' }));

      const result = await acquireRunLock(lockFile, 'a');

      expect(result.acquired).toBe(true);
      expect(JSON.parse(await readFile(lockFile, 'utf8')).pid).toBe(process.pid);
    } finally {
      child.kill();
    }
  });

  it('keeps a lock written on another host', async () => {
    await writeFile(lockFile, JSON.stringify({ pid: deadPid(), hostname: 'elsewhere.invalid', startedAt: '2026-01-01T00:00:00.000Z', syncId: 'a' }));

    const result = await acquireRunLock(lockFile, 'a');

    expect(result.acquired).toBe(false);
    if (result.acquired) return;
    expect(result.reason).toContain('on host elsewhere.invalid');
  });

  it('keeps a lock it cannot read', async () => {
    await writeFile(lockFile, '');

    const result = await acquireRunLock(lockFile, 'a');

    expect(result.acquired).toBe(false);
  });
});
