import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { request } from 'node:http';
import { imageBytes, libraryPath, raw, upload } from './helpers';
import { buildCli, spawnCli, startCliJson, stopCli, waitForOutput, type CliProcess } from './cli-process';

const running: CliProcess[] = [];

beforeAll(async () => {
  await buildCli();
});

afterEach(async () => {
  for (const process of running.splice(0)) {
    if (process.child.exitCode === null && process.child.signalCode === null) {
      await stopCli(process);
    }
  }
});

async function startJson(args: string[] = []) {
  const started = await startCliJson(args);
  running.push(started.process);
  return started;
}

describe('raster-emulator --json', () => {
  test('prints one JSON line once listening', async () => {
    const { process, info } = await startJson();

    expect(Object.keys(info).sort()).toEqual(['libraryId', 'organizationId', 'readKey', 'url', 'writeKey']);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.organizationId).toBe('demo-org');
    expect(info.libraryId).toBe('demo-library');
    expect(info.writeKey).toMatch(/^pk_[A-Za-z0-9]{32}$/);
    expect(info.readKey).toMatch(/^pk_[A-Za-z0-9]{32}$/);
    expect(process.stdout().split('\n')).toEqual([expect.any(String), '']);

    const me = await raw(info, 'GET', '/me');
    expect(me.status).toBe(200);
  });

  test('port 0 gives each process its own port', async () => {
    const first = await startJson();
    const second = await startJson();

    expect(first.info.url).not.toBe(second.info.url);
  });

  test('requests print nothing without --verbose', async () => {
    const { process, info } = await startJson();

    await raw(info, 'GET', '/me');
    await raw(info, 'GET', '/nowhere');

    expect(process.stderr()).toBe('');
  });

  test('--verbose logs one line per request', async () => {
    const { process, info } = await startJson(['--verbose']);

    await raw(info, 'GET', '/me');
    await raw(info, 'GET', '/nowhere');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const lines = process.stderr().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ GET \/me 200 \d+ms me$/);
    expect(lines[1]).toMatch(/ GET \/nowhere 404 \d+ms unknown$/);
    expect(process.stderr()).not.toContain(info.writeKey);
  });

  test('CLI defaults show processing and listing lag', async () => {
    const { info } = await startJson();

    const uploaded = await upload(info, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    const list = await raw(info, 'GET', libraryPath(info, '/assets'));

    expect(uploaded.json.data.assets[0].thumbUrl).toBeNull();
    expect(list.json.data).toEqual([]);
  });

  test('size limit takes a unit', async () => {
    const { info } = await startJson(['--max-file-size', '1KiB']);

    const config = await raw(info, 'GET', '/_emulator/config');

    expect(config.json.data.maxFileSize).toBe(1024);
  });

  test('options set delays and the size limit', async () => {
    const { info } = await startJson(['--processing-delay', '0', '--listing-lag', '0', '--max-file-size', '1000']);

    const small = await upload(info, [['tiny.svg', new TextEncoder().encode('<svg width="1" height="1"/>')]]);
    const large = await upload(info, [['logo.png', await imageBytes('brand/logo-128.png')]]);
    const list = await raw(info, 'GET', libraryPath(info, '/assets'));

    expect(small.json.data.assets[0].width).toBe(1);
    expect(large.status).toBe(413);
    expect(list.json.data).toHaveLength(1);
  });
});

describe('raster-emulator readable output', () => {
  test('prints a block to paste into curl', async () => {
    const process = await spawnCli(['--port', '0']);
    running.push(process);
    await waitForOutput(process, (stdout) => stdout.includes('Ctrl+C'));

    const output = process.stdout();
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const writeKey = /Write key\s+(pk_\w+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(writeKey).toBeDefined();
    expect(output).toContain('Organization  demo-org');
    expect(output).toContain('Library       demo-library');
    expect(output).toMatch(/Read key\s+pk_\w+/);
    expect(output).toContain(`-H 'Api-Version: 2026-05-20' -H 'Authorization: Bearer ${writeKey}'`);
    expect(output).toContain(`'${url}/organizations/demo-org/libraries/demo-library/assets?page=1&pageSize=20'`);
  });
});

describe('raster-emulator arguments', () => {
  test('--help prints usage and exits 0', async () => {
    const process = await spawnCli(['--help']);

    expect(await process.exited).toBe(0);
    expect(process.stdout()).toContain('Usage: raster-emulator');
    expect(process.stdout()).toContain('--max-file-size SIZE');
  });

  test('non-loopback host is refused', async () => {
    for (const host of ['0.0.0.0', '192.0.2.10', '::']) {
      const process = await spawnCli(['--host', host, '--port', '0']);
      expect(await process.exited, host).toBe(2);
      expect(process.stderr(), host).toContain('--allow-remote');
      expect(process.stdout(), host).toBe('');
    }
  });

  test('invalid values exit 2', async () => {
    for (const args of [['--port', 'abc'], ['--port', '70000'], ['--listing-lag', '-1'], ['--max-file-size', '1e6'], ['--max-file-size', '0'], ['--max-file-size', '2MB'], ['--bogus']]) {
      const process = await spawnCli(args);
      expect(await process.exited, args.join(' ')).toBe(2);
      expect(process.stderr(), args.join(' ')).toMatch(/raster-emulator: /);
    }
  });

  test('busy port is reported', async () => {
    const { info } = await startJson();
    const port = new URL(info.url).port;

    const process = await spawnCli(['--port', port]);

    expect(await process.exited).toBe(2);
    expect(process.stderr()).toContain('EADDRINUSE');
  });
});

describe('raster-emulator signals', () => {
  test('SIGTERM does not wait out a latency fault', async () => {
    const { process, info } = await startJson();
    const injected = await raw(info, 'POST', '/_emulator/faults', { body: { faults: [{ route: 'me', kind: 'latency', latencyMs: 60_000 }] } });
    expect(injected.status).toBe(200);
    // The client gives up at once, so only the emulator's delay is left.
    const delayed = request(`${info.url}/me`, { headers: { 'Api-Version': '2026-05-20', Authorization: `Bearer ${info.writeKey}` } });
    delayed.on('error', () => {});
    delayed.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
    delayed.destroy();

    process.child.kill('SIGTERM');
    const exited = await Promise.race([process.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000))]);

    expect(exited).toBe(0);
  }, 30_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} stops cleanly`, async () => {
      const { process, info } = await startJson();
      const agent = request(`${info.url}/me`, { headers: { 'Api-Version': '2026-05-20', Authorization: `Bearer ${info.writeKey}` } });
      agent.end();
      await new Promise((resolve) => agent.on('response', resolve));

      process.child.kill(signal);

      expect(await process.exited).toBe(0);
    });
  }
});
