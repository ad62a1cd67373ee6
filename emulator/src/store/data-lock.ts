/**
 * The lock of an emulator's data folder: a file that names the process using the folder, so that
 * a second emulator stops instead of overwriting the first one's state and upload files.
 */

import { randomUUID } from 'node:crypto';
import { link, readFile, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** File in a data folder that names the emulator process using it. */
export const LOCK_FILE = 'emulator.lock';

/** File that one process creates while it replaces the lock of an ended process. */
const TAKEOVER_FILE = 'emulator.lock.takeover';

/** Age after which a takeover file counts as left by a process killed during its takeover. */
const TAKEOVER_STALE_MS = 10_000;

/** Attempts to create the lock before giving up, each after a takeover or a lock that vanished. */
const MAX_ATTEMPTS = 50;

/** Tokens of the locks this process holds. */
const heldTokens = new Set<string>();

interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Random per lock, so that a process can distinguish its own locks from those of an earlier process with its id. */
  token: string;
}

/** Thrown when the data folder is locked by another emulator, or its lock file names none. */
export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError';

  constructor(
    readonly dataDir: string,
    /** The folder's state as the message gives it, such as `is in use by the emulator of process 412, started …`. */
    readonly state: string,
    readonly lockPath: string,
  ) {
    super(describeInUse(dataDir, state, lockPath, 'use another data folder'));
  }

  /** Returns the message with `fix`, such as `pass another --data folder`, as the way out. */
  withFix(fix: string): string {
    return describeInUse(this.dataDir, this.state, this.lockPath, fix);
  }
}

function describeInUse(dataDir: string, state: string, lockPath: string, fix: string): string {
  return `The data folder ${dataDir} ${state}. Stop that emulator or ${fix}. If no emulator uses the folder, delete ${lockPath}.`;
}

/**
 * Locks the data folder `root`, which must exist, for this process, and returns the function that
 * unlocks it. A lock of a process of this host that has ended is replaced. Throws a
 * `DataFolderInUseError` when another emulator holds the folder or the lock file names none.
 */
export async function lockDataDir(root: string): Promise<() => Promise<void>> {
  const dataDir = await realpath(root);
  const lockPath = join(dataDir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomUUID() };
  const content = JSON.stringify(owner);

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createLock(dataDir, lockPath, content)) {
      heldTokens.add(owner.token);
      return () => unlock(lockPath, owner.token);
    }

    const found = await readLock(lockPath);
    if (found.kind === 'missing') continue;
    if (found.kind === 'folder') throw new DataFolderInUseError(dataDir, 'has a folder in place of its lock file', lockPath);
    if (found.kind === 'invalid') {
      throw new DataFolderInUseError(dataDir, `has a lock file that names no emulator process: it contains ${JSON.stringify(found.text.slice(0, 80))}`, lockPath);
    }
    if (!(await hasEnded(found.owner))) throw new DataFolderInUseError(dataDir, `is in use by ${holderText(found.owner)}`, lockPath);
    if (!(await takeOver(dataDir, lockPath, found.text))) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new DataFolderInUseError(dataDir, `is locked and unlocked by other processes faster than this one could take it (${MAX_ATTEMPTS} attempts)`, lockPath);
}

/** Removes the lock file if it is still this lock, not one that another process made after it was deleted. */
async function unlock(lockPath: string, token: string): Promise<void> {
  heldTokens.delete(token);
  const found = await readLock(lockPath);
  if (found.kind === 'owner' && found.owner.token === token) await unlink(lockPath).catch(() => undefined);
}

/**
 * Creates the lock file with `content` unless it exists. The content goes to a temporary file that
 * is hard-linked into place, so that no reader finds the lock file empty. Where hard links are not
 * supported, the file is created exclusively and then written.
 */
async function createLock(dataDir: string, lockPath: string, content: string): Promise<boolean> {
  const temporary = join(dataDir, `${LOCK_FILE}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, content, { mode: 0o600 });
  } catch (error) {
    throw notWritable(dataDir, error);
  }
  try {
    await link(temporary, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }

  try {
    await writeFile(lockPath, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function notWritable(dataDir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return error as Error;
  return new Error(`The data folder ${dataDir} is not writable (${code}), and the emulator keeps its lock, state and files there. Use a writable data folder.`);
}

type FoundLock =
  | { kind: 'missing' }
  | { kind: 'folder' }
  | { kind: 'invalid'; text: string }
  | { kind: 'owner'; owner: LockOwner; text: string };

async function readLock(lockPath: string): Promise<FoundLock> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'EISDIR') return { kind: 'folder' };
    throw error;
  }
  const owner = parseOwner(text);
  return owner === null ? { kind: 'invalid', text } : { kind: 'owner', owner, text };
}

function parseOwner(text: string): LockOwner | null {
  let parsed: Partial<LockOwner>;
  try {
    parsed = JSON.parse(text) as Partial<LockOwner>;
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || !Number.isInteger(parsed.pid) || (parsed.pid as number) <= 0) return null;
  return {
    pid: parsed.pid as number,
    hostname: typeof parsed.hostname === 'string' ? parsed.hostname : '',
    startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
    token: typeof parsed.token === 'string' ? parsed.token : '',
  };
}

/** Names a lock's holder, such as `the emulator of process 412 on build-7, started 2026-12-05T10:00:00.000Z`. */
function holderText(owner: LockOwner): string {
  const host = owner.hostname !== '' && owner.hostname !== hostname() ? ` on ${owner.hostname}` : '';
  const started = owner.startedAt !== '' ? `, started ${owner.startedAt}` : '';
  return `the emulator of process ${owner.pid}${host}${started}`;
}

/**
 * Returns true when the lock's holder is known to have ended. That is a process of this host that
 * no longer runs or is a zombie, or one that started after the lock was taken, since its id was
 * reused. It is also this process without the lock's token, since an earlier process had this id.
 */
async function hasEnded(owner: LockOwner): Promise<boolean> {
  if (owner.hostname !== hostname()) return false;
  if (owner.pid === process.pid) return !heldTokens.has(owner.token);

  const started = await processStart(owner.pid);
  if (started === 'gone') return true;
  if (started !== 'unknown') {
    const lockedAt = Date.parse(owner.startedAt);
    // A second of slack for the clock ticks that the start time is counted in.
    return started === 'zombie' || (Number.isFinite(lockedAt) && started > lockedAt + 1000);
  }
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process runs as another user.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/**
 * Reads when process `pid` started, in milliseconds since the epoch, from Linux's /proc. Returns
 * `gone` when it does not run, `zombie` when it ended and waits for its parent, and `unknown`
 * where /proc cannot tell.
 */
async function processStart(pid: number): Promise<number | 'gone' | 'zombie' | 'unknown'> {
  if (process.platform !== 'linux') return 'unknown';
  let stat: string;
  let system: string;
  try {
    [stat, system] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile('/proc/stat', 'utf8')]);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unknown';
  }
  // The command name in parentheses may contain spaces, so fields are counted after its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return 'zombie';
  const startTicks = Number(fields[19]);
  const bootSeconds = Number(/^btime (\d+)$/m.exec(system)?.[1]);
  if (!Number.isFinite(startTicks) || !Number.isFinite(bootSeconds)) return 'unknown';
  // NOTE: assumes 100 clock ticks a second (USER_HZ), which Linux uses on x86 and ARM; Node does
  // not expose sysconf(_SC_CLK_TCK).
  return bootSeconds * 1000 + startTicks * 10;
}

/**
 * Removes the stale lock whose content is `staleText` after creating the takeover file, so that of
 * several processes that found the same ended holder only one replaces its lock. Returns false
 * when another process has created the takeover file.
 */
async function takeOver(dataDir: string, lockPath: string, staleText: string): Promise<boolean> {
  const takeoverPath = join(dataDir, TAKEOVER_FILE);
  try {
    await writeFile(takeoverPath, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A takeover file of a process killed during its takeover is removed once it is old.
    const modified = await stat(takeoverPath).then((stats) => stats.mtimeMs, () => null);
    if (modified !== null && Date.now() - modified > TAKEOVER_STALE_MS) await unlink(takeoverPath).catch(() => undefined);
    return false;
  }
  try {
    // Another process may have replaced the stale lock before this one took the takeover file.
    if ((await readFile(lockPath, 'utf8').catch(() => null)) === staleText) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(takeoverPath).catch(() => undefined);
  }
  return true;
}
