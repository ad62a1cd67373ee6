import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { IMAGES, raw } from './helpers';
import { startCliJson, stopCli, type CliInfo, type CliProcess } from './cli-process';

/**
 * The five curl examples of Raster's REST endpoint reference, run with the curl binary against the
 * emulator CLI; only the host differs from the published commands.
 */

let workDir: string;
let emulator: { process: CliProcess; info: CliInfo };

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'emulator-curl-'));
  await copyFile(join(IMAGES, 'docs/screenshots/plasma-fullscreen.jpg'), join(workDir, 'photo-1.jpg'));
  await copyFile(join(IMAGES, 'brand/logo-256.png'), join(workDir, 'photo-2.png'));
  emulator = await startCliJson(['--listing-lag', '0', '--processing-delay', '0']);
});

afterAll(async () => {
  await stopCli(emulator.process);
  await rm(workDir, { recursive: true, force: true });
});

/** Runs a shell command line as written in the documentation, in the folder with the photos. */
async function curl(commandLine: string): Promise<any> {
  const { stdout } = await promisify(execFile)('sh', ['-c', commandLine], { cwd: workDir });
  return JSON.parse(stdout);
}

function headers(): string {
  return `-H 'Api-Version: 2026-05-20' -H 'Authorization: Bearer ${emulator.info.writeKey}'`;
}

function base(): string {
  return `${emulator.info.url}/organizations/${emulator.info.organizationId}`;
}

test('curl examples from the endpoint reference', async () => {
  const library = `${base()}/libraries/${emulator.info.libraryId}`;

  const libraries = await curl(`curl -sS '${base()}/libraries?page=1&pageSize=20' ${headers()}`);
  expect(libraries.data.map((entry: { id: string }) => entry.id)).toEqual([emulator.info.libraryId]);

  const uploaded = await curl(
    `curl -sS -X POST '${library}/assets' ${headers()} --form 'files=@photo-1.jpg' --form 'files=@photo-2.png'`,
  );
  expect(uploaded.data.responseText).toBe('Uploaded 2 assets');
  const [photo1, photo2] = uploaded.data.assets;
  expect([photo1.name, photo1.contentType, photo1.width, photo1.height]).toEqual(['photo-1', 'image/jpeg', 1920, 1080]);
  expect([photo2.name, photo2.contentType, photo2.width, photo2.height]).toEqual(['photo-2', 'image/png', 256, 256]);

  await raw(emulator.info, 'POST', `/organizations/${emulator.info.organizationId}/libraries/${emulator.info.libraryId}/assets/tag`, {
    body: { assetIds: [photo1.id], tags: ['landscape'] },
  });
  await raw(emulator.info, 'POST', `/organizations/${emulator.info.organizationId}/libraries/${emulator.info.libraryId}/assets/tag`, {
    body: { assetIds: [photo1.id, photo2.id], tags: ['nature'] },
  });

  const tagged = await curl(`curl -sS '${library}/assets?page=1&pageSize=20&tags=landscape,nature' ${headers()}`);
  expect(tagged.data.map((asset: { id: string }) => asset.id)).toEqual([photo2.id, photo1.id]);

  const tags = await curl(`curl -sS '${library}/tags?limit=100' ${headers()}`);
  expect(tags.data).toEqual([
    { id: 'nature', count: 2, type: 'user' },
    { id: 'landscape', count: 1, type: 'user' },
  ]);

  const deleted = await curl(
    `curl -sS -X DELETE '${library}/assets' ${headers()} -H 'Content-Type: application/json' -d '{"ids":["${photo1.id}","${photo2.id}"]}'`,
  );
  expect(deleted.data).toEqual({ success: true, message: 'Moved 2 assets to trash', ids: [photo1.id, photo2.id] });

  const after = await curl(`curl -sS '${base()}/libraries?page=1&pageSize=20' ${headers()}`);
  expect(after.data[0]).toMatchObject({ assetsCount: 0, trashCount: 2 });
});

test('curl downloads the stored file', async () => {
  const uploaded = await curl(
    `curl -sS -X POST '${base()}/libraries/${emulator.info.libraryId}/assets' ${headers()} --form 'files=@photo-2.png'`,
  );

  const { stdout } = await promisify(execFile)('curl', ['-sS', '-o', join(workDir, 'download.png'), '-w', '%{content_type} %{size_download}', uploaded.data.assets[0].url]);

  expect(stdout).toBe(`image/png ${uploaded.data.assets[0].size}`);
});
