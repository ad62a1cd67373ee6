import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningEmulator } from '@raster-toolkit/emulator';
import { SHARED_IMAGES } from '../support/shared-images';

export const API_VERSION = '2026-05-20';
export const IMAGES = SHARED_IMAGES;

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any;
  text: string;
}

export interface RawRequestOptions {
  key?: string | null;
  apiVersion?: string | null;
  body?: unknown;
  rawBody?: RequestInit['body'];
  headers?: Record<string, string>;
}

/**
 * Sends one request with fetch, adding `Api-Version` and `Authorization: Bearer` unless set to
 * null, and a JSON body when `body` is given.
 */
export async function raw(
  emulator: Pick<RunningEmulator, 'url' | 'writeKey'>,
  method: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  const apiVersion = options.apiVersion === undefined ? API_VERSION : options.apiVersion;
  if (apiVersion !== null) {
    headers['Api-Version'] = apiVersion;
  }
  const key = options.key === undefined ? emulator.writeKey : options.key;
  if (key !== null) {
    headers['Authorization'] = `Bearer ${key}`;
  }
  let body: RequestInit['body'] = options.rawBody;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  Object.assign(headers, options.headers);

  const response = await fetch(emulator.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export function libraryPath(emulator: Pick<RunningEmulator, 'organizationId' | 'libraryId'>, suffix = ''): string {
  return `/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}${suffix}`;
}

export async function imageBytes(relativePath: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(IMAGES, relativePath)));
}

/** Uploads files given as [filename, bytes] pairs in one multipart request. */
export async function upload(
  emulator: Pick<RunningEmulator, 'url' | 'writeKey' | 'organizationId' | 'libraryId'>,
  files: Array<[string, Uint8Array]>,
  options: { key?: string; libraryId?: string; field?: string } = {},
): Promise<RawResponse> {
  const form = new FormData();
  for (const [filename, bytes] of files) {
    form.append(options.field ?? 'files', new Blob([bytes]), filename);
  }
  const path = `/organizations/${emulator.organizationId}/libraries/${options.libraryId ?? emulator.libraryId}/assets`;
  return raw(emulator, 'POST', path, { rawBody: form, ...(options.key === undefined ? {} : { key: options.key }) });
}

/** Uploads real sample images and returns the created asset objects. */
export async function uploadSamples(
  emulator: Pick<RunningEmulator, 'url' | 'writeKey' | 'organizationId' | 'libraryId'>,
  paths: string[],
): Promise<any[]> {
  const files: Array<[string, Uint8Array]> = [];
  for (const path of paths) {
    files.push([path.split('/').pop() ?? path, await imageBytes(path)]);
  }
  const response = await upload(emulator, files);
  if (response.status !== 200) {
    throw new Error(`Upload failed with ${response.status}: ${response.text}`);
  }
  return response.json.data.assets;
}
