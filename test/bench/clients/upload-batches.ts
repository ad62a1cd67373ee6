/**
 * Baseline (b): a sequential loop that reads each batch of 20 files fully into memory and posts
 * it with fetch and FormData, one request at a time, the way Raster's own CLI uploads.
 * Usage: node upload-batches.js FILE_LIST ROOT
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { API_VERSION, chunk, readFileList, readSettings } from './environment';

const BATCH_SIZE = 20;

const [listPath, root] = process.argv.slice(2);
if (!listPath || !root) throw new Error('usage: upload-batches FILE_LIST ROOT');
const settings = readSettings();

for (const batch of chunk(readFileList(listPath), BATCH_SIZE)) {
  const form = new FormData();
  for (const path of batch) {
    const bytes = await readFile(join(root, path));
    form.append('files', new Blob([bytes], { type: 'image/png' }), basename(path));
  }
  const response = await fetch(settings.assetsUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${settings.apiKey}`, 'api-version': API_VERSION },
    body: form,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`upload failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
}
