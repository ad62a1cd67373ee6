/**
 * `npm start`: syncs a folder (the sample `test/fixtures/images` by default) and prints the plan,
 * the result and the asset URLs. With RASTER_API_KEY set, it syncs into the real service.
 * Without it, it starts the emulator in-process with its data in `.raster-emulator/`, so a second
 * run finds everything unchanged.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SyncReport } from '@raster-toolkit/core';
import { RasterUsageError } from '@raster-toolkit/core';
import { enableUploadChunkCollection, syncFolder } from '@raster-toolkit/core/node';
import { DataFolderInUseError, startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { toInputError } from './parse';
import { ExitCode, exitCodeFor, formatReport } from './present';
import { abortOnTerminalSignals } from './signals';
import { TerminalReporter } from './terminal';

/** The API version header every Raster request sends. */
const API_VERSION = '2026-05-20';

const HELP = `Usage: npm start -- [folder] [--dry-run] [--keep] [--data-dir <folder>]

Syncs a folder into a Raster library: test/fixtures/images by default.

With RASTER_API_KEY set, syncs into the real service: the library is RASTER_LIBRARY, the
organization RASTER_ORGANIZATION (default: the key's), the API RASTER_API_URL.
Without it, starts the Raster emulator on 127.0.0.1 with its data in .raster-emulator/.

Options:
  --dry-run            Print the plan and write nothing.
  --keep               Keep the emulator running after the sync to browse the assets; Ctrl-C stops it.
  --data-dir <folder>  Data folder of the emulator. Default: .raster-emulator/ in the working copy.
  -h, --help           Print this help.
`;

/** Engine option names and the environment variables of `npm start` that set them. */
const ENVIRONMENT_NAMES: Readonly<Record<string, string>> = {
  apiKey: 'RASTER_API_KEY',
  apiUrl: 'RASTER_API_URL',
  baseUrl: 'RASTER_API_URL',
  organization: 'RASTER_ORGANIZATION',
  library: 'RASTER_LIBRARY',
};

// The bundle is build/start.js, so the repository root is one folder up.
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean' },
        keep: { type: 'boolean' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return ExitCode.success;
  }
  if (positionals.length > 1) return usageError(`Expected at most one folder, got ${positionals.length}.`);

  // npm runs scripts from the repository root; INIT_CWD is where `npm start` was typed.
  const invokedFrom = process.env['INIT_CWD'] ?? process.cwd();
  const folder = positionals[0] !== undefined ? path.resolve(invokedFrom, positionals[0]) : path.join(repositoryRoot, 'test/fixtures/images');
  const dryRun = values['dry-run'] ?? false;

  const apiKey = process.env['RASTER_API_KEY']?.trim();
  if (apiKey) {
    const library = process.env['RASTER_LIBRARY']?.trim();
    if (!library) return usageError('RASTER_API_KEY is set, so set RASTER_LIBRARY to the slug of the library to sync into.');
    const organization = process.env['RASTER_ORGANIZATION']?.trim();
    const apiUrl = process.env['RASTER_API_URL']?.trim();
    const report = await runSync({
      apiKey,
      library,
      ...(organization ? { organization } : {}),
      ...(apiUrl ? { apiUrl } : {}),
      path: folder,
      dryRun,
      ...demoSyncId(folder),
    });
    return report === undefined ? ExitCode.usage : exitCodeFor(report.outcome);
  }

  const dataDir = path.resolve(invokedFrom, values['data-dir'] ?? path.join(repositoryRoot, '.raster-emulator'));
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', dataDir });
  } catch (error) {
    if (!(error instanceof DataFolderInUseError)) throw error;
    process.stderr.write(`npm start: ${error.withFix('run npm start -- --data-dir <folder>')}\n`);
    return ExitCode.usage;
  }
  process.stdout.write(
    `No RASTER_API_KEY set, so the Raster emulator runs at ${emulator.url} with its data in ${dataDir}, ` +
      `and its library ${emulator.organizationId}/${emulator.libraryId} receives the files.\n\n`,
  );

  let code: number;
  try {
    const report = await runSync({
      apiKey: emulator.writeKey,
      apiUrl: emulator.url,
      organization: emulator.organizationId,
      library: emulator.libraryId,
      path: folder,
      dryRun,
      ...demoSyncId(folder),
    });
    code = report === undefined ? ExitCode.usage : exitCodeFor(report.outcome);
  } catch (error) {
    await emulator.stop();
    throw error;
  }

  const listUrl = `${emulator.url}/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets?pageSize=500`;
  const curl = `curl -s -H 'Api-Version: ${API_VERSION}' -H 'Authorization: Bearer ${emulator.readKey}' '${listUrl}'`;
  if (!values.keep) {
    await emulator.stop();
    process.stdout.write(
      `\nThe emulator has stopped, so the URLs above answer only while it runs. To browse them, run\n` +
        `  npm start -- --keep\n` +
        `and open an asset URL in a browser, or list the library with curl (the command is printed then).\n`,
    );
    return code;
  }

  process.stdout.write(
    `\nThe emulator keeps running at ${emulator.url}; open an asset URL above in a browser, or list the library:\n` +
      `  ${curl}\n` +
      `The key above is the emulator's local read-only key. Press Ctrl-C to stop the emulator.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.stop();
  process.stdout.write('The emulator has stopped.\n');
  return code;
}

/**
 * Returns the sync id of a folder inside the working copy, `raster-toolkit-demo:` and the folder
 * relative to it, so that the id does not depend on where the copy was cloned or on its remote.
 * A folder outside the working copy gets none, so the engine's default applies (the repository
 * that contains it, else the folder's real path).
 */
function demoSyncId(folder: string): { syncId?: string } {
  const relative = path.relative(repositoryRoot, folder);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return {};
  return { syncId: `raster-toolkit-demo:${relative === '' ? '.' : relative.split(path.sep).join('/')}` };
}

/** Runs the sync with live progress, then prints the plan, the result and the asset URLs. */
async function runSync(options: Parameters<typeof syncFolder>[0]): Promise<SyncReport | undefined> {
  const reporter = new TerminalReporter(process.stderr, { planStream: process.stdout, dryRun: options.dryRun ?? false });
  const controller = new AbortController();
  const removeSignalHandlers = abortOnTerminalSignals(controller, (line) => reporter.line(line), ExitCode.partial);

  // `npm start` runs in a process of its own, so it may collect upload chunks.
  enableUploadChunkCollection();
  let report: SyncReport;
  try {
    report = await syncFolder({ ...options, signal: controller.signal, logger: reporter.logger, onEvent: reporter.onEvent });
  } catch (error) {
    reporter.finish();
    if (error instanceof RasterUsageError) {
      usageError(toInputError(error, ENVIRONMENT_NAMES).message);
      return undefined;
    }
    throw error;
  } finally {
    removeSignalHandlers();
  }
  reporter.finish();

  // The engine logged why the run stopped, so the headline leaves the reason out.
  const lines = formatReport(report, { withReason: false });
  process.stdout.write(`\n${lines.join('\n')}\n`);
  return report;
}

function usageError(message: string): number {
  process.stderr.write(`error: ${message} Run npm start -- --help for the options.\n`);
  return ExitCode.usage;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.partial;
  },
);
