import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator } from '@raster-toolkit/emulator';
import type { RunningEmulator } from '@raster-toolkit/emulator';

import { bundleForNode, NODE, REPOSITORY_ROOT } from './harness/bundle';
import { GeneratedFolder, writeFolder } from './harness/folder';
import { runCli, parseJsonReport } from './harness/interruptions';
import { checkLibrary, listAllAssets, snapshotForeign, uploadRaw } from './harness/library';
import type { ForeignSnapshot, LibraryAccess } from './harness/library';
import { randomPng } from './harness/png';
import { SeededRandom } from './harness/random';
import { makeTempFolder } from './harness/temp';

let emulator: RunningEmulator;
let access: LibraryAccess;
let cliPath: string;
let workspace: { path: string; remove: () => Promise<void> };
let folder: GeneratedFolder;
let foreign: ForeignSnapshot[];
let ownerTag: string;
const random = new SeededRandom(31);

beforeAll(async () => {
  [emulator, cliPath, workspace] = await Promise.all([
    startEmulator({ host: '127.0.0.1', port: 0 }),
    bundleForNode(join(REPOSITORY_ROOT, 'action', 'src', 'cli.ts'), 'raster-sync-cli'),
    makeTempFolder('interruption'),
  ]);
  access = { baseUrl: emulator.url, organizationId: emulator.organizationId, libraryId: emulator.libraryId, apiKey: emulator.writeKey };

  const foreignAssets = await uploadRaw(access, [
    { filename: 'by-hand.png', bytes: randomPng(random) },
    { filename: 'poster.png', bytes: randomPng(random) },
  ]);
  foreign = await snapshotForeign(access, foreignAssets.map((asset) => asset.id));

  folder = new GeneratedFolder(random.fork());
  for (let i = 0; i < 24; i += 1) folder.addImage();
  await writeFolder(root(), folder);
  const first = await runCli(cliOptions(), root());
  ownerTag = parseJsonReport(first)?.ownerTag ?? '';
  expect(ownerTag, `exit ${first.code} ${first.signal}, stdout: ${first.stdout.slice(0, 3000)} stderr tail: ${first.stderr.slice(-1500)}`).toMatch(/^raster-sync:/);
});

afterAll(async () => {
  await emulator?.stop();
  await workspace?.remove();
});

function root(): string {
  return join(workspace.path, 'images');
}

function cliOptions() {
  return { access, cliPath, nodePath: NODE };
}

async function untaggedIds(): Promise<string[]> {
  const foreignIds = new Set(foreign.map((snapshot) => snapshot.id));
  return (await listAllAssets(access)).filter((asset) => !asset.tags.includes(ownerTag) && !foreignIds.has(asset.id)).map((asset) => asset.id);
}

/**
 * Changes the folder, slows uploads and tag calls, starts the CLI and sends `signal` `afterMs`
 * after its first stderr line matching `afterOutput`. Returns the run and the untagged assets it
 * added.
 */
async function interruptedRun(
  signal: NodeJS.Signals, afterOutput: RegExp, afterMs: number, repeat?: { signal: NodeJS.Signals; afterMs: number }, listingLagMs = 0,
) {
  folder.mutate(6);
  await writeFolder(root(), folder);
  const before = new Set(await untaggedIds());
  emulator.admin.configure({ listingLagMs });
  emulator.admin.injectFaults([
    { route: 'upload', kind: 'latency', latencyMs: 400, times: 1000 },
    { route: 'tag-assets', kind: 'latency', latencyMs: 80, times: 1000 },
  ]);
  const interrupt = repeat === undefined ? { signal, afterMs, afterOutput } : { signal, afterMs, afterOutput, repeat };
  const run = await runCli(cliOptions(), root(), interrupt, ['--concurrency', '2']);
  emulator.admin.clearFaults();
  emulator.admin.configure({ listingLagMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, listingLagMs));
  const added = (await untaggedIds()).filter((id) => !before.has(id));
  return { run, added };
}

/** Runs the CLI to the end and checks the library against the folder. */
async function nextRunCheck() {
  const next = await runCli(cliOptions(), root());
  const check = await checkLibrary(access, ownerTag, folder, foreign);
  return { next, check };
}

// Output lines of raster-sync on a non-terminal: a line per phase, then a line per file. The last
// field is the emulator's listing lag, which keeps the run waiting for the listing long enough
// for the signal to arrive in that phase.
const PHASES: Array<[string, RegExp, number, number]> = [
  ['start of uploads', /== uploading/, 0, 0],
  ['upload in flight', /== uploading/, 200, 0],
  ['first tagged file', /\nuploaded {2}/, 0, 0],
  ['prune', /== pruning/, 0, 0],
  ['wait for the listing', /== waiting for listing/, 0, 1_000],
];

describe('raster-sync stopped by a signal', () => {
  it.each(PHASES)('SIGTERM at %s leaves nothing untagged', async (_, afterOutput, afterMs, listingLagMs) => {
    const { run, added } = await interruptedRun('SIGTERM', afterOutput, afterMs, undefined, listingLagMs);

    expect(run.signalled, run.stderr).toBe(true);
    expect(run.hung).toBe(false);
    expect([0, 1]).toContain(run.code);
    expect(added).toEqual([]);

    const { next, check } = await nextRunCheck();
    expect(parseJsonReport(next)?.outcome).toBe('success');
    expect(check.duplicates).toBe(0);
    expect(check.missing).toBe(0);
    expect(check.stale).toBe(0);
    expect(check.foreignTouched).toBe(0);
  });

  it('second signal quits at once and the next run adopts', async () => {
    // As a person pressing Ctrl-C twice: the CLI stops at once, maybe leaving uploads untagged.
    const { run, added } = await interruptedRun('SIGINT', /== uploading/, 100, { signal: 'SIGINT', afterMs: 50 });
    expect(run.signalled, run.stderr).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Received SIGINT again: quitting now/);

    const { next, check } = await nextRunCheck();

    expect(parseJsonReport(next)?.outcome).toBe('success');
    expect(check.duplicates).toBe(0);
    expect(check.missing).toBe(0);
    expect(check.stale).toBe(0);
    expect(check.foreignTouched).toBe(0);
    const stillUntagged = (await untaggedIds()).filter((id) => added.includes(id));
    expect(stillUntagged).toEqual([]);
    for (const id of added) expect(next.stdout + next.stderr).toContain(id);
  });

  it.each(PHASES.slice(0, 3))('SIGKILL at %s converges on the next run', async (_, afterOutput, afterMs) => {
    const { run, added } = await interruptedRun('SIGKILL', afterOutput, afterMs);
    expect(run.signalled, run.stderr).toBe(true);

    const { next, check } = await nextRunCheck();

    expect(parseJsonReport(next)?.outcome).toBe('success');
    expect(check.duplicates).toBe(0);
    expect(check.missing).toBe(0);
    expect(check.stale).toBe(0);
    expect(check.foreignTouched).toBe(0);
    // Uploads the kill left untagged are adopted (or trashed) by the next run, which names them.
    const stillUntagged = (await untaggedIds()).filter((id) => added.includes(id));
    expect(stillUntagged).toEqual([]);
    for (const id of added) expect(next.stdout + next.stderr).toContain(id);
  });
});
