import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

const repositoryRoot = join(import.meta.dirname, '..', '..');

// Runs the benchmark harness at its smallest sizes (about 10 s on 2 vCPUs): every comparison
// must run to the end against its own emulator. The figures themselves are not checked.
it('benchmark harness runs in quick mode', () => {
  // A temporary folder of its own shows what the run leaves behind.
  const temporary = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  const run = spawnSync(process.execPath, [join(repositoryRoot, 'test', 'bench', 'run.mjs'), '--quick'], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: temporary },
    timeout: 120_000,
  });
  const leftOver = readdirSync(temporary);
  rmSync(temporary, { recursive: true, force: true });

  expect(run.stderr).not.toMatch(/could not run/);
  expect(run.status).toBe(0);
  for (const title of ['Cold upload of', 'No-op re-sync of', 'Memory with large files', 'Action start']) {
    expect(run.stdout).toContain(title);
  }
  expect(run.stdout).toMatch(/^ {2}side +wall time +requests +peak RSS +emulator busy +emulator CPU +note$/m);
  // The floor row adds the start to the emulator's CPU time, which must have been measured. It
  // ran no process, so its peak RSS and emulator cells are empty.
  expect(run.stdout).toMatch(/^ {2}floor of the sync's requests +\d+ ms +\d+ +start \d+ ms, as \(c\)'s; the emulator's CPU time [1-9]\d* ms/m);
  expect(run.stdout).not.toContain('COULD NOT RUN');
  // The generated files, the bundles, the emulator's files and the syncs' journals are removed.
  expect(leftOver).toEqual([]);
}, 150_000);
