import { chmod, cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunningEmulator } from '@raster-toolkit/emulator';

import type { Asset, Library } from '../../../core/src/api/types';
import { SHARED_IMAGES } from '../../support/shared-images';

/** The shared sample folder; read-only, so tests that change files work on a copy. */
export const SAMPLE_IMAGES = SHARED_IMAGES;

const API_VERSION = '2026-05-20';

/** Sends one request to the emulator with plain `fetch`, bypassing the toolkit's client. */
export async function rawRequest<T>(emulator: RunningEmulator, method: string, path: string, body?: unknown, key = emulator.writeKey): Promise<T> {
  const init: RequestInit = {
    method,
    headers: {
      'api-version': API_VERSION,
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${emulator.url}${path}`, init);
  const envelope = await response.json() as { data?: T; error?: { code: string; message: string } };
  if (!response.ok) throw new Error(`${method} ${path} failed with ${response.status}: ${JSON.stringify(envelope.error)}`);
  return envelope.data as T;
}

function libraryPath(emulator: RunningEmulator): string {
  return `/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}`;
}

/** Lists every asset of the seed library with raw HTTP, all pages. */
export async function listAllAssets(emulator: RunningEmulator): Promise<Asset[]> {
  const assets: Asset[] = [];
  for (let page = 1; ; page++) {
    const batch = await rawRequest<Asset[]>(emulator, 'GET', `${libraryPath(emulator)}/assets?page=${page}&pageSize=500`);
    assets.push(...batch);
    if (batch.length < 500) return assets;
  }
}

export async function getLibrary(emulator: RunningEmulator): Promise<Library> {
  const libraries = await rawRequest<Library[]>(emulator, 'GET', `/organizations/${emulator.organizationId}/libraries?pageSize=500`);
  const library = libraries.find((candidate) => candidate.id === emulator.libraryId);
  if (!library) throw new Error(`library ${emulator.libraryId} not listed`);
  return library;
}

/** Uploads one file as another tool would: raw multipart, no tags. */
export async function uploadForeign(emulator: RunningEmulator, filename: string, bytes: Uint8Array): Promise<Asset> {
  const form = new FormData();
  form.append('files', new Blob([bytes]), filename);
  const response = await fetch(`${emulator.url}${libraryPath(emulator)}/assets`, {
    method: 'POST',
    headers: { 'api-version': API_VERSION, authorization: `Bearer ${emulator.writeKey}` },
    body: form,
  });
  const envelope = await response.json() as { data: { assets: Asset[] } };
  if (!response.ok) throw new Error(`foreign upload failed with ${response.status}`);
  return envelope.data.assets[0]!;
}

/** Copies the sample images into a fresh writable temporary folder. */
export async function copySampleImages(): Promise<{ path: string; remove: () => Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), 'raster-sync-'));
  const path = join(parent, 'images');
  await cp(SAMPLE_IMAGES, path, { recursive: true });
  await makeWritable(path);
  return { path, remove: () => rm(parent, { recursive: true, force: true }) };
}

async function makeWritable(folder: string): Promise<void> {
  await chmod(folder, 0o755);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const target = join(folder, entry.name);
    if (entry.isDirectory()) await makeWritable(target);
    else await chmod(target, 0o644);
  }
}

/** Write requests the emulator counted: uploads, deletes, tag changes and other changes. */
export function writeRequests(emulator: RunningEmulator): Record<string, number> {
  const { byRoute } = emulator.admin.stats();
  const writes = ['upload', 'delete-assets', 'tag-assets', 'untag-assets', 'set-description', 'transfer-assets', 'create-library', 'rename-library'];
  return Object.fromEntries(Object.entries(byRoute).filter(([route]) => writes.includes(route)));
}
