/**
 * Ceiling (c): the emulator's ingest rate with no client work in the way. Builds every 20-file
 * multipart body in memory first, then posts them over CONNECTIONS kept-alive connections at
 * once and times only the posting. It also reports the time its own start took.
 * Usage: node ceiling.js FILE_LIST ROOT CONNECTIONS. Prints the start and posting times in
 * milliseconds.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { API_VERSION, chunk, readFileList, readSettings } from './environment';

const BATCH_SIZE = 20;

/** Time from the process's start to this line: Node's start and loading this script. */
const startMs = performance.now();

const [listPath, rootArgument, connectionsText] = process.argv.slice(2);
if (!listPath || !rootArgument) throw new Error('usage: ceiling FILE_LIST ROOT CONNECTIONS');
const root: string = rootArgument;
const connections = Number(connectionsText ?? 4);
const settings = readSettings();

interface Body {
  boundary: string;
  bytes: Buffer;
}

async function buildBody(paths: string[]): Promise<Body> {
  const boundary = `----raster-bench-${randomBytes(12).toString('hex')}`;
  const pieces: Buffer[] = [];
  for (const path of paths) {
    pieces.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${basename(path)}"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      ),
      await readFile(join(root, path)),
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, bytes: Buffer.concat(pieces) };
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(settings.assetsUrl);

function post(body: Body): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${settings.apiKey}`,
          'api-version': API_VERSION,
          'content-type': `multipart/form-data; boundary=${body.boundary}`,
          'content-length': body.bytes.length,
        },
      },
      (response) => {
        const received: Buffer[] = [];
        response.on('data', (piece: Buffer) => received.push(piece));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`upload failed with HTTP ${status}: ${Buffer.concat(received).toString().slice(0, 500)}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body.bytes);
  });
}

const files = readFileList(listPath);
const bodies: Body[] = [];
for (const batch of chunk(files, BATCH_SIZE)) bodies.push(await buildBody(batch));

const started = performance.now();
let next = 0;
async function worker(): Promise<void> {
  while (next < bodies.length) {
    const body = bodies[next] as Body;
    next += 1;
    await post(body);
  }
}
await Promise.all(Array.from({ length: connections }, () => worker()));
const postMs = performance.now() - started;
agent.destroy();
process.stdout.write(`${JSON.stringify({ startMs, postMs, requests: bodies.length })}\n`);
