/** Settings that the harness passes to the baseline clients through the environment. */
import { readFileSync } from 'node:fs';

export interface ClientSettings {
  /** URL of the library's assets route: uploads POST to it, listings GET it. */
  assetsUrl: string;
  apiKey: string;
}

export const API_VERSION = '2026-05-20';

export function readSettings(): ClientSettings {
  const assetsUrl = process.env.RASTER_BENCH_UPLOAD_URL;
  const apiKey = process.env.RASTER_BENCH_KEY;
  if (!assetsUrl || !apiKey) {
    throw new Error('RASTER_BENCH_UPLOAD_URL and RASTER_BENCH_KEY must be set by the benchmark harness');
  }
  return { assetsUrl, apiKey };
}

/** Reads a file list: one path relative to the dataset root per line. */
export function readFileList(listPath: string): string[] {
  return readFileSync(listPath, 'utf8').split('\n').filter((line) => line.length > 0);
}

/** Splits `items` into consecutive groups of at most `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}
