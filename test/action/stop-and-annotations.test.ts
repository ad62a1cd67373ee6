/**
 * The built action bundle against the emulator: a workflow cancelled while the library is listed,
 * the order of the warning annotations that GitHub caps at 10 per step, and an outputs file that
 * cannot be written.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startEmulator } from '@raster-toolkit/emulator';

import { buildAction, createWorkspace, runAction, startAction, type Workspace } from './harness';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/**
 * Time from the runner's SIGINT to its kill of the step: SIGTERM after 7500 ms, then the kill
 * 2500 ms later (docs.github.com, "Workflow cancellation reference").
 */
const RUNNER_KILL_DELAY_MS = 10_000;

/** Warning annotations GitHub shows per step, dropping later ones (actions/toolkit, docs/problem-matchers.md). */
const SHOWN_WARNINGS_PER_STEP = 10;

let emulator: Emulator;
let workspace: Workspace;
let inputs: Record<string, string>;

beforeAll(async () => {
  await buildAction();
}, 120_000);

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  workspace = await createWorkspace();
  inputs = {
    'api-key': emulator.writeKey,
    'api-url': emulator.url,
    organization: emulator.organizationId,
    library: emulator.libraryId,
    path: 'images/brand',
  };
});

afterEach(async () => {
  await emulator.stop();
  await rm(path.dirname(workspace.root), { recursive: true, force: true });
});

describe('action stopped while listing', () => {
  it('exits before the runner kills it', async () => {
    emulator.admin.injectFaults([{ route: 'list-assets', kind: 'latency', latencyMs: 20_000 }]);

    const running = await startAction(workspace, inputs);
    await running.waitForOutput(/^::group::List the assets this sync owns$/m);
    const signalledAt = Date.now();
    running.kill('SIGINT');
    const run = await running.run;
    const elapsedMs = Date.now() - signalledAt;

    expect(run.stdout).toMatch(/Received SIGINT/);
    expect(elapsedMs, run.stdout).toBeLessThan(RUNNER_KILL_DELAY_MS);
  }, 60_000);

  it('counts no file as cancelled', async () => {
    emulator.admin.injectFaults([{ route: 'list-assets', kind: 'latency', latencyMs: 3_000 }]);

    const running = await startAction(workspace, inputs);
    await running.waitForOutput(/^::group::List the assets this sync owns$/m);
    running.kill('SIGINT');
    const run = await running.run;

    // README, "GitHub Action": a run stopped before its plan is made writes nothing and counts
    // no file as cancelled.
    expect(run.code).toBe(1);
    expect(run.outputs['uploaded']).toBe('0');
    expect(run.outputs['cancelled'], run.stdout).toBe('0');
  }, 60_000);
});

describe('action warning annotations', () => {
  it('show skipped files within the cap', async () => {
    const unmatched = ['*.jpg', '*.jpeg', '*.gif', '*.webp', '*.avif', '*.tif', '*.tiff', '*.bmp', '*.heic', '*.ico'];
    const run = await runAction(workspace, { ...inputs, include: ['*.png', ...unmatched].join('\n'), 'max-file-size': '3000' });

    expect(run.code, run.stdout).toBe(0);
    const warnings = run.stdout.split('\n').filter((line) => line.startsWith('::warning'));
    const skippedWarning = warnings.findIndex((line) => line.includes('file=images/brand/logo-256.png'));
    expect(skippedWarning, warnings.join('\n')).toBeGreaterThanOrEqual(0);
    expect(skippedWarning, warnings.join('\n')).toBeLessThan(SHOWN_WARNINGS_PER_STEP);
  }, 60_000);
});

describe('action outputs file', () => {
  it('fails a sync whose outputs cannot be written', async () => {
    const missing = path.join(workspace.runnerTemp, 'missing', 'github-output');

    const run = await (await startAction(workspace, inputs, { GITHUB_OUTPUT: missing })).run;

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Sync into demo-org/demo-library succeeded.');
    expect(run.stdout).toContain(`::error::The step outputs could not be written to GITHUB_OUTPUT (${missing}): `);
    expect(run.stdout).toContain('The sync itself finished; its result is in the log and the job summary.');
    expect(run.stdout).not.toContain('failed unexpectedly');
    expect(run.summary).toContain('Raster sync');
  }, 60_000);
});
