/**
 * Lower bound of a no-op re-sync, listing part: reads every page of the library's assets at the
 * maximum page size, one page after the other, and stops at the first short page.
 * Usage: node list-pages.js PAGE_SIZE; prints the number of assets listed.
 */
import { API_VERSION, readSettings } from './environment';

const pageSize = Number(process.argv[2] ?? 500);
const settings = readSettings();

let listed = 0;
for (let page = 1; ; page += 1) {
  const url = `${settings.assetsUrl}?page=${page}&pageSize=${pageSize}`;
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${settings.apiKey}`, 'api-version': API_VERSION },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`listing page ${page} failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
  const assets = (JSON.parse(text) as { data: unknown[] }).data;
  listed += assets.length;
  if (assets.length < pageSize) break;
}
process.stdout.write(`${JSON.stringify({ listed })}\n`);
