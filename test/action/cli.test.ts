/** The built `raster-sync` bundle, run as a shell runs it, against the emulator on loopback. */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SyncReport } from '@raster-toolkit/core';
import { startEmulator } from '@raster-toolkit/emulator';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  UNUPLOADABLE_SAMPLE_FILES,
  buildAction,
  cliBundle,
  createWorkspace,
  listAssetsRaw,
  listFiles,
  repositoryRoot,
  runAction,
  sampleImages,
  startNode,
  type LibraryAccess,
  type Workspace,
} from './harness';
import { writeNoisePng } from '../bench/images';
import { startForwardProxy } from '../core/support/forward-proxy';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

let emulator: Emulator;
let workspace: Workspace;
let library: LibraryAccess;
let env: Record<string, string>;

beforeAll(async () => {
  await buildAction();
}, 120_000);

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  workspace = await createWorkspace();
  library = { url: emulator.url, organizationId: emulator.organizationId, libraryId: emulator.libraryId, key: emulator.readKey };
  env = { RASTER_API_KEY: emulator.writeKey, RASTER_API_URL: emulator.url, RASTER_LIBRARY: emulator.libraryId };
});

afterEach(async () => {
  await emulator.stop();
  await rm(path.dirname(workspace.root), { recursive: true, force: true });
});

async function runCli(args: string[], environment = env) {
  const result = await startNode(cliBundle, args, environment, workspace.root).result;
  const report = result.stdout.startsWith('{') ? (JSON.parse(result.stdout) as SyncReport) : undefined;
  return { ...result, report };
}

describe('raster-sync CLI', () => {
  it('syncs the sample folder and exits 0', async () => {
    const uploadable = (await listFiles(sampleImages)).filter((file) => !UNUPLOADABLE_SAMPLE_FILES.includes(file));

    const run = await runCli(['images', '--json', '--sync-id', 'octo-org/site/images']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.outcome).toBe('success');
    expect(run.report?.counts.uploaded).toBe(uploadable.length);
    expect(run.report?.counts.skipped).toBe(UNUPLOADABLE_SAMPLE_FILES.length);
    const uploaded = run.report?.files.filter((file) => file.status === 'uploaded').map((file) => file.path).sort();
    expect(uploaded).toEqual(uploadable);
    expect(await listAssetsRaw(library)).toHaveLength(uploadable.length);
    expect(run.stderr).toContain('Sync into');
    expect(run.stderr).not.toContain(emulator.writeKey);
    expect(run.stdout.split('\n')).toHaveLength(2);
  });

  it('finds the action uploads unchanged with the same sync id', async () => {
    const action = await runAction(workspace, { 'api-key': emulator.writeKey, 'api-url': emulator.url, library: emulator.libraryId, path: 'images' });
    expect(action.code).toBe(0);

    const run = await runCli(['--path', 'images', '--json', '--sync-id', action.report?.syncId ?? '']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.counts.uploaded).toBe(0);
    expect(run.report?.counts.unchanged).toBe(action.report?.counts.uploaded);
    expect(run.report?.plan.skipped).toEqual(action.report?.plan.skipped);
    expect(run.report?.ownerTag).toBe(action.report?.ownerTag);
  });

  it('shares the default sync id with the action in a clone', async () => {
    await mkdir(path.join(workspace.root, '.git'), { recursive: true });
    await writeFile(path.join(workspace.root, '.git/config'), '[remote "origin"]\n\turl = git@github.com:octo-org/site.git\n');
    const action = await runAction(workspace, { 'api-key': emulator.writeKey, 'api-url': emulator.url, library: emulator.libraryId, path: 'images' });
    expect(action.code).toBe(0);
    expect(action.report?.syncId).toBe('octo-org/site:images');

    const run = await runCli(['images', '--json']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.syncId).toBe('octo-org/site:images');
    expect(run.report?.counts.uploaded).toBe(0);
    expect(run.report?.counts.unchanged).toBe(action.report?.counts.uploaded);
  });

  it('prints plain lines without a terminal', async () => {
    const run = await runCli(['images']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^== uploading$/m);
    expect(run.stderr).toMatch(/^uploaded {2}brand\/logo-128\.png/m);
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout).toMatch(/^Plan:$/m);
    expect(run.stdout).toMatch(/^ {2}\+ brand\/logo-128\.png \(.*\) will be uploaded$/m);
    expect(run.stdout).toMatch(/^Assets:$/m);
  });

  it('prints the plan before the first upload', async () => {
    const run = await runCli(['images', '--json']);

    expect(run.code, run.stderr).toBe(0);
    const plan = run.stderr.indexOf('+ brand/logo-128.png');
    expect(plan).toBeGreaterThan(-1);
    expect(run.stderr.indexOf('uploaded  brand/logo-128.png')).toBeGreaterThan(plan);
    expect(run.stderr.indexOf('== uploading')).toBeGreaterThan(plan);
    expect(run.stderr.indexOf('succeeded.')).toBeGreaterThan(run.stderr.indexOf('uploaded  brand/logo-128.png'));
    expect(run.stderr.match(/^Syncing /gm)).toHaveLength(1);
  });

  it('prints a rejected key as an error', async () => {
    const run = await runCli(['images'], { ...env, RASTER_API_KEY: 'pk_wrongwrongwrongwrongwrongwrong' });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Resolving the organization from the API key failed, so nothing was written: GET \/me failed with 401/m);
    expect(run.stderr).not.toContain('warning:');
    expect(run.stderr).not.toContain('belongs to this organization');
  });

  it('warns about a pattern that matched nothing', async () => {
    const run = await runCli(['images', '--include', 'brand/', '--include', 'nope/*.png', '--dry-run', '--json']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: The --include pattern "nope/*.png" matched no file.');
    expect(run.stderr).not.toContain('"brand/" matched no file');
    expect(run.report?.plan.upload.length).toBeGreaterThan(0);
    for (const file of run.report?.plan.upload ?? []) expect(file.path).toMatch(/^brand\//);
  });

  it('exits 2 on an invalid pattern', async () => {
    const run = await runCli(['images', '--include', '[']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Invalid pattern in --include: "[": ');
    expect(emulator.admin.stats().requests).toBe(0);
  });

  it('exits 2 on invalid use', async () => {
    const invalid = await runCli(['images', '--concurrency', '0']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--concurrency');

    const missingKey = await runCli(['images'], { RASTER_LIBRARY: emulator.libraryId });
    expect(missingKey.code).toBe(2);
    expect(missingKey.stderr).toContain('RASTER_API_KEY');

    const valued = await runCli(['images', '--prune=maybe']);
    expect(valued.code).toBe(2);

    const unknown = await runCli(['images', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error: Unknown option --bogus. Run raster-sync --help for the options.\n');

    const negative = await runCli(['images', '--concurrency', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('error: --concurrency must be a whole number from 1 to 32, got "-1".');

    const rejectedByEngine = await runCli(['images', '--concurrency', '100000']);
    expect(rejectedByEngine.code).toBe(2);
    expect(rejectedByEngine.stderr).toContain('concurrency');

    const spacedLibrary = await runCli(['images', '--library', 'demo library', '--dry-run']);
    expect(spacedLibrary.code).toBe(2);
    expect(spacedLibrary.stderr).toContain('error: Invalid --library: "demo library". ');

    const spacedOrganization = await runCli(['images', '--organization', 'the organization']);
    expect(spacedOrganization.code).toBe(2);
    expect(spacedOrganization.stderr).toContain('error: Invalid --organization: "the organization". ');
    expect(emulator.admin.stats().requests).toBe(0);
  });

  it('syncs through HTTP_PROXY', async () => {
    const proxy = await startForwardProxy();
    try {
      const run = await runCli(['images/brand', '--json'], { ...env, HTTP_PROXY: proxy.url });

      expect(run.code, run.stderr).toBe(0);
      expect(run.report?.counts.uploaded).toBeGreaterThan(0);
      // One CONNECT tunnel per connection, each to the emulator.
      expect(proxy.targets.length).toBeGreaterThan(0);
      expect(new Set(proxy.targets)).toEqual(new Set([new URL(emulator.url).host]));
    } finally {
      await proxy.close();
    }
  });

  it('exits 2 on an invalid proxy URL', async () => {
    const run = await runCli(['images'], { ...env, HTTPS_PROXY: 'proxy.example:8080 with:secret' });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: Invalid HTTPS_PROXY: it is not an http:, https:, socks5: or socks: URL.');
    expect(run.stderr).not.toContain('secret');
    expect(emulator.admin.stats().requests).toBe(0);
  });

  it('exits 3 when a guard stops the run', async () => {
    const first = await runCli(['images']);
    expect(first.code).toBe(0);
    await rm(path.join(workspace.root, 'images/brand'), { recursive: true });

    const guarded = await runCli(['images', '--max-deletes', '10%', '--json']);

    expect(guarded.code).toBe(3);
    expect(guarded.report?.outcome).toBe('guard');
    expect(guarded.stderr).toContain('Stopped by a guard, nothing was written: ');
    expect(guarded.stderr).not.toContain('warning: Stopped');

    const missing = await runCli(['no-such-folder']);
    expect(missing.code).toBe(3);
  });

  it('exits 3 when a dry run exceeds the budget', async () => {
    const first = await runCli(['images']);
    expect(first.code).toBe(0);
    await rm(path.join(workspace.root, 'images/brand'), { recursive: true });

    const dryRun = await runCli(['images', '--max-deletes', '1', '--dry-run']);

    expect(dryRun.code).toBe(3);
    expect(dryRun.stdout).toContain('Plan (dry run, nothing will be written):');
    expect(dryRun.stderr).toContain('Stopped by a guard, nothing was written: The plan would trash');
  });

  it('documents exit 3 of a dry run', async () => {
    const help = await runCli(['--help'], {});
    const readme = await readFile(path.join(repositoryRoot, 'README.md'), 'utf8');

    expect(help.stdout).toContain('0  the sync succeeded, or the dry run finished and no guard stopped it');
    expect(help.stdout).toMatch(/a dry run whose plan fails a\s+guard exits 3 too/);
    expect(readme).toContain('| 0 | The sync succeeded, or the dry run finished and no guard stopped it. |');
    expect(readme).toContain('A dry run exits 3 too when its plan fails a guard');
  });

  it('exits 1 when a file fails', async () => {
    const images = path.join(workspace.root, 'images');
    await writeFile(path.join(images, 'big.webp'), Buffer.concat([await readFile(path.join(sampleImages, 'photos/wallpapers/adwaita-l.webp')), Buffer.from('x')]));
    emulator.admin.configure({ maxFileSize: 2 * 1024 * 1024 });

    const run = await runCli(['images', '--json']);

    expect(run.code).toBe(1);
    expect(run.report?.files.find((file) => file.path === 'big.webp')?.status).toBe('failed');
    expect(run.stderr).toMatch(/x big\.webp failed: /);
  });

  it('writes no workflow command from service messages', async () => {
    emulator.admin.injectFaults([{ route: 'upload', kind: 'status', status: 400, code: 'BAD\n::error::injected\n##[error]v1' }]);

    const run = await runCli(['images']);

    expect(run.code).toBe(1);
    const lines = `${run.stdout}\n${run.stderr}`.split('\n');
    expect(lines.filter((line) => line.trimStart().startsWith('::'))).toEqual([]);
    expect(lines.filter((line) => line.includes('##['))).toEqual([]);
    expect(run.stderr).toContain('\\u003a:error::injected');
  });

  it('stops cleanly on SIGINT and exits 1', async () => {
    const first = await runCli(['images/themes', '--json']);
    expect(first.code).toBe(0);
    await rm(path.join(workspace.root, 'images/themes/joy'), { recursive: true });
    for (const folder of ['brand', 'docs', 'odd', 'unicode', 'photos']) {
      await cp(path.join(sampleImages, folder), path.join(workspace.root, 'images/themes/extra', folder), { recursive: true });
    }
    emulator.admin.injectFaults([{ route: 'upload', kind: 'latency', latencyMs: 800, times: 1000 }]);

    const running = startNode(cliBundle, ['images/themes', '--json', '--concurrency', '1'], env, workspace.root);
    await running.waitForOutput(/^uploaded {2}/m);
    running.kill('SIGINT');
    const result = await running.result;
    const report = JSON.parse(result.stdout) as SyncReport;

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Received SIGINT');
    expect(report.outcome).toBe('partial');
    expect(report.counts.pruned).toBe(0);
    expect(report.counts.uploaded).toBeGreaterThan(0);
    expect(report.stopReason).toMatch(/stopped/i);
    const listed = await listAssetsRaw(library);
    expect(listed).toHaveLength((first.report?.counts.uploaded ?? 0) + report.counts.uploaded);
    for (const asset of listed) expect(asset.tags, asset.name ?? asset.id).toContain(report.ownerTag);
  });

  it('says where untagged uploads go after a second SIGINT', async () => {
    // Slow tag calls: the uploads are stored but still untagged when the second signal comes.
    emulator.admin.injectFaults([{ route: 'tag-assets', kind: 'latency', latencyMs: 3000, times: 1000 }]);
    // A private journal folder, so that the next run finds this run's journal and nothing else.
    const journalEnv = { ...env, TMPDIR: path.join(workspace.root, 'tmp') };
    await mkdir(journalEnv.TMPDIR, { recursive: true });

    const running = startNode(cliBundle, ['images/brand', '--concurrency', '1'], journalEnv, workspace.root);
    await running.waitForOutput(/^== uploading$/m);
    for (let attempt = 0; (await listAssetsRaw(library)).length === 0; attempt++) {
      if (attempt > 100) throw new Error('No upload was stored within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running.kill('SIGINT');
    await running.waitForOutput(/Received SIGINT:/);
    running.kill('SIGINT');
    const result = await running.result;

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Received SIGINT again: quitting now. Uploads in flight may be left untagged.');
    expect(result.stderr).toContain('The next run of this sync on this machine adopts them through its local upload journal');
    expect(result.stderr).toContain('a run on another machine uploads those files again.');

    emulator.admin.clearFaults();
    const next = await runCli(['images/brand', '--json'], journalEnv);
    expect(next.code, next.stderr).toBe(0);
    const listed = await listAssetsRaw(library);
    expect(next.report?.adoptedAssetIds?.length ?? 0).toBeGreaterThan(0);
    expect(listed).toHaveLength((next.report?.counts.uploaded ?? 0) + (next.report?.counts.unchanged ?? 0));
  });

  it('prints help', async () => {
    const run = await runCli(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: raster-sync');
    expect(run.stdout).toContain('--max-file-size <size>');
    expect(run.stdout).toContain('Exit codes:');
  });

  it('skips files over --max-file-size', async () => {
    const run = await runCli(['images', '--json', '--max-file-size', '3000']);

    expect(run.code, run.stderr).toBe(0);
    const large = run.report?.files.find((file) => file.path === 'brand/logo-256.png');
    expect(large?.status).toBe('skipped');
    expect(large?.reason).toBe(
      "The file is 4589 bytes, over the per-file limit of 3000 bytes set by --max-file-size, the action's max-file-size input or the maxFileSize sync option.",
    );
    const small = run.report?.files.find((file) => file.path === 'brand/logo-text-128.png');
    expect(small?.status).toBe('uploaded');
    expect(run.stderr).toContain('brand/logo-256.png will be skipped: The file is 4589 bytes');
  });

  it('prints skipped awkward names as JSON strings', async () => {
    await writeFile(path.join(workspace.root, 'images', 'line\nbreak.png'), 'x');
    await writeFile(path.join(workspace.root, 'images', 'back\\slash.png'), 'x');

    const run = await runCli(['images', '--dry-run']);
    const json = await runCli(['images', '--dry-run', '--json']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('  ! "back\\\\slash.png" would be skipped: Its name contains a backslash');
    expect(run.stdout).toContain('  ! "line\\nbreak.png" would be skipped: Its name contains a control character');
    expect(run.stdout).not.toContain('%0A');
    expect(run.stdout).not.toContain('%5C');
    const skipped = json.report?.plan.skipped.map((file) => file.path);
    expect(skipped).toContain('line\nbreak.png');
    expect(skipped).toContain('back\\slash.png');
  });

  it('uploads large files with frozen V8 flags', async () => {
    await mkdir(path.join(workspace.root, 'large'));
    await writeNoisePng(path.join(workspace.root, 'large', 'poster.png'), 'frozen-flags', 6_000_000);

    // Setting a V8 flag after start ends a process started with this option.
    const run = await startNode(cliBundle, ['large', '--json'], env, workspace.root, ['--freeze-flags-after-init']).result;

    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as SyncReport).counts.uploaded).toBe(1);
  });

  it('exits 2 on an invalid --max-file-size', async () => {
    const run = await runCli(['images', '--max-file-size', '100MB']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: --max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "100MB".',
    );
    expect(emulator.admin.stats().requests).toBe(0);
  });
});
