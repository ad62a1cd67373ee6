import type { Asset } from '@raster-toolkit/core';

import { sha256 } from './folder';
import type { GeneratedFolder } from './folder';

/**
 * Raw HTTP access to one emulator library, independent of the project's client so that the
 * checks cannot share a mistake with the code under test.
 */
export interface LibraryAccess {
  baseUrl: string;
  organizationId: string;
  libraryId: string;
  apiKey: string;
}

const API_VERSION = '2026-05-20';

function libraryUrl(access: LibraryAccess, suffix: string): string {
  return `${access.baseUrl}/organizations/${encodeURIComponent(access.organizationId)}/libraries/${encodeURIComponent(access.libraryId)}${suffix}`;
}

function headers(access: LibraryAccess): Record<string, string> {
  return { 'api-version': API_VERSION, authorization: `Bearer ${access.apiKey}` };
}

async function readData<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what} failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { data: T }).data;
}

/** Lists every asset of the library, all pages at the maximum page size, de-duplicated by id. */
export async function listAllAssets(access: LibraryAccess): Promise<Asset[]> {
  const byId = new Map<string, Asset>();
  for (let page = 1; page <= 1000; page += 1) {
    const response = await fetch(libraryUrl(access, `/assets?page=${page}&pageSize=500`), { headers: headers(access) });
    const assets = await readData<Asset[]>(response, `GET assets page ${page}`);
    for (const asset of assets) byId.set(asset.id, asset);
    if (assets.length < 500) return [...byId.values()];
  }
  throw new Error('the library listing did not end after 1000 pages');
}

/** Returns the asset, or undefined when the API returns 404 (missing or trashed). */
export async function getAsset(access: LibraryAccess, assetId: string): Promise<Asset | undefined> {
  const response = await fetch(libraryUrl(access, `/assets/${encodeURIComponent(assetId)}`), { headers: headers(access) });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  return readData<Asset>(response, `GET asset ${assetId}`);
}

export async function downloadSha256(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`download of ${url} failed with HTTP ${response.status}`);
  return sha256(new Uint8Array(await response.arrayBuffer()));
}

/** Uploads files with a raw multipart request, as a person or another tool would. */
export async function uploadRaw(
  access: LibraryAccess,
  files: Array<{ filename: string; bytes: Uint8Array }>,
): Promise<Asset[]> {
  const form = new FormData();
  for (const file of files) form.append('files', new Blob([file.bytes]), file.filename);
  const response = await fetch(libraryUrl(access, '/assets'), { method: 'POST', headers: headers(access), body: form });
  return (await readData<{ assets: Asset[] }>(response, 'POST assets')).assets;
}

export async function tagRaw(access: LibraryAccess, assetIds: string[], tags: string[]): Promise<void> {
  const response = await fetch(libraryUrl(access, '/assets/tag'), {
    method: 'POST',
    headers: { ...headers(access), 'content-type': 'application/json' },
    body: JSON.stringify({ assetIds, tags }),
  });
  await readData<unknown>(response, 'POST assets/tag');
}

/** What a foreign asset looked like before the sync ran, to detect any change to it. */
export interface ForeignSnapshot {
  id: string;
  name: string | null;
  description: string | null;
  tags: string[];
  size: number | null;
  sha256: string;
}

export async function snapshotForeign(access: LibraryAccess, assetIds: string[]): Promise<ForeignSnapshot[]> {
  const out: ForeignSnapshot[] = [];
  for (const id of assetIds) {
    const asset = await getAsset(access, id);
    if (asset === undefined || asset.url === null) throw new Error(`foreign asset ${id} is missing before the soak started`);
    out.push({
      id,
      name: asset.name,
      description: asset.description,
      tags: [...asset.tags].sort(),
      size: asset.size,
      sha256: await downloadSha256(asset.url),
    });
  }
  return out;
}

/** Differences between a library and the folder it should mirror. */
export interface LibraryCheck {
  ownedAssets: number;
  expectedAssets: number;
  /** Owned assets beyond one per file of the same name and content. */
  duplicates: number;
  /** Uploadable files without an owned asset of the same name and content. */
  missing: number;
  /** Owned assets that match no current file by name and content. */
  stale: number;
  /** Foreign assets trashed, retagged, renamed, described or with other bytes. */
  foreignTouched: number;
  /** Assets with neither the owner tag nor a place among the foreign assets. */
  orphans: number;
  problems: string[];
}

/** Returns the asset name the API derives from a filename: directory and last extension removed. */
export function assetNameFor(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Compares the library with the folder. Each uploadable file needs one owned asset, matched by
 * asset name and the SHA-256 of the bytes served at the asset's `url`, and each foreign asset
 * must match its snapshot.
 */
export async function checkLibrary(
  access: LibraryAccess,
  ownerTag: string,
  folder: GeneratedFolder,
  foreign: ForeignSnapshot[],
): Promise<LibraryCheck> {
  const problems: string[] = [];
  const expected = new Map<string, string[]>();
  for (const path of folder.uploadablePaths()) {
    const file = folder.files.get(path);
    if (file === undefined) continue;
    const key = `${assetNameFor(path)} ${sha256(file.bytes)}`;
    expected.set(key, [...(expected.get(key) ?? []), path]);
  }

  const assets = await listAllAssets(access);
  const foreignIds = new Set(foreign.map((snapshot) => snapshot.id));
  const actual = new Map<string, Asset[]>();
  let ownedAssets = 0;
  let orphans = 0;
  for (const asset of assets) {
    if (asset.tags.includes(ownerTag)) {
      ownedAssets += 1;
      const digest = asset.url === null ? 'no-url' : await downloadSha256(asset.url);
      const key = `${asset.name ?? ''} ${digest}`;
      actual.set(key, [...(actual.get(key) ?? []), asset]);
    } else if (!foreignIds.has(asset.id)) {
      orphans += 1;
      problems.push(`orphan asset ${asset.id} (${asset.name ?? 'no name'}, tags ${JSON.stringify(asset.tags)})`);
    }
  }

  let duplicates = 0;
  let missing = 0;
  let stale = 0;
  for (const [key, paths] of expected) {
    const found = actual.get(key)?.length ?? 0;
    if (found > paths.length) {
      duplicates += found - paths.length;
      problems.push(`duplicate: ${found} owned assets for ${paths.join(', ')}`);
    }
    if (found < paths.length) {
      missing += paths.length - found;
      problems.push(`missing: ${paths.length - found} of ${paths.join(', ')}`);
    }
  }
  for (const [key, owned] of actual) {
    if (expected.has(key)) continue;
    stale += owned.length;
    problems.push(`stale: ${owned.map((asset) => `${asset.id} (${asset.name ?? 'no name'})`).join(', ')}`);
  }

  let foreignTouched = 0;
  for (const snapshot of foreign) {
    const change = await describeForeignChange(access, snapshot);
    if (change === undefined) continue;
    foreignTouched += 1;
    problems.push(`foreign asset ${snapshot.id} ${change}`);
  }

  return {
    ownedAssets,
    expectedAssets: folder.uploadablePaths().length,
    duplicates,
    missing,
    stale,
    foreignTouched,
    orphans,
    problems,
  };
}

async function describeForeignChange(access: LibraryAccess, snapshot: ForeignSnapshot): Promise<string | undefined> {
  const asset = await getAsset(access, snapshot.id);
  if (asset === undefined) return 'was trashed';
  if (asset.name !== snapshot.name) return `was renamed to ${asset.name ?? 'null'}`;
  if (asset.description !== snapshot.description) return 'has a new description';
  if (JSON.stringify([...asset.tags].sort()) !== JSON.stringify(snapshot.tags)) {
    return `has tags ${JSON.stringify(asset.tags)} instead of ${JSON.stringify(snapshot.tags)}`;
  }
  if (asset.url === null || (await downloadSha256(asset.url)) !== snapshot.sha256) return 'serves other bytes';
  return undefined;
}
