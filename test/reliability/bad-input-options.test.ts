import dns from 'node:dns';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { RasterUsageError } from '@raster-toolkit/core';
import type { SyncReport } from '@raster-toolkit/core';

import { bundleAdapters, runActionProcess, runCliProcess } from './harness/adapters';
import { listAllAssets } from './harness/library';
import { generatePng } from './harness/png';
import { SeededRandom } from './harness/random';
import { startSyncTarget } from './harness/sync-target';
import type { SyncTarget } from './harness/sync-target';
import { makeTempFolder } from './harness/temp';

const random = new SeededRandom(23);

let target: SyncTarget;
let adapters: { cli: string; action: string };
let workspace: { path: string; remove: () => Promise<void> };
let images: string;

beforeAll(async () => {
  [target, adapters] = await Promise.all([startSyncTarget(), bundleAdapters()]);
});

afterAll(async () => {
  await target.stop();
});

beforeEach(async () => {
  await target.emulator.admin.reset();
  workspace = await makeTempFolder('options');
  images = join(workspace.path, 'images');
  await mkdir(images);
  for (let i = 0; i < 3; i += 1) await writeFile(join(images, `image-${i}.png`), generatePng(random, 2, 2));
  target.clearRequests();
});

afterEach(async () => {
  await workspace.remove();
});

/** Runs the CLI against the emulator with the write key; `args` go before the folder. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCliProcess(
    adapters.cli,
    ['--library', target.access.libraryId, '--organization', target.access.organizationId, '--api-url', target.access.baseUrl, ...args],
    { RASTER_API_KEY: target.access.apiKey, ...env },
    workspace.path,
  );
}

/** Runs the action with the usual inputs plus `inputs`. */
function action(inputs: Record<string, string>) {
  return runActionProcess(
    adapters.action,
    {
      'api-key': target.access.apiKey,
      organization: target.access.organizationId,
      library: target.access.libraryId,
      'api-url': target.access.baseUrl,
      path: 'images',
      ...inputs,
    },
    { workspace: workspace.path, workDirectory: join(workspace.path, '.runner') },
  );
}

/** Returns the `::error::` lines of an action run, which is how a step reports its failure. */
function actionErrors(stdout: string): string {
  return stdout.split('\n').filter((line) => line.startsWith('::error')).join('\n');
}

describe('invalid options of the CLI and the action', () => {
  it.each([
    ['prune', 'yes'],
    ['prune', 'True'],
    ['dry-run', '1'],
    ['include-hidden', 'on'],
    ['follow-symlinks', 'false '],
  ])('action rejects boolean %s=%j', async (name, value) => {
    const run = await action({ [name]: value });

    if (value.trim() === 'false') {
      // Surrounding whitespace is trimmed, as the runner's own getBooleanInput does.
      expect(run.code).toBe(0);
      return;
    }
    expect(run.code).toBe(1);
    // The message names the input, repeats the value and says what to use.
    expect(actionErrors(run.stdout)).toContain(name);
    expect(actionErrors(run.stdout)).toContain(JSON.stringify(value));
    expect(actionErrors(run.stdout)).toMatch(/true or false/);
    expect(target.requests).toEqual([]);
  });

  it('CLI rejects a value for a boolean flag', async () => {
    const run = await cli(['--prune=yes', 'images']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--prune/);
    expect(target.requests).toEqual([]);
  });

  it.each(['0', '-1', '1.5', 'four', ''])('rejects concurrency %j', async (value) => {
    const fromCli = await cli(['--concurrency', value, 'images']);
    const fromAction = await action({ concurrency: value });

    if (value === '') {
      // An empty action input means "use the default", as GitHub passes unset inputs.
      expect(fromAction.code).toBe(0);
    } else {
      expect(fromAction.code).toBe(1);
      expect(actionErrors(fromAction.stdout)).toContain('concurrency');
      expect(actionErrors(fromAction.stdout)).toContain(JSON.stringify(value));
      expect(actionErrors(fromAction.stdout)).toMatch(/whole number/);
    }
    expect(fromCli.code).toBe(2);
    expect(fromCli.stderr).toMatch(/--concurrency/);
  });

  it.each([0, -1, 1.5, 1000])('syncFolder rejects concurrency %s', async (value) => {
    await expect(target.sync({ path: images, concurrency: value })).rejects.toThrow(RasterUsageError);
    await expect(target.sync({ path: images, concurrency: value })).rejects.toThrow(/Invalid concurrency/);
    expect(target.requests).toEqual([]);
  });

  it.each(['Bad Slug', '../other', 'a/b', 'UPPER', '-leading', 'x'.repeat(64)])('rejects library slug %j unsent', async (slug) => {
    await expect(target.sync({ path: images, library: slug })).rejects.toThrow(RasterUsageError);
    await expect(target.sync({ path: images, library: slug })).rejects.toThrow(slug);
    expect(target.requests).toEqual([]);

    const run = await cli([`--library=${slug}`, 'images']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(slug);
    expect(target.requests).toEqual([]);
  });

  it('rejects a source outside the workspace', async () => {
    const outside = await makeTempFolder('outside-workspace');
    try {
      await writeFile(join(outside.path, 'x.png'), generatePng(random, 2, 2));

      for (const path of ['..', outside.path, 'images/../..']) {
        const run = await action({ path });
        expect(run.code, path).toBe(1);
        expect(actionErrors(run.stdout), path).toMatch(/path.*outside the workspace/);
      }
      expect(target.requests).toEqual([]);
    } finally {
      await outside.remove();
    }
  });

  it('stops on a missing or empty folder', async () => {
    const missing = await target.sync({ path: join(workspace.path, 'missing') });
    expect(missing.outcome).toBe('guard');
    expect(missing.stopReason).toMatch(/missing.*does not exist.*Check the path/);

    await mkdir(join(workspace.path, 'empty'));
    const empty = await target.sync({ path: join(workspace.path, 'empty') });
    expect(empty.outcome).toBe('guard');
    expect(empty.stopReason).toMatch(/matches no files, and prune is on/);

    const fromCli = await cli(['missing']);
    expect(fromCli.code).toBe(3);
    expect(fromCli.stdout + fromCli.stderr).toMatch(/does not exist/);
    const fromAction = await action({ path: 'missing' });
    expect(fromAction.code).toBe(1);
    expect(actionErrors(fromAction.stdout)).toMatch(/does not exist/);

    expect(target.writes()).toEqual([]);
  });
});

describe('API URL and keys', () => {
  const connections: string[] = [];
  const originals = { connect: net.connect, createConnection: net.createConnection, tlsConnect: tls.connect, lookup: dns.lookup };

  beforeEach(() => {
    connections.length = 0;
    // Records and blocks every connection and lookup that is not to loopback, so that the test
    // proves no attempt was made (and never reaches another host).
    const guard = (what: string, host: unknown) => {
      const name = String(host ?? '');
      if (name !== '127.0.0.1' && name !== 'localhost' && name !== '::1') {
        connections.push(`${what} ${name}`);
        throw new Error(`blocked ${what} to ${name}`);
      }
    };
    const hostOf = (args: unknown[]) => {
      const [first, second] = args;
      if (typeof first === 'object' && first !== null) return (first as { host?: string }).host;
      return typeof second === 'string' ? second : undefined;
    };
    (net as { connect: unknown }).connect = (...args: unknown[]) => {
      guard('connect', hostOf(args) ?? '127.0.0.1');
      return (originals.connect as (...a: unknown[]) => unknown)(...args);
    };
    (net as { createConnection: unknown }).createConnection = (...args: unknown[]) => {
      guard('connect', hostOf(args) ?? '127.0.0.1');
      return (originals.createConnection as (...a: unknown[]) => unknown)(...args);
    };
    (tls as { connect: unknown }).connect = (...args: unknown[]) => {
      guard('tls', hostOf(args) ?? '127.0.0.1');
      return (originals.tlsConnect as (...a: unknown[]) => unknown)(...args);
    };
    (dns as { lookup: unknown }).lookup = (...args: unknown[]) => {
      guard('lookup', args[0]);
      return (originals.lookup as (...a: unknown[]) => unknown)(...args);
    };
  });

  afterEach(() => {
    (net as { connect: unknown }).connect = originals.connect;
    (net as { createConnection: unknown }).createConnection = originals.createConnection;
    (tls as { connect: unknown }).connect = originals.tlsConnect;
    (dns as { lookup: unknown }).lookup = originals.lookup;
  });

  it.each(['http://raster.invalid', 'http://10.0.0.1:8080', 'http://localhost.raster.invalid', 'http://user@raster.invalid', 'ftp://raster.invalid'])(
    'rejects API URL %s before connecting',
    async (apiUrl) => {
      const error = await target.sync({ path: images, apiUrl }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(RasterUsageError);
      expect((error as Error).message).toMatch(/https:\/\//);
      expect(connections).toEqual([]);
      expect(target.requests).toEqual([]);

      // A user name or password in the URL is shown as ***.
      const displayedUrl = JSON.stringify(apiUrl.replace('user@', '***@'));
      const run = await cli(['--api-url', apiUrl, 'images']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--api-url');
      expect(run.stderr).toContain(displayedUrl);

      const fromAction = await action({ 'api-url': apiUrl });
      expect(fromAction.code).toBe(1);
      expect(actionErrors(fromAction.stdout)).toContain('api-url');
      expect(actionErrors(fromAction.stdout)).toContain(displayedUrl);
      expect(target.requests).toEqual([]);
    },
  );

  it('reports a key without access', async () => {
    const { emulator } = target;
    await emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: 'elsewhere' });
    const { key } = await emulator.admin.createKey({ organizationId: emulator.organizationId, libraries: { elsewhere: 'write' } });
    target.clearRequests();

    const report: SyncReport = await target.sync({ path: images, apiKey: key });

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toMatch(new RegExp(`${emulator.libraryId}.*(access|reach)`, 'i'));
    expect(report.stopReason).not.toContain(key);
    expect(target.writes()).toEqual([]);
    expect(target.rejected().length).toBeLessThanOrEqual(1);
  });

  it('changes nothing with a read-only key and prune on', async () => {
    await target.sync({ path: images });
    const before = (await listAllAssets(target.access)).map((asset) => asset.id).sort();
    await writeFile(join(images, 'image-0.png'), generatePng(random, 3, 3));
    await writeFile(join(images, 'new.png'), generatePng(random, 3, 3));
    target.clearRequests();

    const report = await target.sync({ path: images, apiKey: target.emulator.readKey, prune: true });

    expect(report.outcome).not.toBe('success');
    expect(`${report.stopReason ?? ''} ${report.files.map((file) => file.reason ?? '').join(' ')}`).toMatch(/write|read-only|Read/i);
    expect(report.counts.pruned).toBe(0);
    expect((await listAllAssets(target.access)).map((asset) => asset.id).sort()).toEqual(before);
    // The key's access level cannot be read before a write, so one refused upload is the minimum.
    expect(target.rejected().map((entry) => entry.route)).toEqual(['upload']);
  });
});
