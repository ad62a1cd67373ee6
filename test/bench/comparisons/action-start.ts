/**
 * Comparison 4: the GitHub Action's bundle size and the time from spawning `node` on it to the
 * first request the API receives, against a bare Node process that sends one request.
 *
 * The first request is timed by a pass-through HTTP proxy in the harness process, on loopback in
 * front of the emulator, which stamps the arrival of each request's headers. Spawn time and
 * arrival time come from the same clock.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { type BenchContext, childTempDir, type Emulator, measureSide, toSide } from '../context';
import { writeImageSet } from '../datasets';
import { formatBytes, formatMs, ratioLine, type ComparisonResult, type SideResult } from '../report';

const BUNDLE_LIMIT_BYTES = 1_000_000;
const START_LIMIT_MS = 200;

interface ArrivalProxy {
  url: string;
  /** Arrival time of the first request since the last `rearm`, from `performance.now()`. */
  firstArrival(): number | undefined;
  rearm(): void;
  close(): Promise<void>;
}

async function startArrivalProxy(emulator: Emulator): Promise<ArrivalProxy> {
  const target = new URL(emulator.url);
  let first: number | undefined;
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    first ??= performance.now();
    const upstream = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    firstArrival: () => first,
    rearm: () => {
      first = undefined;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function compareActionStart(context: BenchContext): Promise<ComparisonResult> {
  const { sizes, emulator, programs } = context;
  const bundleBytes = (await stat(programs.action)).size;
  const result: ComparisonResult = {
    title: 'Action start: bundle size and time from spawn to the first request',
    setup: `${programs.action} is ${formatBytes(bundleBytes)}; ${sizes.startRuns} runs of each side, the median counts`,
    sides: [],
    ratios: [],
    targets: [],
  };

  const workspace = join(context.workDir, 'action-workspace');
  await writeImageSet(join(workspace, 'images'), 'action-start', 1, 10_000, context.signal);
  const runnerTemp = join(context.workDir, 'runner-temp');
  await mkdir(runnerTemp, { recursive: true });
  const outputFile = join(runnerTemp, 'output');
  const summaryFile = join(runnerTemp, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');

  const proxy = await startArrivalProxy(emulator);
  try {
    const actionEnv: NodeJS.ProcessEnv = {
      ...process.env,
      'INPUT_API-KEY': emulator.writeKey,
      'INPUT_API-URL': proxy.url,
      INPUT_LIBRARY: emulator.libraryId,
      INPUT_PATH: 'images',
      'INPUT_SYNC-ID': 'bench/action-start',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      TMPDIR: childTempDir(context),
    };
    const bareEnv: NodeJS.ProcessEnv = {
      ...process.env,
      RASTER_BENCH_UPLOAD_URL: `${proxy.url}/`,
      RASTER_BENCH_KEY: emulator.writeKey,
    };

    const measureStarts = async (label: string, args: string[], env: NodeJS.ProcessEnv): Promise<SideResult> => {
      const startTimes: number[] = [];
      let last: SideResult | undefined;
      for (let run = 0; run < sizes.startRuns; run += 1) {
        await emulator.admin.reset();
        proxy.rearm();
        const spawned = performance.now();
        const measured = await measureSide(context, label, programs.node, args, { env, cwd: workspace });
        const arrival = proxy.firstArrival();
        if (arrival === undefined) throw new Error(`${label} exited without sending a request`);
        startTimes.push(arrival - spawned);
        last = toSide(label, measured);
      }
      const startMs = median(startTimes);
      // The emulator's busy and CPU times cover a whole run, not the start this side reports.
      const { emulatorBusyMs: _wholeRunBusy, emulatorCpuMs: _wholeRunCpu, ...lastRun } = last as SideResult;
      return {
        ...lastRun,
        wallMs: startMs,
        note: `start to first request; runs: ${startTimes.map((time) => time.toFixed(0)).join(', ')} ms; last run took ${formatMs(last?.wallMs ?? 0)}`,
      };
    };

    context.log('action start: the action');
    const action = await measureStarts('action (index.cjs bundle)', [programs.action], actionEnv);
    context.log('action start: bare Node');
    const bare = await measureStarts('bare Node process sending one request', [join(programs.clientsDir, 'first-request.js')], bareEnv);
    result.sides.push(action, bare);
    result.ratios.push(ratioLine(action, bare, 'action / bare Node'));
    result.targets.push(
      { description: 'bundle under 1 MB', measured: formatBytes(bundleBytes), met: bundleBytes < BUNDLE_LIMIT_BYTES },
      { description: `start to first request under ${START_LIMIT_MS} ms`, measured: formatMs(action.wallMs), met: action.wallMs < START_LIMIT_MS },
    );
  } finally {
    await proxy.close();
    await emulator.admin.reset();
  }
  return result;
}
