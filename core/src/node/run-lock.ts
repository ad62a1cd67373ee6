/**
 * The run lock: a file that one run of a sync holds while it writes, so that a second run of the
 * same sync on the same machine stops before it uploads the same files again.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** Content of a lock file. */
interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO 8601 time the run took the lock. */
  startedAt: string;
  syncId: string;
}

/** A lock this process holds; `release` deletes its file. */
export interface RunLock {
  readonly filePath: string;
  release(): Promise<void>;
}

export type LockResult = { acquired: true; lock: RunLock } | { acquired: false; reason: string };

/**
 * Lock files this process holds. A lock with this process's id that is not in the set was left
 * by an earlier process that had the same id, as happens when containers reuse process ids.
 */
const heldByThisProcess = new Set<string>();

/** Returns the lock file of the run whose journal is `journalFile`: one per service, library and sync. */
export function lockFileFor(journalFile: string): string {
  return journalFile.replace(/\.json$/, '') + '.lock';
}

function parseOwner(text: string): LockOwner | null {
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return null;
    return {
      pid: parsed.pid,
      hostname: typeof parsed.hostname === 'string' ? parsed.hostname : '',
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : 'an unknown time',
      syncId: typeof parsed.syncId === 'string' ? parsed.syncId : '',
    };
  } catch {
    return null;
  }
}

/** Returns true when a process with this id runs on this machine (EPERM: it runs as another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Returns when process `pid` started, in milliseconds since the epoch, from Linux's /proc, or
 * undefined where that cannot be read.
 */
function processStartedAt(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name in parentheses may contain spaces, so fields are counted after its end.
    const startTicks = Number(fields.slice(fields.lastIndexOf(')') + 2).split(' ')[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1]);
    // NOTE: assumes 100 clock ticks a second (USER_HZ), as Linux uses on x86 and ARM.
    return Number.isFinite(startTicks) && Number.isFinite(bootSeconds) ? bootSeconds * 1000 + startTicks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns true when the lock's owner is known to be gone: a process of this machine that no
 * longer exists, or whose id now belongs to a process started after the lock was taken. A lock
 * written on another host, or one that cannot be parsed, is not stale, because nothing here can
 * check it.
 */
function isStale(filePath: string, owner: LockOwner | null): boolean {
  if (owner === null) return false;
  if (owner.hostname !== '' && owner.hostname !== hostname()) return false;
  if (owner.pid === process.pid) return !heldByThisProcess.has(filePath);
  if (!processExists(owner.pid)) return true;
  const started = processStartedAt(owner.pid);
  const lockedAt = Date.parse(owner.startedAt);
  // A second of slack for the clock ticks that the start time is counted in.
  return started !== undefined && Number.isFinite(lockedAt) && started > lockedAt + 1000;
}

async function readOwnerText(filePath: string): Promise<string | null> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Names the process that holds a lock, such as `process 412, started 2026-12-05T10:00:00.000Z`. */
function holderText(owner: LockOwner | null): string {
  if (owner === null) return 'another process';
  const host = owner.hostname !== '' && owner.hostname !== hostname() ? ` on host ${owner.hostname}` : '';
  return `process ${owner.pid}${host}, started ${owner.startedAt}`;
}

function heldReason(filePath: string, owner: LockOwner | null): string {
  const holder = holderText(owner);
  return `Another run of this sync into this library is in progress (${holder}), so this run stopped before any write. ` +
    `Wait until that run finishes and run the sync again. If no such run is active, delete the lock file ${filePath}.`;
}

/** Error codes of a file system that cannot create hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates `filePath` with `content` unless it exists, and returns false when it exists. The content
 * goes to a temporary file that is then hard-linked into place, so no reader ever finds the lock
 * file empty. Where hard links are not supported, it creates the file with O_EXCL and writes it.
 * Calls `onCreated` as soon as the file exists, before any further await.
 */
async function createExclusive(filePath: string, content: string, onCreated: () => void): Promise<boolean> {
  const temporary = `${filePath}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  try {
    await link(temporary, filePath);
    onCreated();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }

  try {
    const handle = await open(filePath, 'wx');
    onCreated();
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Creates the lock file, which contains this process's id, host and start time, unless it exists.
 * A lock left by a process of this machine that no longer exists, or whose id a later process
 * now has (this one included), is taken over. Any other existing lock makes the result `acquired: false`,
 * with a reason that names its holder.
 * NOTE: the lock only covers runs that share the lock folder, normally runs on one machine.
 * Runs on different machines (two CI jobs) need to be serialized by other means, such as a
 * concurrency group in GitHub Actions.
 */
export async function acquireRunLock(filePath: string, syncId: string): Promise<LockResult> {
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), syncId };

  for (let attempt = 0; attempt < 2; attempt++) {
    // The lock counts as held from the moment the file exists: another acquire in this process
    // that read it during the cleanup after the link would otherwise take it for a stale lock.
    if (await createExclusive(filePath, JSON.stringify(owner), () => heldByThisProcess.add(filePath))) {
      const release = async (): Promise<void> => {
        heldByThisProcess.delete(filePath);
        await unlink(filePath).catch(() => undefined);
      };
      return { acquired: true, lock: { filePath, release } };
    }

    const text = await readOwnerText(filePath);
    if (text === null) continue;
    const holder = parseOwner(text);
    if (!isStale(filePath, holder) || attempt > 0) return { acquired: false, reason: heldReason(filePath, holder) };

    // Delete the stale lock only if it is still the one read above, so that a lock another run
    // has just taken over is kept.
    // NOTE: two runs that find the same stale lock at the same instant can still both take it
    // over, in the microseconds between this check and the unlink.
    if ((await readOwnerText(filePath)) === text) await unlink(filePath).catch(() => undefined);
  }
  return { acquired: false, reason: heldReason(filePath, null) };
}

/**
 * Returns who holds the lock, as `acquireRunLock` names it, or null when no run holds it or its
 * holder is gone. It does not take the lock, so a dry run can tell a live run's journal entries
 * from those of an interrupted run.
 */
export async function lockHolder(filePath: string): Promise<string | null> {
  const text = await readOwnerText(filePath).catch(() => null);
  if (text === null) return null;
  const owner = parseOwner(text);
  return isStale(filePath, owner) ? null : holderText(owner);
}
