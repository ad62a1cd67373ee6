import { parseArgs } from 'node:util';
import { startEmulator, type RunningEmulator } from './emulator';
import { isLoopbackHost } from './host';
import { API_VERSION, DEFAULT_MAX_FILE_SIZE } from './limits';
import type { RequestLogEntry } from './server';
import { DataFolderInUseError } from './store/data-lock';

const USAGE = `Usage: raster-emulator [options]

Runs a local emulator of the Raster REST API.

Options:
  --host HOST              address to bind (default 127.0.0.1; loopback only unless --allow-remote)
  --port PORT              port to bind; 0 picks a free one (default 4010)
  --data DIR               folder for state and files that survive restarts (default: in memory)
  --processing-delay MS    milliseconds before thumbnails and dimensions appear (default 2000)
  --listing-lag MS         milliseconds before a new upload shows in lists and search (default 1000)
  --max-file-size SIZE     per-file upload limit, in bytes or with KiB, MiB or GiB, such as
                           250MiB (default ${DEFAULT_MAX_FILE_SIZE})
  --json                   print one JSON line with url, ids and keys once listening
  --verbose                log one line per request to stderr
  --allow-remote           allow a --host that other machines can reach
  -h, --help               show this help
`;

class UsageError extends Error {}

function readInteger(value: string | undefined, option: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) {
    return fallback;
  }
  if (!/^[0-9]+$/.test(value) || Number(value) > max) {
    throw new UsageError(`Invalid ${option} "${value}": expected an integer from 0 to ${max}.`);
  }
  return Number(value);
}

const BYTE_UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Reads a size of 1 byte or more, in bytes or with the unit KiB, MiB or GiB, as raster-sync does. */
function readByteSize(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const match = /^([0-9]+)(KiB|MiB|GiB)?$/.exec(value.trim());
  const bytes = match === null ? Number.NaN : Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] ?? 1);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(
      `Invalid ${option} "${value}": expected a whole number of bytes of 1 or more such as 104857600, or a whole number with the unit KiB, MiB or GiB such as 250MiB.`,
    );
  }
  return bytes;
}

function formatEntry(entry: RequestLogEntry): string {
  const status = entry.status === 'reset' ? 'reset' : String(entry.status);
  return `${new Date().toISOString()} ${entry.method} ${entry.url} ${status} ${entry.durationMs}ms ${entry.route}`;
}

function describe(emulator: RunningEmulator): string {
  const assetsUrl = `${emulator.url}/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets`;
  return [
    `Raster emulator listening on ${emulator.url}`,
    '',
    `  Organization  ${emulator.organizationId}`,
    `  Library       ${emulator.libraryId}`,
    `  Write key     ${emulator.writeKey}`,
    `  Read key      ${emulator.readKey}`,
    `  Data          ${emulator.dataDir ?? 'in memory (lost on stop; use --data DIR to keep it)'}`,
    '',
    'Try it:',
    `  curl -H 'Api-Version: ${API_VERSION}' -H 'Authorization: Bearer ${emulator.writeKey}' \\`,
    `    '${assetsUrl}?page=1&pageSize=20'`,
    `  curl -H 'Api-Version: ${API_VERSION}' -H 'Authorization: Bearer ${emulator.writeKey}' \\`,
    `    --form 'files=@photo.jpg' '${assetsUrl}'`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        data: { type: 'string' },
        'processing-delay': { type: 'string' },
        'listing-lag': { type: 'string' },
        'max-file-size': { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        'allow-remote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`raster-emulator: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }

  let emulator: RunningEmulator;
  try {
    const host = values.host ?? '127.0.0.1';
    if (!isLoopbackHost(host) && values['allow-remote'] !== true) {
      throw new UsageError(
        `Refusing to bind ${host}: it is not a loopback address and the emulator has no real security. Add --allow-remote to bind it anyway.`,
      );
    }
    const verbose = values.verbose === true;
    emulator = await startEmulator({
      host,
      port: readInteger(values.port, '--port', 4010, 65535),
      ...(values.data === undefined ? {} : { dataDir: values.data }),
      processingDelayMs: readInteger(values['processing-delay'], '--processing-delay', 2000),
      listingLagMs: readInteger(values['listing-lag'], '--listing-lag', 1000),
      maxFileSize: readByteSize(values['max-file-size'], '--max-file-size', DEFAULT_MAX_FILE_SIZE),
      allowNonLoopback: values['allow-remote'] === true,
      onRequest(entry) {
        if (verbose) {
          process.stderr.write(`${formatEntry(entry)}\n`);
        }
        if (entry.error !== undefined) {
          process.stderr.write(`raster-emulator: ${entry.method} ${entry.url} failed: ${entry.error.stack ?? entry.error.message}\n`);
        }
      },
      onError(error) {
        process.stderr.write(`raster-emulator: server error: ${error.stack ?? error.message}\n`);
      },
    });
  } catch (error) {
    const message = error instanceof DataFolderInUseError ? error.withFix('pass another --data folder') : (error as Error).message;
    process.stderr.write(`raster-emulator: ${message}\n`);
    return 2;
  }

  // The handlers come before the ready line, so that a signal sent as soon as the line is read
  // stops the emulator cleanly instead of killing it.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`raster-emulator: ${signal} again, exiting without waiting.\n`);
        process.exit(130);
      }
      stopping = true;
      if (values.json !== true) {
        process.stderr.write(`raster-emulator: ${signal} received, stopping.\n`);
      }
      emulator.stop().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`raster-emulator: stopping failed: ${(error as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  if (values.json === true) {
    const { url, organizationId, libraryId, writeKey, readKey } = emulator;
    process.stdout.write(`${JSON.stringify({ url, organizationId, libraryId, writeKey, readKey })}\n`);
  } else {
    process.stdout.write(describe(emulator));
  }
  return stopped;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`raster-emulator: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
