import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { expect, it } from 'vitest';

const repositoryRoot = join(import.meta.dirname, '..', '..');

// Runs the benchmark harness at its smallest sizes (about 10 s on 2 vCPUs): every comparison
// must run to the end against its own emulator. The figures themselves are not checked.
it('benchmark harness runs in quick mode', () => {
  const run = spawnSync(process.execPath, [join(repositoryRoot, 'test', 'bench', 'run.mjs'), '--quick'], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });

  expect(run.stderr).not.toMatch(/could not run/);
  expect(run.status).toBe(0);
  for (const title of ['Cold upload of', 'No-op re-sync of', 'Memory with large files', 'Action start']) {
    expect(run.stdout).toContain(title);
  }
  expect(run.stdout).not.toContain('COULD NOT RUN');
}, 150_000);
