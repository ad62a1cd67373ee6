import type { AddressInfo } from 'node:net';
import { EmulatorAdmin } from './admin';
import type { SeedInfo } from './admin-http';
import { validateConfigChange, type EmulatorConfig } from './config';
import type { Services } from './context';
import { FaultInjector, RequestStats } from './faults';
import { formatBaseUrl, isLoopbackHost } from './host';
import { DEFAULT_MAX_FILE_SIZE } from './limits';
import { generateApiKey } from './random';
import { rasterRoutes } from './routes';
import { createEmulatorServer, type RequestLogEntry } from './server';
import { Persistence } from './store/persistence';
import type { SeedValues } from './store/records';
import { Store } from './store/store';

export interface EmulatorOptions {
  /** Address to bind: 127.0.0.1 unless given. Non-loopback addresses need `allowNonLoopback`. */
  host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number;
  /** Folder for state and files that survive restarts; state stays in memory when omitted. */
  dataDir?: string;
  /** Milliseconds after upload during which processing fields stay null; 0 unless given. */
  processingDelayMs?: number;
  /** Milliseconds after upload during which an asset stays out of lists and search; 0 unless given. */
  listingLagMs?: number;
  /** Per-file upload limit in bytes; 100 MiB unless given. */
  maxFileSize?: number;
  /** Allows binding an address that other machines can reach. */
  allowNonLoopback?: boolean;
  /** Seed of the random source for faults with a `probability`; 1 unless given. */
  faultSeed?: number;
  /** Fixed seed values for a new state, such as known keys; random keys unless given. */
  seed?: Partial<SeedValues>;
  /** Time allowed for request headers in milliseconds; 10 s unless given. */
  headersTimeoutMs?: number;
  /** Time allowed for a whole request in milliseconds; 5 min unless given. */
  requestTimeoutMs?: number;
  /** Idle time of a kept-alive connection in milliseconds; 5 s unless given. */
  keepAliveTimeoutMs?: number;
  /** Inactivity in milliseconds after which any connection is closed; 2 min unless given. */
  socketTimeoutMs?: number;
  /** Called after each request; the emulator itself never prints. */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Called with errors outside any request, such as a failed accept on the listening socket. */
  onError?: (error: Error) => void;
}

export interface RunningEmulator {
  /** Base url without a trailing slash, such as `http://127.0.0.1:4010`. */
  url: string;
  organizationId: string;
  libraryId: string;
  /** Key with Write on the seed library. */
  writeKey: string;
  /** Key with Read on the seed library. */
  readKey: string;
  /** The data folder, or null when state is kept in memory. */
  dataDir: string | null;
  admin: EmulatorAdmin;
  /** Stops accepting requests, closes open connections and waits for pending writes. */
  stop(): Promise<void>;
}

function createSeed(seed: Partial<SeedValues> | undefined): SeedValues {
  return {
    organizationId: seed?.organizationId ?? 'demo-org',
    libraryId: seed?.libraryId ?? 'demo-library',
    writeKey: seed?.writeKey ?? generateApiKey(),
    readKey: seed?.readKey ?? generateApiKey(),
  };
}

/**
 * Starts an emulator of the Raster API on loopback. On first start, or without a data folder,
 * it creates an organization, a library, a Write key and a Read key. With an existing data
 * folder it restores them and everything else from the saved state.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && options.allowNonLoopback !== true) {
    throw new Error(`Refusing to bind ${host}: it is not a loopback address. Set allowNonLoopback to expose the emulator.`);
  }
  const config: EmulatorConfig = {
    processingDelayMs: 0,
    listingLagMs: 0,
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
    ...validateConfigChange({
      ...(options.processingDelayMs === undefined ? {} : { processingDelayMs: options.processingDelayMs }),
      ...(options.listingLagMs === undefined ? {} : { listingLagMs: options.listingLagMs }),
      ...(options.maxFileSize === undefined ? {} : { maxFileSize: options.maxFileSize }),
    }),
  };

  const timeouts = {
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 300_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
    socketTimeoutMs: options.socketTimeoutMs ?? 120_000,
  };
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new RangeError(
      `Invalid headersTimeoutMs ${timeouts.headersTimeoutMs}: it must not exceed requestTimeoutMs ${timeouts.requestTimeoutMs}.`,
    );
  }

  let store = new Store(createSeed(options.seed));
  const persistence = await Persistence.open(options.dataDir ?? null, () => store.toSnapshot());
  try {
    const saved = await persistence.load();
    if (saved === null) {
      store.resetToSeed();
      await persistence.save();
    } else {
      store = Store.fromSnapshot(saved);
    }
    await persistence.removeOrphanBlobs(new Set(store.assets.keys()));
  } catch (error) {
    await persistence.close();
    throw error;
  }

  let baseUrl = '';
  const services: Services = {
    store,
    persistence,
    config,
    baseUrl: () => baseUrl,
    now: () => Date.now(),
  };
  const faults = new FaultInjector(
    options.faultSeed ?? 1,
    rasterRoutes.map((route) => route.name),
  );
  const stats = new RequestStats();
  const admin = new EmulatorAdmin(services, faults, stats);
  const info = (): SeedInfo => ({ url: baseUrl, ...pickSeed(store.seed) });

  const server = createEmulatorServer({
    services,
    routes: rasterRoutes,
    faults,
    stats,
    admin,
    info,
    timeouts,
    onRequest: options.onRequest,
    onError: options.onError,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        server.off('listening', onListening);
        reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(options.port ?? 0, host);
    });
  } catch (error) {
    await persistence.close();
    throw error;
  }
  baseUrl = formatBaseUrl(host, (server.address() as AddressInfo).port);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await persistence.close();
    })();
    return stopping;
  };

  return {
    url: baseUrl,
    ...pickSeed(store.seed),
    dataDir: options.dataDir ?? null,
    admin,
    stop,
  };
}

function pickSeed(seed: SeedValues): SeedValues {
  return {
    organizationId: seed.organizationId,
    libraryId: seed.libraryId,
    writeKey: seed.writeKey,
    readKey: seed.readKey,
  };
}
