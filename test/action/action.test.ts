/**
 * The built action bundle, run as GitHub's runner runs it (`node action/dist/index.cjs` with
 * INPUT_* variables and the runner's command files), against the emulator on loopback.
 */
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startEmulator } from '@raster-toolkit/emulator';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  UNUPLOADABLE_SAMPLE_FILES,
  buildAction,
  createWorkspace,
  listAssetsRaw,
  listFiles,
  readActionMetadata,
  runAction,
  sampleImages,
  startAction,
  uploadRaw,
  type LibraryAccess,
  type Workspace,
} from './harness';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

let emulator: Emulator;
let workspace: Workspace;
let library: LibraryAccess;
let inputs: Record<string, string>;

beforeAll(async () => {
  await buildAction();
}, 120_000);

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  workspace = await createWorkspace();
  library = { url: emulator.url, organizationId: emulator.organizationId, libraryId: emulator.libraryId, key: emulator.readKey };
  inputs = { 'api-key': emulator.writeKey, 'api-url': emulator.url, library: emulator.libraryId, path: 'images', concurrency: '4' };
});

afterEach(async () => {
  await emulator.stop();
  await rm(path.dirname(workspace.root), { recursive: true, force: true });
});

/** Files of the sample folder that the API takes: everything but hidden and unuploadable files. */
async function uploadableSampleFiles(): Promise<string[]> {
  const files = await listFiles(sampleImages);
  return files.filter((file) => !UNUPLOADABLE_SAMPLE_FILES.includes(file));
}

const WRITE_ROUTES = ['upload', 'delete-assets', 'tag-assets', 'untag-assets', 'set-description', 'transfer-assets', 'create-library', 'rename-library'];

/** Requests the emulator received on routes that change the library. */
function writeRequests(): number {
  const { byRoute } = emulator.admin.stats();
  return WRITE_ROUTES.reduce((sum, route) => sum + (byRoute[route] ?? 0), 0);
}

describe('action bundle', () => {
  it('uploads every uploadable file exactly once', async () => {
    const expected = await uploadableSampleFiles();

    const run = await runAction(workspace, inputs);

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['uploaded']).toBe(String(expected.length));
    expect(run.outputs['unchanged']).toBe('0');
    expect(run.outputs['pruned']).toBe('0');
    expect(run.outputs['failed']).toBe('0');
    expect(run.outputs['skipped']).toBe(String(UNUPLOADABLE_SAMPLE_FILES.length));

    const assetsOutput = JSON.parse(run.outputs['assets'] ?? '{}') as Record<string, { id: string; url: string }>;
    expect(Object.keys(assetsOutput).sort()).toEqual(expected);

    const listed = await listAssetsRaw(library);
    expect(listed).toHaveLength(expected.length);
    expect(new Set(listed.map((asset) => asset.id))).toEqual(new Set(Object.values(assetsOutput).map((asset) => asset.id)));
    for (const [file, asset] of Object.entries(assetsOutput)) {
      const match = listed.find((candidate) => candidate.id === asset.id);
      expect(match?.size, file).toBe((await stat(path.join(sampleImages, file))).size);
      expect(match?.tags, file).toContain(run.report?.ownerTag);
      expect(match?.url, file).toBe(asset.url);
    }
  });

  it('reports each file the API cannot take with a warning', async () => {
    const run = await runAction(workspace, inputs);

    for (const file of UNUPLOADABLE_SAMPLE_FILES) {
      const warning = run.stdout.split('\n').find((line) => line.startsWith('::warning') && line.includes(`file=images/${file}`));
      expect(warning, file).toBeDefined();
      const outcome = run.report?.files.find((entry) => entry.path === file);
      expect(outcome?.status, file).toBe('skipped');
      expect(outcome?.reason, file).toBeTruthy();
      expect(warning, file).toContain(outcome?.reason?.split('\n')[0]?.slice(0, 20));
    }
  });

  it('writes outputs, a report file and a job summary', async () => {
    const run = await runAction(workspace, inputs);

    const reportPath = run.outputs['report'] ?? '';
    expect(reportPath.startsWith(workspace.runnerTemp)).toBe(true);
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as { counts: { uploaded: number } };
    expect(report.counts.uploaded).toBe(Number(run.outputs['uploaded']));
    expect(run.outputs['plan']).toBeUndefined();

    expect(run.summary).toContain('Raster sync');
    expect(run.summary).toContain('<img src="');
    expect(run.summary).toContain('Skipped files (5)');
    expect(run.stdout).toMatch(/^::group::Upload$/m);
    expect(run.stdout).toMatch(/^::group::Compute the plan$/m);
  });

  it('prints the plan before the first upload', async () => {
    const run = await runAction(workspace, inputs);

    const plan = run.stdout.indexOf('+ brand/logo-128.png');
    const upload = run.stdout.indexOf('uploaded  brand/logo-128.png');
    expect(plan).toBeGreaterThan(-1);
    expect(run.stdout).toMatch(/^ {2}\+ brand\/logo-128\.png \(.*\) will be uploaded$/m);
    expect(upload).toBeGreaterThan(plan);
    expect(run.stdout.indexOf('::group::Upload')).toBeGreaterThan(plan);
  });

  it('uploads nothing on a second run', async () => {
    const first = await runAction(workspace, inputs);
    expect(first.code).toBe(0);

    const second = await runAction(workspace, inputs);

    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs['uploaded']).toBe('0');
    expect(second.outputs['pruned']).toBe('0');
    expect(second.outputs['unchanged']).toBe(first.outputs['uploaded']);
    expect(second.outputs['assets']).toBe(first.outputs['assets']);
    expect(await listAssetsRaw(library)).toHaveLength(Number(first.outputs['uploaded']));
  });

  it('uploads two and prunes two after a change, a delete and an add', async () => {
    const first = await runAction(workspace, inputs);
    expect(first.code).toBe(0);
    const foreign = await uploadRaw({ ...library, key: emulator.writeKey }, 'someone-else.png', await readFile(path.join(sampleImages, 'brand/logo-128.png')));
    const before = JSON.parse(first.outputs['assets'] ?? '{}') as Record<string, { id: string }>;

    const images = path.join(workspace.root, 'images');
    await writeFile(path.join(images, 'docs/diagrams/logo.svg'), (await readFile(path.join(images, 'docs/diagrams/logo.svg'), 'utf8')).replace('</svg>', '<!-- edited --></svg>'));
    await rm(path.join(images, 'brand/logo-256.png'));
    await writeFile(path.join(images, 'brand/new-logo.png'), await readFile(path.join(sampleImages, 'brand/logo-text-version-64.png')));

    const run = await runAction(workspace, inputs);

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['uploaded']).toBe('2');
    expect(run.outputs['pruned']).toBe('2');
    const uploaded = run.report?.files.filter((file) => file.status === 'uploaded').map((file) => file.path).sort();
    expect(uploaded).toEqual(['brand/new-logo.png', 'docs/diagrams/logo.svg']);
    const pruned = run.report?.files.filter((file) => file.status === 'pruned').map((file) => file.assetId).sort();
    expect(pruned).toEqual([before['brand/logo-256.png']?.id, before['docs/diagrams/logo.svg']?.id].sort());

    const listed = await listAssetsRaw(library);
    expect(listed.map((asset) => asset.id)).toContain(foreign.id);
    expect(listed.find((asset) => asset.id === foreign.id)?.tags).toEqual(foreign.tags);
    expect(listed).toHaveLength(Number(first.outputs['uploaded']) + 1);
    expect(run.report?.counts.foreign).toBe(1);
  });

  it('writes nothing in a dry run and outputs the plan', async () => {
    const dry = await runAction(workspace, { ...inputs, 'dry-run': 'true' });

    expect(dry.code, dry.stdout).toBe(0);
    expect(await listAssetsRaw(library)).toHaveLength(0);
    expect(writeRequests()).toBe(0);
    const plan = JSON.parse(dry.outputs['plan'] ?? 'null') as { upload: Array<{ path: string }> } | null;
    expect(plan?.upload.map((file) => file.path).sort()).toEqual(await uploadableSampleFiles());

    const real = await runAction(workspace, inputs);
    expect(real.report?.plan).toEqual(dry.report?.plan);
    expect(JSON.parse(dry.outputs['plan'] ?? 'null')).toEqual(real.report?.plan);
  });

  it('fails the step before any write when a guard stops the run', async () => {
    const first = await runAction(workspace, inputs);
    expect(first.code).toBe(0);
    await rm(path.join(workspace.root, 'images/brand'), { recursive: true });
    const requestsBefore = writeRequests();

    const run = await runAction(workspace, { ...inputs, 'max-deletes': '2' });

    expect(run.code).toBe(1);
    expect(run.report?.outcome).toBe('guard');
    expect(run.stdout).toMatch(/^::error::Stopped by a guard, nothing was written to .*: /m);
    expect(run.stdout).not.toMatch(/Warning: Stopped by a guard/);
    expect(writeRequests()).toBe(requestsBefore);
    expect(await listAssetsRaw(library)).toHaveLength(Number(first.outputs['uploaded']));
  });

  it('fails the step when the folder is missing', async () => {
    const run = await runAction(workspace, { ...inputs, path: 'no-such-folder' });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::.*no-such-folder/m);
    expect(writeRequests()).toBe(0);
  });

  it('uploads the other files when one gets a 413 and prunes nothing', async () => {
    const first = await runAction(workspace, inputs);
    expect(first.code).toBe(0);
    const images = path.join(workspace.root, 'images');
    await rm(path.join(images, 'brand/logo-256.png'));
    await writeFile(path.join(images, 'brand/new-logo.png'), await readFile(path.join(sampleImages, 'brand/logo-text-version-64.png')));
    await writeFile(path.join(images, 'photos/big.webp'), Buffer.concat([await readFile(path.join(sampleImages, 'photos/wallpapers/adwaita-l.webp')), Buffer.from('x')]));
    emulator.admin.configure({ maxFileSize: 2 * 1024 * 1024 });

    const run = await runAction(workspace, inputs);

    expect(run.code).toBe(1);
    expect(run.outputs['failed']).toBe('1');
    expect(run.outputs['uploaded']).toBe('1');
    expect(run.outputs['pruned']).toBe('0');
    expect(run.report?.files.find((file) => file.path === 'photos/big.webp')?.status).toBe('failed');
    expect(run.stdout).toMatch(/^::error title=[^,\n]*,file=images\/photos\/big\.webp::/m);
    expect(run.stdout).toMatch(/^::error::Sync into .*photos\/big\.webp/m);
    const listed = await listAssetsRaw(library);
    expect(listed).toHaveLength(Number(first.outputs['uploaded']) + 1);
  });

  it('tags what it uploaded and prunes nothing on SIGTERM', async () => {
    const themes = { ...inputs, path: 'images/themes' };
    const first = await runAction(workspace, themes);
    expect(first.code).toBe(0);
    await rm(path.join(workspace.root, 'images/themes/joy'), { recursive: true });
    // More new files than fit in two upload batches of 20: the next batch uploads while the last
    // one is tagged, and a third batch is still waiting when the signal comes.
    for (const copy of ['extra-1', 'extra-2', 'extra-3']) {
      for (const folder of ['brand', 'docs', 'odd', 'unicode', 'photos']) {
        await cp(path.join(sampleImages, folder), path.join(workspace.root, 'images/themes', copy, folder), { recursive: true });
      }
    }
    emulator.admin.injectFaults([{ route: 'upload', kind: 'latency', latencyMs: 800, times: 1000 }]);

    const running = await startAction(workspace, { ...themes, concurrency: '1' });
    await running.waitForOutput(/^uploaded {2}/m);
    running.kill('SIGTERM');
    const run = await running.run;

    expect(run.code).toBe(1);
    expect(run.report?.outcome).toBe('partial');
    expect(run.report?.stopReason).toMatch(/stopped/i);
    expect(run.outputs['pruned']).toBe('0');
    expect(Number(run.outputs['uploaded'])).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/Received SIGTERM/);
    expect(Number(run.outputs['cancelled'])).toBeGreaterThan(0);
    expect(run.outputs['cancelled']).toBe(String(run.report?.counts.cancelled));
    expect(run.stdout).toMatch(/^::warning title=Raster sync cancelled uploads::\d+ files? (was|were) not uploaded because the run was stopped/m);
    expect(run.stdout).not.toMatch(/^::warning .*stopped before this file/m);
    expect(run.summary).toContain('Cancelled: not uploaded because the run was stopped');

    const ownerTag = run.report?.ownerTag ?? '';
    const listed = await listAssetsRaw(library);
    const joyAssets = Object.entries(JSON.parse(first.outputs['assets'] ?? '{}') as Record<string, { id: string }>)
      .filter(([file]) => file.startsWith('joy/'))
      .map(([, asset]) => asset.id);
    expect(joyAssets.length).toBeGreaterThan(0);
    for (const id of joyAssets) expect(listed.map((asset) => asset.id)).toContain(id);
    for (const asset of listed) {
      expect(asset.tags, asset.name ?? asset.id).toContain(ownerTag);
      const fingerprintTags = asset.tags.filter((tag) => tag.startsWith(`${ownerTag}:`) && !tag.startsWith(`${ownerTag}:path:`));
      expect(fingerprintTags, asset.name ?? asset.id).toHaveLength(1);
    }
  });

  it('adopts an upload whose response was lost', async () => {
    const expected = await uploadableSampleFiles();
    emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);
    expect(emulator.admin.listFaults()).toHaveLength(1);

    const run = await runAction(workspace, inputs);

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['uploaded']).toBe(String(expected.length));
    expect(emulator.admin.listFaults()).toEqual([]);
    const listed = await listAssetsRaw(library);
    expect(listed).toHaveLength(expected.length);
    for (const asset of listed) expect(asset.tags, asset.name ?? asset.id).toContain(run.report?.ownerTag);
  });

  it('waits out the listing lag so the next run uploads nothing', async () => {
    emulator.admin.configure({ listingLagMs: 1500 });

    const first = await runAction(workspace, { ...inputs, path: 'images/brand' });
    const second = await runAction(workspace, { ...inputs, path: 'images/brand' });

    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs['uploaded']).toBe('7');
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs['uploaded']).toBe('0');
    expect(second.outputs['unchanged']).toBe('7');
  });

  it('fails with the API error on a wrong key', async () => {
    const wrongKey = 'pk_wrongwrongwrongwrongwrongwrong';

    const run = await runAction(workspace, { ...inputs, 'api-key': wrongKey, organization: emulator.organizationId });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::Listing the library failed, so nothing was written: .*401/m);
    expect(run.stdout).toMatch(/^::error::Sync into .* failed\.$/m);
    expect(run.stdout.split('\n').filter((line) => line.includes(wrongKey))).toEqual([`::add-mask::${wrongKey}`]);
    expect(writeRequests()).toBe(0);
  });

  it('names the organization lookup when a key fails without one', async () => {
    const run = await runAction(workspace, { ...inputs, 'api-key': 'pk_wrongwrongwrongwrongwrongwrong' });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::Resolving the organization from the API key failed, so nothing was written: GET \/me failed with 401/m);
    expect(run.stdout).not.toContain('belongs to this organization');
    expect(run.stdout).not.toMatch(/Warning: .*failed/);
  });

  it('sets every output action.yml declares', async () => {
    const { outputs } = await readActionMetadata();

    const run = await runAction(workspace, inputs);
    const dry = await runAction(workspace, { ...inputs, 'dry-run': 'true' });

    expect(Object.keys(run.outputs).sort()).toEqual(outputs.filter((name) => name !== 'plan').sort());
    expect(Object.keys(dry.outputs).sort()).toEqual([...outputs].sort());
  });

  it('fails naming an invalid boolean input', async () => {
    const run = await runAction(workspace, { ...inputs, 'include-hidden': 'yes' });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::include-hidden must be true or false, got "yes"\./m);
    expect(emulator.admin.stats().requests).toBe(0);
  });

  it('skips files over the max-file-size input', async () => {
    const run = await runAction(workspace, { ...inputs, 'max-file-size': '3000' });

    expect(run.code, run.stdout).toBe(0);
    const large = run.report?.files.find((file) => file.path === 'brand/logo-256.png');
    expect(large?.status).toBe('skipped');
    expect(large?.reason).toBe(
      "The file is 4589 bytes, over the per-file limit of 3000 bytes set by --max-file-size, the action's max-file-size input or the maxFileSize sync option.",
    );
    const warning = run.stdout.split('\n').find((line) => line.startsWith('::warning') && line.includes('file=images/brand/logo-256.png'));
    expect(warning).toContain('over the per-file limit of 3000 bytes');
    const assets = JSON.parse(run.outputs['assets'] ?? '{}') as Record<string, unknown>;
    expect(assets).toHaveProperty(['brand/logo-text-128.png']);
    expect(assets).not.toHaveProperty(['brand/logo-256.png']);
  });

  it('prints skipped awkward names as JSON strings', async () => {
    await writeFile(path.join(workspace.root, 'images', 'line\nbreak.png'), 'x');

    const run = await runAction(workspace, { ...inputs, 'dry-run': 'true' });

    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('  ! "line\\nbreak.png" would be skipped: Its name contains a control character');
    const warning = run.stdout.split('\n').find((line) => line.startsWith('::warning') && line.includes('break.png'));
    expect(warning).toContain('title=Raster sync skipped%3A "line\\nbreak.png"');
    // Workflow commands escape a line break in a property as %0A; the runner decodes it back.
    expect(warning).toContain(',file=images/line%0Abreak.png::');
    expect(run.report?.files.find((file) => file.status === 'skipped' && file.path.endsWith('break.png'))?.path).toBe('line\nbreak.png');
  });

  it('points annotations at names outside NFC as stored', async () => {
    const png = await readFile(path.join(workspace.root, 'images', 'brand', 'logo-256.png'));
    const folder = path.join(workspace.root, 'images', 'normalisation');
    await mkdir(folder);
    await writeFile(path.join(folder, 'cafe\u0301.png'), png);
    await writeFile(path.join(folder, 'caf\u00e9.png'), Buffer.concat([png, Buffer.from([0])]));
    await writeFile(path.join(folder, 'the\u0301.txt'), 'not an image');
    await writeFile(path.join(folder, 'plain.png'), png);

    const run = await runAction(workspace, { ...inputs, path: 'images/normalisation' });

    expect(run.code, run.stdout).toBe(0);
    const warnings = run.stdout.split('\n').filter((line) => line.startsWith('::warning'));
    for (const stored of ['cafe\u0301.png', 'caf\u00e9.png', 'the\u0301.txt']) {
      expect(warnings.filter((line) => line.includes(`,file=images/normalisation/${stored}::`)), stored).toHaveLength(1);
    }
    expect(run.stdout).toContain('These names collide after Unicode normalisation and are skipped: "cafe\\u0301.png", "caf\\u00e9.png"');
    expect(run.report?.files.map(({ path, rawPath, status }) => ({ path, rawPath, status }))).toEqual([
      { path: 'caf\u00e9.png', rawPath: 'cafe\u0301.png', status: 'skipped' },
      { path: 'caf\u00e9.png', rawPath: undefined, status: 'skipped' },
      { path: 'th\u00e9.txt', rawPath: 'the\u0301.txt', status: 'skipped' },
      { path: 'plain.png', rawPath: undefined, status: 'uploaded' },
    ]);
  });

  it('writes no workflow command from file names', async () => {
    const png = await readFile(path.join(workspace.root, 'images', 'brand', 'logo-256.png'));
    await writeFile(path.join(workspace.root, 'images', '::error title=Injected::pwned.png'), png);
    await writeFile(path.join(workspace.root, 'images', 'v1 ##[error]pwned.png'), Buffer.concat([png, Buffer.from([1])]));

    const run = await runAction(workspace, inputs);

    expect(run.code, run.stdout).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.filter((line) => line.trimStart().startsWith('::error'))).toEqual([]);
    expect(lines.filter((line) => line.includes('##['))).toEqual([]);
    expect(run.stdout).toContain('"::error title=Injected::pwned.png"');
    expect(run.stdout).toContain('"v1 ##\\u005berror]pwned.png"');
    expect(run.report?.files.filter((file) => file.path.includes('pwned')).map((file) => file.status)).toEqual(['uploaded', 'uploaded']);
  });

  it('succeeds when the report file cannot be written', async () => {
    const notAFolder = path.join(path.dirname(workspace.root), 'runner-temp-file');
    await writeFile(notAFolder, 'x');

    const run = await runAction({ ...workspace, runnerTemp: notAFolder }, inputs);

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['report']).toBe('');
    expect(run.outputs['uploaded']).toBe(String((await uploadableSampleFiles()).length));
    expect(run.stdout).toMatch(/^::warning::The report file could not be written in .*runner-temp-file: /m);
    expect(run.stdout).not.toContain('failed unexpectedly');
  });

  it('fails naming an invalid max-file-size input', async () => {
    const run = await runAction(workspace, { ...inputs, 'max-file-size': '1.5GiB' });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::max-file-size must be a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB, got "1\.5GiB"\./m);
    expect(emulator.admin.stats().requests).toBe(0);
  });

  it('fails naming an option the engine rejects', async () => {
    const run = await runAction(workspace, { ...inputs, concurrency: '100000' });
    const slug = await runAction(workspace, { ...inputs, library: 'Not A Slug' });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::concurrency must be a whole number from 1 to 32, got "100000"\./m);
    expect(slug.code).toBe(1);
    expect(slug.stdout).toMatch(/^::error::Invalid library: "Not A Slug"/m);
    expect(emulator.admin.stats().requests).toBe(0);
  });

  it('masks the API key and never prints it', async () => {
    const run = await runAction(workspace, { ...inputs, 'include-hidden': 'true' });
    const key = emulator.writeKey;

    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`::add-mask::${key}`);
    expect(lines.filter((line) => line.includes(key))).toHaveLength(1);
    expect(run.stderr).not.toContain(key);
    expect(run.summary).not.toContain(key);
    expect(JSON.stringify(run.outputs)).not.toContain(key);
    expect(await readFile(run.outputs['report'] ?? '', 'utf8')).not.toContain(key);
  });
});

/**
 * Time from the runner's SIGINT to its kill of the step: SIGTERM after 7500 ms, then the kill
 * 2500 ms later (docs.github.com, "Workflow cancellation reference").
 */
const RUNNER_KILL_DELAY_MS = 10_000;

/** Warning annotations GitHub shows per step, dropping later ones (actions/toolkit, docs/problem-matchers.md). */
const SHOWN_WARNINGS_PER_STEP = 10;

/** Returns the inputs of a sync of `images/brand` into the organization named, so no key lookup runs. */
function brandInputs(): Record<string, string> {
  return { ...inputs, organization: emulator.organizationId, path: 'images/brand' };
}

describe('action stopped while listing', () => {
  it('exits before the runner kills it', async () => {
    emulator.admin.injectFaults([{ route: 'list-assets', kind: 'latency', latencyMs: 20_000 }]);

    const running = await startAction(workspace, brandInputs());
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

    const running = await startAction(workspace, brandInputs());
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
    const run = await runAction(workspace, { ...brandInputs(), include: ['*.png', ...unmatched].join('\n'), 'max-file-size': '3000' });

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

    const run = await (await startAction(workspace, brandInputs(), { GITHUB_OUTPUT: missing })).run;

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Sync into demo-org/demo-library succeeded.');
    expect(run.stdout).toContain(`::error::The step outputs could not be written to GITHUB_OUTPUT (${missing}): `);
    expect(run.stdout).toContain('The sync itself finished; its result is in the log and the job summary.');
    expect(run.stdout).not.toContain('failed unexpectedly');
    expect(run.summary).toContain('Raster sync');
  }, 60_000);
});
