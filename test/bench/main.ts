/**
 * The benchmark harness behind `npm run bench`: starts one emulator in this process, runs every
 * comparison against it as child process trees on generated files, prints a table and exits
 * with 1 when a comparison could not run or the JSON file could not be written. Missed targets
 * are printed, not fatal.
 *
 * Flags: `--quick` (small sizes, seconds), `--only NAME[,NAME]` (cold, noop, large, start),
 * `--json FILE` (write the results as JSON), `--keep` (keep the generated files).
 */
import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { startEmulator } from '@raster-toolkit/emulator';

import { compareActionStart } from './comparisons/action-start';
import { compareColdUpload } from './comparisons/cold-upload';
import { compareLargeFiles } from './comparisons/large-files';
import { compareNoopResync } from './comparisons/noop-resync';
import { type BenchContext, DEFAULT_SIZES, type Programs, QUICK_SIZES } from './context';
import { killActiveRuns } from './measure';
import { formatBytes, formatMs, renderReport, type ComparisonResult } from './report';
import { LIST_ASSETS_ROUTE } from './routes';

const COMPARISONS: Record<string, (context: BenchContext) => Promise<ComparisonResult>> = {
  cold: compareColdUpload,
  noop: compareNoopResync,
  large: compareLargeFiles,
  start: compareActionStart,
};

const USAGE =
  'Usage: npm run bench -- [--quick] [--only cold,noop,large,start] [--json FILE] [--keep] [--from-source]\n';

/** Page size of an asset listing without `pageSize`, by the API's rules. */
const DEFAULT_PAGE_SIZE = 50;

/** Per-file limit of the emulator during the benchmark: above the largest generated file. */
const MAX_FILE_BYTES = 200 * 1024 * 1024;

/** Load averages over 1, 5 and 15 minutes: how busy the shared machine was. */
function describeLoad(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

function describeMachine(): string {
  return `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown model'}), ${formatBytes(totalmem())} memory, Node ${process.version}, ${process.platform}`;
}

export async function main(argv: string[], programs: Omit<Programs, 'node'>): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        json: { type: 'string' },
        keep: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  // Empty names, as in `--only cold,`, are dropped.
  const names = values.only
    ? values.only.split(',').map((name) => name.trim()).filter((name) => name !== '')
    : Object.keys(COMPARISONS);
  const unknown = names.filter((name) => !(name in COMPARISONS));
  if (unknown.length > 0 || names.length === 0) {
    const named = unknown.length > 0 ? `Unknown comparison ${unknown.map((name) => `"${name}"`).join(', ')}` : 'No comparison named';
    process.stderr.write(`${named} in --only; choose from ${Object.keys(COMPARISONS).join(', ')}.\n${USAGE}`);
    return 2;
  }
  // The JSON file is written after the run, so a folder it cannot be written to fails now.
  if (values.json !== undefined) {
    const problem = await jsonPathProblem(values.json);
    if (problem !== undefined) {
      process.stderr.write(`Invalid --json ${values.json}: ${problem}\n${USAGE}`);
      return 2;
    }
  }

  const started = performance.now();
  const loadAtStart = describeLoad();
  const workDir = await mkdtemp(join(tmpdir(), 'raster-bench-'));
  const listPageSizes: number[] = [];
  const emulator = await startEmulator({
    port: 0,
    host: '127.0.0.1',
    processingDelayMs: 0,
    listingLagMs: 0,
    maxFileSize: MAX_FILE_BYTES,
    onRequest: (entry) => {
      if (entry.route !== LIST_ASSETS_ROUTE) return;
      const pageSize = new URL(entry.url, 'http://emulator').searchParams.get('pageSize');
      listPageSizes.push(pageSize === null ? DEFAULT_PAGE_SIZE : Number(pageSize));
    },
  });
  const controller = new AbortController();
  const context: BenchContext = {
    emulator,
    signal: controller.signal,
    listPageSizes,
    workDir,
    sizes: values.quick ? QUICK_SIZES : DEFAULT_SIZES,
    programs: { ...programs, node: process.execPath },
    sideTimeoutMs: values.quick ? 60_000 : 300_000,
    log: (message) => process.stderr.write(`[bench ${formatMs(performance.now() - started)}] ${message}\n`),
  };

  // Children run in their own process groups, so an interrupt does not reach them: kill them
  // here and let the comparisons unwind, which stops the emulator and removes the files.
  const interrupt = (signal: NodeJS.Signals): void => {
    context.log(`stopped by ${signal}; cleaning up`);
    controller.abort(signal);
    killActiveRuns();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const results: ComparisonResult[] = [];
  try {
    context.log(`${describeMachine()}; emulator at ${emulator.url}; files under ${workDir}`);
    for (const name of names) {
      if (controller.signal.aborted) break;
      const compare = COMPARISONS[name] as (context: BenchContext) => Promise<ComparisonResult>;
      try {
        results.push(await compare(context));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        context.log(`comparison ${name} could not run: ${message}`);
        results.push({ title: name, setup: '', sides: [], ratios: [], targets: [], error: message });
      }
    }
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    try {
      await emulator.stop();
    } catch (error) {
      // Seen when an interrupted upload was still writing into the emulator's temporary folder.
      context.log(`stopping the emulator failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!values.keep) await rm(workDir, { recursive: true, force: true });
  }

  const mode = values.quick ? 'quick mode: small sizes, figures are not meaningful' : 'default sizes';
  const load = `load average ${loadAtStart} at the start, ${describeLoad()} at the end`;
  process.stdout.write(`\nRaster Toolkit benchmarks (${mode})\n${describeMachine()}\n${load}\n\n${renderReport(results)}`);
  process.stdout.write(`Finished in ${formatMs(performance.now() - started)}.\n`);
  let jsonFailed = false;
  if (values.json) {
    try {
      await writeFile(values.json, `${JSON.stringify({ machine: describeMachine(), load, quick: values.quick, results }, null, 2)}\n`);
    } catch (error) {
      jsonFailed = true;
      process.stderr.write(`Writing the figures to --json ${values.json} failed (${errorText(error)}); the table above has them.\n`);
    }
  }
  if (controller.signal.aborted) return controller.signal.reason === 'SIGINT' ? 130 : 143;
  return jsonFailed || results.some((result) => result.error !== undefined) ? 1 : 0;
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** Returns why the figures could not be written to `path`, or undefined when the file can be written. */
async function jsonPathProblem(path: string): Promise<string | undefined> {
  const absolute = resolve(path);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing?.isDirectory()) return 'it is a folder. Pass a file path, such as bench.json.';
  const folder = dirname(absolute);
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    return `its folder ${folder} cannot be written to (${errorText(error)}). Pass a file in an existing, writable folder.`;
  }
  return undefined;
}
