import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { imageBytes, libraryPath, raw } from './helpers';
import { startCliJson, stopCli, type CliInfo, type CliProcess } from './cli-process';

const CLIENTS = 50;
const FILE_BYTES = 16 * 1024 * 1024;
/** Peak resident memory the emulator may reach; generous, since 50 buffered files would be 800 MiB. */
const PEAK_RSS_LIMIT = 300 * 1024 * 1024;

let emulator: { process: CliProcess; info: CliInfo };

beforeAll(async () => {
  emulator = await startCliJson(['--listing-lag', '0', '--processing-delay', '0']);
});

afterAll(async () => {
  await stopCli(emulator.process);
});

/** Reads a `/proc/<pid>/status` field in bytes, such as VmRSS or VmHWM (the peak). */
async function memoryField(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (match?.[1] === undefined) {
    throw new Error(`No ${field} line in /proc/${pid}/status.`);
  }
  return Number(match[1]) * 1024;
}

/** Streams one multipart upload of a PNG header followed by `FILE_BYTES` of padding. */
function streamUpload(info: CliInfo, png: Uint8Array, index: number): Promise<number> {
  const boundary = `MemoryBoundary${index}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big-${index}.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const padding = Buffer.alloc(64 * 1024);
  const paddingChunks = (FILE_BYTES - png.byteLength) / padding.length;

  return new Promise((resolve, reject) => {
    const request = httpRequest(`${info.url}${libraryPath(info, '/assets')}`, {
      method: 'POST',
      headers: {
        'Api-Version': '2026-05-20',
        Authorization: `Bearer ${info.writeKey}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': head.length + FILE_BYTES + tail.length,
      },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);

    let written = 0;
    const writeMore = () => {
      while (written < paddingChunks) {
        written += 1;
        const last = written === paddingChunks;
        const chunk = last ? Buffer.concat([padding, tail]) : padding;
        if (!request.write(chunk)) {
          request.once('drain', writeMore);
          return;
        }
      }
      request.end();
    };
    request.write(head);
    request.write(Buffer.from(png));
    writeMore();
  });
}

test('50 concurrent uploads keep memory bounded', async () => {
  const pid = emulator.process.child.pid ?? 0;
  // Padding after the PNG header makes the file exactly FILE_BYTES long with whole 64 KiB chunks.
  const png = new Uint8Array(64 * 1024);
  png.set(await imageBytes('brand/logo-128.png'));
  const idleRss = await memoryField(pid, 'VmRSS');

  const statuses = await Promise.all(Array.from({ length: CLIENTS }, (_, index) => streamUpload(emulator.info, png, index)));

  const peak = await memoryField(pid, 'VmHWM');
  const list = await raw(emulator.info, 'GET', libraryPath(emulator.info, '/assets?pageSize=500'));
  console.log(
    `${CLIENTS} concurrent uploads of ${FILE_BYTES / 1024 / 1024} MiB: emulator RSS idle ${(idleRss / 1048576).toFixed(0)} MiB, peak ${(peak / 1048576).toFixed(0)} MiB`,
  );
  expect(statuses).toEqual(new Array(CLIENTS).fill(200));
  expect(list.json.data).toHaveLength(CLIENTS);
  expect(list.json.data.every((asset: { size: number; width: number }) => asset.size === FILE_BYTES && asset.width === 128)).toBe(
    true,
  );
  expect(peak).toBeLessThan(PEAK_RSS_LIMIT);
}, 180_000);
