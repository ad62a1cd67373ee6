import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { syncFolder } from '@raster-toolkit/core/node';
import { startEmulator } from '@raster-toolkit/emulator';
import type { RunningEmulator } from '@raster-toolkit/emulator';

import { bundleAdapters, runActionProcess, runCliProcess } from './harness/adapters';
import { generatePng } from './harness/png';
import { SeededRandom } from './harness/random';
import { makeTempFolder } from './harness/temp';

/**
 * Keys to hunt for: one shaped like Raster's (`pk_` and alphanumerics), which pattern-based
 * redaction also catches, and an opaque one that only verbatim redaction can catch.
 */
const KEYS = ['pk_SecretsTestKey0123456789abcdefXYZ', 'opaque.Secret-Key_0123456789~abc'];
const WRONG_KEY = 'pk_WrongKeyNotKnownToTheEmulator42';

let adapters: { cli: string; action: string };
let workspace: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  adapters = await bundleAdapters();
  workspace = await makeTempFolder('secrets');
  const random = new SeededRandom(5);
  await mkdir(join(workspace.path, 'images', 'nested'), { recursive: true });
  for (let i = 0; i < 8; i += 1) await writeFile(join(workspace.path, 'images', `image-${i}.png`), generatePng(random, 3, 3));
  // Over the emulator's 4 KiB limit but under the sync's: the API rejects it with 413.
  await writeFile(join(workspace.path, 'images', 'nested', 'too-large.png'), Buffer.concat([generatePng(random, 2, 2), Buffer.alloc(6000)]));
  await writeFile(join(workspace.path, 'images', 'notes.png'), 'text with an image extension\n');
});

afterAll(async () => {
  await workspace.remove();
});

/** Faults that make a run retry, reconcile and fail a file, so error paths print too. */
function injectFaults(emulator: RunningEmulator): void {
  emulator.admin.clearFaults();
  emulator.admin.injectFaults([
    { route: 'list-assets', kind: 'status', status: 500, times: 1 },
    { route: 'upload', kind: 'rate-limit', retryAfter: 0, times: 1 },
    { route: 'upload', kind: 'reset-after-store', times: 1 },
    { route: 'tag-assets', kind: 'status', status: 503, times: 2 },
    { route: 'delete-assets', kind: 'reset-before-store', times: 1 },
  ]);
}

/** Returns each line of `text` that contains the secret or its part after the prefix. */
function leaks(text: string, secret: string): string[] {
  const body = secret.replace(/^pk_/, '');
  const needles = [secret, body, body.slice(0, 12), body.slice(-12)];
  return text
    .split('\n')
    // The runner consumes `::add-mask::` itself and never shows it: it is how the key is masked.
    .filter((line) => !line.startsWith('::add-mask::'))
    .filter((line) => needles.some((needle) => line.includes(needle)));
}

describe.each(KEYS)('API key %s', (key) => {
  let emulator: RunningEmulator;
  const collected: Array<{ source: string; text: string }> = [];

  beforeAll(async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0, maxFileSize: 4096, seed: { writeKey: key } });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('appears in no output of any adapter', async () => {
    const common = { organization: emulator.organizationId, library: emulator.libraryId, 'api-url': emulator.url };

    // The action with debug logging, twice: a faulty first run and a run with a file removed.
    for (const run of [1, 2]) {
      injectFaults(emulator);
      const result = await runActionProcess(
        adapters.action,
        { 'api-key': key, path: 'images', 'max-deletes': '100%', ...common },
        { workspace: workspace.path, workDirectory: join(workspace.path, `.runner-${run}`), env: { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' } },
      );
      collected.push(
        { source: `action ${run} stdout`, text: result.stdout },
        { source: `action ${run} stderr`, text: result.stderr },
        { source: `action ${run} outputs`, text: JSON.stringify(result.outputs) },
        { source: `action ${run} summary`, text: result.summary },
      );
      if (result.outputs['report'] !== undefined) {
        collected.push({ source: `action ${run} report`, text: await readFile(result.outputs['report'], 'utf8') });
      }
      expect(result.stdout, 'the action masks the key').toContain(`::add-mask::${key}`);
      expect(result.stdout, 'the action ran with debug logging').toMatch(/^::debug::/m);
      if (run === 1) await writeFile(join(workspace.path, 'images', 'image-0.png'), generatePng(new SeededRandom(9), 4, 4));
    }

    // The action with keys that fail: an unknown key, and the read-only key.
    for (const [name, badKey] of [['unknown key', WRONG_KEY], ['read-only key', emulator.readKey]] as const) {
      const result = await runActionProcess(
        adapters.action,
        { 'api-key': badKey, path: 'images', ...common },
        { workspace: workspace.path, workDirectory: join(workspace.path, `.runner-${name}`), env: { RUNNER_DEBUG: '1' } },
      );
      expect(result.code).not.toBe(0);
      expect(leaks(result.stdout + result.stderr, badKey)).toEqual([]);
      collected.push({ source: `action ${name}`, text: result.stdout + result.stderr + result.summary });
    }

    // The CLI with --verbose and --json, with faults, and with invalid use.
    injectFaults(emulator);
    const cliArgs = ['--library', emulator.libraryId, '--organization', emulator.organizationId, '--api-url', emulator.url];
    for (const extra of [['--verbose', '--json'], ['--verbose', '--concurrency', '0'], ['--verbose', '--api-url', 'http://raster.invalid']]) {
      const result = await runCliProcess(adapters.cli, [...cliArgs, ...extra, 'images'], { RASTER_API_KEY: key }, workspace.path);
      collected.push({ source: `cli ${extra.join(' ')}`, text: result.stdout + result.stderr });
    }
    const wrong = await runCliProcess(adapters.cli, [...cliArgs, '--verbose', 'images'], { RASTER_API_KEY: WRONG_KEY }, workspace.path);
    expect(wrong.code).toBe(1);
    expect(leaks(wrong.stdout + wrong.stderr, WRONG_KEY)).toEqual([]);

    // syncFolder itself: its logger at debug, its events, its report, and the errors it throws.
    injectFaults(emulator);
    const lines: string[] = [];
    const logger = { debug: (line: string) => lines.push(line), info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) };
    const report = await syncFolder({
      apiKey: key, organization: emulator.organizationId, library: emulator.libraryId, apiUrl: emulator.url,
      path: join(workspace.path, 'images'), logger, onEvent: (event) => lines.push(JSON.stringify(event)),
    });
    collected.push({ source: 'syncFolder log and events', text: lines.join('\n') }, { source: 'syncFolder report', text: JSON.stringify(report) });

    // Each run starts only when the previous one has settled, so no rejection goes unhandled.
    const failures = [
      () => syncFolder({ apiKey: key, library: emulator.libraryId, apiUrl: 'http://raster.invalid', path: workspace.path }),
      () => syncFolder({ apiKey: key, library: emulator.libraryId, apiUrl: emulator.url, path: workspace.path, concurrency: -1 }),
      () => syncFolder({ apiKey: key, library: 'Not A Slug', apiUrl: emulator.url, path: workspace.path }),
      () => syncFolder({ apiKey: key, library: emulator.libraryId, apiUrl: 'http://127.0.0.1:1', path: join(workspace.path, 'images'), organization: emulator.organizationId }),
    ];
    for (const [index, startRun] of failures.entries()) {
      const outcome = await startRun().then(
        (value) => ({ text: JSON.stringify(value) }),
        (error: unknown) => ({ text: `${String(error)}\n${(error as Error).stack ?? ''}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}` }),
      );
      collected.push({ source: `syncFolder failure ${index}`, text: outcome.text });
    }

    const found = collected.flatMap(({ source, text }) => leaks(text, key).map((line) => `${source}: ${line.slice(0, 300)}`));
    expect(found).toEqual([]);
    // The collection is not empty: the runs above did print, fail and retry.
    const everything = collected.map(({ text }) => text).join('\n');
    expect(everything).toMatch(/Retrying/);
    expect(everything).toMatch(/too-large\.png/);
    expect(everything).toMatch(/INVALID_API_KEY|not valid|invalid API key/i);
  });
});
