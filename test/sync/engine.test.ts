import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { RasterApiError, RasterNetworkError } from '../../core/src/errors';
import { PROXY_REJECTED_CODE } from '../../core/src/retry';
import { mapWithConcurrency } from '../../core/src/sync/concurrency';
import { runSync } from '../../core/src/sync/engine';
import type { PendingBatch, UploadJournal } from '../../core/src/sync/journal';
import { resolveSyncOptions } from '../../core/src/sync/options';
import type { LocalFile } from '../../core/src/sync/plan';
import { ownerTagFor } from '../../core/src/sync/tags';
import type { SyncLogger, SyncOptions, SyncReport } from '../../core/src/sync/types';
import { packBatches } from '../../core/src/sync/upload';
import { FakeApi } from './support/fake-api';

const SYNC_ID = 'engine-test';
const OWNER = ownerTagFor(SYNC_ID);

function localFile(path: string, size = 10): LocalFile {
  const bytes = new Uint8Array(size).fill(path.length);
  return {
    path,
    size,
    sha256: createHash('sha256').update(path).update(bytes).digest('hex'),
    contentType: 'image/png',
    source: { kind: 'bytes', bytes },
  };
}

function files(count: number, size = 10): LocalFile[] {
  return Array.from({ length: count }, (_, index) => localFile(`img/${String(index).padStart(3, '0')}.png`, size));
}

async function sync(api: FakeApi, local: LocalFile[], options: Partial<SyncOptions> = {}, journal?: UploadJournal, logger?: SyncLogger): Promise<SyncReport> {
  const resolved = resolveSyncOptions({ apiKey: 'pk_test', library: api.libraryId, path: '/virtual', syncId: SYNC_ID, reconcileTimeoutMs: 0, ...options }, () => SYNC_ID);
  return runSync(resolved, {
    api,
    resolveOrganization: async () => 'org',
    scan: async () => ({ found: true, files: local }),
    requestCount: () => api.calls.length,
    now: () => api.clock,
    sleep: async (ms) => {
      api.clock += ms;
    },
    signal: options.signal,
    journal,
    logger,
  });
}

function lostResponse(): RasterNetworkError {
  return new RasterNetworkError({ method: 'POST', path: '/assets', cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), bodySent: true });
}

/** Returns the error of a connection refused on each of the client's five attempts, before the request was sent. */
function connectionRefused(method: string): RasterNetworkError {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4010'), { code: 'ECONNREFUSED' });
  return new RasterNetworkError({ method, path: '/assets', cause, bodySent: false, attempts: 5 });
}

/** Returns a logger that keeps every line, prefixed with its level. */
function recordingLogger(): { logger: SyncLogger; lines: string[] } {
  const lines: string[] = [];
  const logger: SyncLogger = {
    debug: () => {},
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  };
  return { logger, lines };
}

function owned(api: FakeApi) {
  return api.assets.filter((asset) => asset.tags.includes(OWNER));
}

describe('packBatches', () => {
  it('fills batches of 20 files', () => {
    const uploads = files(45).map((file) => ({ path: file.path, size: file.size, fingerprint: 'f', file }));
    expect(packBatches(uploads).map((batch) => batch.length)).toEqual([20, 20, 5]);
  });

  it('keeps batches within the byte budget', () => {
    const uploads = files(5, 40).map((file) => ({ path: file.path, size: file.size, fingerprint: 'f', file }));
    expect(packBatches(uploads, 100).map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(packBatches(uploads, 10).map((batch) => batch.length)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('mapWithConcurrency', () => {
  it('keeps order within the limit', async () => {
    let running = 0;
    let most = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 3, async (value) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, value * 2));
      running -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(3);
  });

  it('rejects with the first error', async () => {
    const started: number[] = [];
    const attempt = mapWithConcurrency([1, 2, 3, 4], 2, async (value) => {
      started.push(value);
      if (value === 2) throw new Error('two failed');
      return value;
    });
    await expect(attempt).rejects.toThrow('two failed');
    expect(started).not.toContain(4);
  });
});

describe('runSync with a fake API', () => {
  it('bounds uploads and tag calls in flight', async () => {
    const api = new FakeApi();
    api.delayMs = 5;

    const report = await sync(api, files(100), { concurrency: 3 });

    expect(report.counts.uploaded).toBe(100);
    expect(api.maxInFlight.upload).toBe(3);
    expect(api.maxInFlight.tag).toBeGreaterThan(3);
    expect(api.maxInFlight.tag).toBeLessThanOrEqual(12);
  });

  it('stops waiting once the uploads are listed', async () => {
    const api = new FakeApi();
    await sync(api, files(600));
    const before = api.count('GET /assets tagged');

    const report = await sync(api, [...files(600), localFile('new/a.png'), localFile('new/b.png')]);

    expect(report.counts.uploaded).toBe(2);
    // Two pages of 500 for the plan, then one for the wait: the new uploads list first.
    expect(api.count('GET /assets tagged') - before).toBe(3);
  });

  it('keeps every file when an upload lands mid-listing', async () => {
    const api = new FakeApi();
    await sync(api, files(1_600));
    const listAssetSummaries = api.listAssetSummaries.bind(api);
    let uploaded = false;
    api.listAssetSummaries = async (libraryId, options) => {
      // Later pages respond sooner, as they could if several pages were requested at once.
      await new Promise((resolve) => setTimeout(resolve, (5 - options.page) * 3));
      const page = await listAssetSummaries(libraryId, options);
      if (options.tags && options.page === 3 && !uploaded) {
        // Newest first: the new asset shifts the last asset of each page onto the next one.
        api.store('late', 10, [OWNER]);
        uploaded = true;
      }
      return page;
    };

    const report = await sync(api, files(1_600));

    expect(uploaded).toBe(true);
    expect(report.counts.uploaded).toBe(0);
    expect(report.counts.unchanged).toBe(1_600);
  });

  it('stops when the library list fails', async () => {
    const api = new FakeApi();
    api.listLibrarySummaries = async () => {
      throw new RasterApiError({ status: 500, code: 'INTERNAL', serviceMessage: 'library list failed', method: 'GET', path: '/libraries' });
    };

    const report = await sync(api, files(3));

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toContain('Listing the library failed, so nothing was written');
    expect(api.count('POST')).toBe(0);
  });

  it('stops the library list when the listing fails', async () => {
    const api = new FakeApi();
    let libraryListAborted = false;
    api.listAssetSummaries = async () => {
      throw new RasterApiError({ status: 500, code: 'INTERNAL', serviceMessage: 'asset list failed', method: 'GET', path: '/assets' });
    };
    // A library list that retries until it is stopped, as one behind a failing proxy does.
    api.listLibrarySummaries = (options) => new Promise<never>((_resolve, reject) => {
      options?.signal?.addEventListener('abort', () => {
        libraryListAborted = true;
        reject(options.signal?.reason);
      });
    });

    const report = await sync(api, files(3));

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toContain('asset list failed');
    expect(libraryListAborted).toBe(true);
  });

  it('uploads the next batch while tagging', async () => {
    const api = new FakeApi();
    const tagAssets = api.tagAssets.bind(api);
    const uploadsStarted: number[] = [];
    api.tagAssets = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      uploadsStarted.push(api.count('POST /assets '));
      return tagAssets(...args);
    };

    const report = await sync(api, files(60), { concurrency: 1 });

    expect(report.counts.uploaded).toBe(60);
    // The first batch is tagged while the second uploads, and the third waits for those tags.
    expect(uploadsStarted.slice(0, 20)).toEqual(new Array(20).fill(2));
    expect(uploadsStarted.slice(20, 40)).toEqual(new Array(20).fill(3));
  });

  it('uploads, tags and then finds everything unchanged', async () => {
    const api = new FakeApi();
    const first = await sync(api, files(45));
    expect(first.outcome).toBe('success');
    expect(first.counts.uploaded).toBe(45);
    expect(api.count('POST /assets ')).toBe(3);
    expect(owned(api)).toHaveLength(45);

    const second = await sync(api, files(45));
    expect(second.counts.unchanged).toBe(45);
    expect(second.counts.uploaded).toBe(0);
    expect(api.count('POST /assets ')).toBe(3);
  });

  it('adopts assets stored before a lost response', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => ({ kind: 'store-then-throw', error: lostResponse() }));

    const report = await sync(api, files(3));

    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(3);
    expect(api.assets).toHaveLength(3);
    expect(owned(api)).toHaveLength(3);
    expect(api.count('POST /assets ')).toBe(1);
  });

  it('sends again what a lost upload did not store', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => ({ kind: 'reject', error: lostResponse() }));

    const report = await sync(api, files(3));

    expect(report.outcome).toBe('success');
    expect(api.assets).toHaveLength(3);
    expect(api.count('POST /assets ')).toBe(2);
  });

  it('logs no adoption when nothing was stored', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => ({ kind: 'reject', error: lostResponse() }));
    const { logger, lines } = recordingLogger();

    await sync(api, files(3), {}, undefined, logger);

    expect(lines).toContain('info: Found no asset to adopt for the 3 files of the upload whose response was lost.');
    expect(lines.filter((line) => line.includes('adopting'))).toEqual([]);
  });

  it('logs the adoption of every stored file', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => ({ kind: 'store-then-throw', error: lostResponse() }));
    const { logger, lines } = recordingLogger();

    await sync(api, files(3), {}, undefined, logger);

    expect(lines).toContain('info: Found the assets of all 3 files of the upload whose response was lost; adopting them.');
  });

  it('logs the adoption of a single file', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => ({ kind: 'store-then-throw', error: lostResponse() }));
    const { logger, lines } = recordingLogger();

    await sync(api, files(1), {}, undefined, logger);

    expect(lines).toContain('info: Found the asset of the file of the upload whose response was lost; adopting it.');
  });

  it('logs no count when the lost upload cannot be checked', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => {
      api.listFault = () => connectionRefused('GET');
      return { kind: 'reject', error: lostResponse() };
    });
    const { logger, lines } = recordingLogger();

    await sync(api, files(3), {}, undefined, logger);

    expect(lines.filter((line) => line.includes('of the upload whose response was lost'))).toEqual([]);
  });

  it('does not adopt a look-alike foreign asset', async () => {
    const api = new FakeApi();
    const foreign = api.store('000', 10, ['someone']);
    api.uploadFaults.push(() => ({ kind: 'reject', error: lostResponse() }));

    await sync(api, files(1));

    expect(api.assets.find((asset) => asset.id === foreign.id)?.tags).toEqual(['someone']);
    expect(owned(api)).toHaveLength(1);
  });

  it('trashes an asset whose tagging fails', async () => {
    const api = new FakeApi();
    const stale = api.store('stale', 1, [OWNER]);
    let failedId: string | undefined;
    api.tagFault = (ids) => {
      if (failedId === undefined) failedId = ids[0];
      return ids[0] === failedId ? new RasterApiError({ status: 400, code: 'BAD_USER_INPUT', serviceMessage: 'no', method: 'POST', path: '/tag' }) : undefined;
    };

    const report = await sync(api, files(3));

    expect(report.outcome).toBe('failed');
    expect(report.counts.failed).toBe(1);
    expect(report.counts.uploaded).toBe(2);
    expect(api.assets.some((asset) => asset.id === failedId)).toBe(false);
    expect(report.files.find((file) => file.status === 'failed')?.reason).toContain('moved to the trash');
    expect(api.assets.some((asset) => asset.id === stale.id)).toBe(true);
  });

  it('tags again without a rejected path tag', async () => {
    const api = new FakeApi();
    api.tagFault = (_ids, tags) => tags.some((tag) => tag.startsWith(`${OWNER}:path:`))
      ? new RasterApiError({ status: 400, code: 'BAD_USER_INPUT', serviceMessage: 'invalid tag', method: 'POST', path: '/tag' })
      : undefined;

    const report = await sync(api, files(3));

    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(3);
    expect(api.count('POST /assets/tag')).toBe(6);
    expect(owned(api)).toHaveLength(3);
    expect(api.assets.every((asset) => !asset.tags.some((tag) => tag.includes(':path:')))).toBe(true);
  });

  it('keeps the journal when trashing fails', async () => {
    const api = new FakeApi();
    const journal = new Map<string, PendingBatch>();
    const memory: UploadJournal = {
      load: async () => [...journal.values()],
      add: async (batch) => void journal.set(batch.id, batch),
      remove: async (id) => void journal.delete(id),
    };
    api.tagFault = (ids) => (ids[0] === 'asset-1' ? new Error('tag failed') : undefined);
    api.deleteFault = () => new Error('delete failed');

    const report = await sync(api, files(3), {}, memory);

    const failed = report.files.find((file) => file.status === 'failed');
    expect(failed?.reason).toContain(
      'Moving the untagged asset asset-1 to the trash failed too. The next run of this sync on this machine adopts it ' +
        'from the upload journal if it starts within 10 minutes; after that, delete the asset by hand.',
    );
    expect([...journal.values()].map((batch) => batch.files.length)).toEqual([3]);

    // A dry run names the asset a run would adopt, and writes nothing.
    api.tagFault = undefined;
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (line: string) => void lines.push(line), warn: () => {} };
    const dryRun = await sync(api, files(3), { dryRun: true }, memory, logger);
    expect(dryRun.counts.unchanged).toBe(3);
    expect(dryRun.adoptedAssetIds).toBeUndefined();
    expect(lines).toContain(
      'Dry run: 1 asset that an interrupted run uploaded for files of this sync would be adopted: ' +
        "the plan counts it as unchanged, and a run tags it as this sync's.",
    );
    expect(api.assets.find((asset) => asset.id === 'asset-1')?.tags).toEqual([]);

    // The next run adopts the asset that could be neither tagged nor trashed.
    const next = await sync(api, files(3), {}, memory);
    expect(next.adoptedAssetIds).toEqual(['asset-1']);
    expect(next.counts.uploaded).toBe(0);
    expect(next.counts.unchanged).toBe(3);
    expect(journal.size).toBe(0);
  });

  it('asks to delete an untrashable asset without a journal', async () => {
    const api = new FakeApi();
    api.tagFault = (ids) => (ids[0] === 'asset-1' ? new Error('tag failed') : undefined);
    api.deleteFault = () => new Error('delete failed');

    const report = await sync(api, files(3));

    const failed = report.files.find((file) => file.status === 'failed');
    expect(failed?.reason).toContain('Moving the untagged asset asset-1 to the trash failed too; delete it by hand.');
  });

  it('splits a batch to find the file at fault', async () => {
    const api = new FakeApi();
    const tooLarge = new RasterApiError({ status: 413, code: 'PAYLOAD_TOO_LARGE', serviceMessage: 'img/003.png is too large', method: 'POST', path: '/assets' });
    api.uploadFaults = Array.from({ length: 10 }, () => (parts) => (parts.some((part) => part.filename === '003.png') ? { kind: 'reject', error: tooLarge } : undefined));

    const report = await sync(api, files(8));

    expect(report.outcome).toBe('failed');
    expect(report.counts.uploaded).toBe(7);
    expect(report.files.filter((file) => file.status === 'failed').map((file) => file.path)).toEqual(['img/003.png']);
    expect(report.stopReason).toContain('img/003.png');
  });

  it('stops new batches after a fatal error', async () => {
    const api = new FakeApi();
    const locked = new RasterApiError({ status: 403, code: 'LIBRARY_LOCKED', serviceMessage: 'locked', method: 'POST', path: '/assets' });
    api.uploadFaults = Array.from({ length: 5 }, () => () => ({ kind: 'reject', error: locked }));

    const report = await sync(api, files(60), { concurrency: 1 });

    expect(report.counts.failed).toBe(60);
    expect(api.count('POST /assets ')).toBe(1);
  });

  it('stops new batches after a rejected proxy', async () => {
    const api = new FakeApi();
    const cause = Object.assign(new Error('The proxy rejected the tunnel with 407 Proxy Authentication Required.'), { code: PROXY_REJECTED_CODE });
    const rejected = new RasterNetworkError({ method: 'POST', path: '/assets', cause, bodySent: false });
    api.uploadFaults = Array.from({ length: 5 }, () => () => ({ kind: 'reject', error: rejected }));

    const report = await sync(api, files(60), { concurrency: 1 });

    expect(report.counts.failed).toBe(60);
    expect(api.count('POST /assets ')).toBe(1);
  });

  it('stops at once when a lost upload cannot be checked', async () => {
    const api = new FakeApi();
    const stale = api.store('old', 1, [OWNER]);
    api.uploadFaults.push(() => {
      api.listFault = () => connectionRefused('GET');
      return { kind: 'reject', error: lostResponse() };
    });
    const { logger, lines } = recordingLogger();

    const report = await sync(api, files(60), { concurrency: 1, reconcileTimeoutMs: 60_000 }, undefined, logger);

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toMatch(/^The Raster API could not be reached, so the run stopped: GET \/assets failed .*ECONNREFUSED/);
    expect(report.stopReason).toContain('60 files failed. Nothing was pruned.');
    expect(report.counts.failed).toBe(60);
    expect(api.count('POST /assets ')).toBe(1);
    // The newest assets listed before the first upload, then a single listing for the lost upload.
    expect(api.calls.filter((call) => call === 'GET /assets')).toHaveLength(2);
    expect(api.count('DELETE')).toBe(0);
    expect(api.assets).toContainEqual(stale);
    const lost = report.files.find((file) => file.path === 'img/000.png');
    expect(lost?.reason).toContain('the library could not be checked, because the Raster API could not be reached');
    const unsent = report.files.find((file) => file.path === 'img/059.png');
    expect(unsent?.reason).toContain('Not uploaded, because the Raster API could not be reached');
    expect(lines.filter((line) => line.startsWith('error: '))).toEqual([`error: ${report.stopReason}`]);
  });

  it('skips the wait for listing when unreachable', async () => {
    const api = new FakeApi();
    api.uploadFaults.push(() => {
      api.listFault = () => connectionRefused('GET');
      return { kind: 'reject', error: lostResponse() };
    });

    const report = await sync(api, files(60), { concurrency: 3, reconcileTimeoutMs: 60_000 });

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toMatch(/^The Raster API could not be reached/);
    expect(report.counts.uploaded).toBe(40);
    expect(report.counts.failed).toBe(20);
    expect(api.count('POST /assets ')).toBe(3);
    // The listing before the plan; the wait for listing sends none.
    expect(api.count('GET /assets tagged')).toBe(1);
  });

  it('stops the wait for listing when unreachable', async () => {
    const api = new FakeApi();
    let ownedListings = 0;
    api.listFault = (options) => (options.tags !== undefined && ++ownedListings > 1 ? connectionRefused('GET') : undefined);
    const { logger, lines } = recordingLogger();

    const report = await sync(api, files(3), {}, undefined, logger);

    expect(report.outcome).toBe('success');
    expect(report.counts.uploaded).toBe(3);
    expect(api.count('GET /assets tagged')).toBe(2);
    expect(lines).toContain('warn: Stopped waiting for the uploads to be listed because the Raster API could not be reached. ' +
      '3 of 3 uploads were not seen in the listing; a run started before they are listed could upload them again.');
  });

  it('stops new batches when uploads cannot connect', async () => {
    const api = new FakeApi();
    api.uploadFaults = Array.from({ length: 5 }, () => () => ({ kind: 'reject', error: connectionRefused('POST') }));

    const report = await sync(api, files(60), { concurrency: 1 });

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toMatch(/^The Raster API could not be reached/);
    expect(report.counts.failed).toBe(60);
    expect(api.count('POST /assets ')).toBe(1);
  });

  it('finishes batches in flight when aborted', async () => {
    const api = new FakeApi();
    api.store('old', 1, [OWNER]);
    const controller = new AbortController();
    api.onUpload = () => controller.abort();

    const report = await sync(api, files(60), { concurrency: 2, signal: controller.signal });

    expect(report.outcome).toBe('partial');
    expect(report.counts.uploaded).toBe(40);
    expect(report.counts.cancelled).toBe(20);
    expect(report.counts.skipped).toBe(0);
    expect(api.assets.filter((asset) => asset.tags.length === 0)).toEqual([]);
    expect(api.assets.some((asset) => asset.name === 'old')).toBe(true);
    expect(api.count('DELETE')).toBe(0);
  });

  it('writes nothing when aborted before uploads', async () => {
    const api = new FakeApi();
    const controller = new AbortController();
    controller.abort();

    const report = await sync(api, files(3), { signal: controller.signal });

    expect(report.outcome).toBe('partial');
    expect(report.stopReason).toContain('nothing was written');
    expect(api.calls).toEqual([]);
  });

  it('reports a failed scan', async () => {
    const api = new FakeApi();
    const resolved = resolveSyncOptions({ apiKey: 'pk_test', library: 'lib', path: '/virtual', syncId: SYNC_ID }, () => SYNC_ID);

    const report = await runSync(resolved, {
      api,
      resolveOrganization: async () => 'org',
      scan: async () => {
        throw new Error('EACCES: permission denied');
      },
      requestCount: () => api.calls.length,
      now: () => 0,
      sleep: async () => {},
    });

    expect(report.outcome).toBe('failed');
    expect(report.stopReason).toContain('EACCES');
    expect(api.calls).toEqual([]);
  });

  it('clears the journal after each batch', async () => {
    const api = new FakeApi();
    const added: PendingBatch[] = [];
    const removed: string[] = [];
    const journal: UploadJournal = {
      load: async () => [],
      add: async (batch) => {
        added.push(batch);
        expect(api.count('POST /assets ')).toBe(added.length - 1);
      },
      remove: async (id) => {
        removed.push(id);
      },
    };

    // One batch at a time, so each batch must be in the journal before its own upload starts.
    await sync(api, files(45), { concurrency: 1 }, journal);

    expect(added.map((batch) => batch.files.length)).toEqual([20, 20, 5]);
    expect(removed.sort()).toEqual(added.map((batch) => batch.id).sort());
    expect(added[0]!.files[0]!.path).toBe('img/000.png');
  });

  it('writes nothing in a dry run', async () => {
    const api = new FakeApi();
    api.store('old', 1, [OWNER]);
    const report = await sync(api, files(2), { dryRun: true });
    expect(report.plan.upload).toHaveLength(2);
    expect(report.plan.prune).toHaveLength(1);
    expect(api.calls.filter((call) => !call.startsWith('GET'))).toEqual([]);
  });

  it('names colliding and uploaded files as the file system stores them', async () => {
    const api = new FakeApi();
    const warnings: string[] = [];
    const logger: SyncLogger = { debug: () => {}, info: () => {}, warn: (message) => warnings.push(message) };
    const local = [
      { ...localFile('caf\u00e9.png'), rawPath: 'cafe\u0301.png' },
      localFile('caf\u00e9.png', 11),
      localFile('Caf\u00e9.png'),
      localFile('Logo.png'),
      localFile('logo.png'),
      { ...localFile('th\u00e9.png'), rawPath: 'the\u0301.png' },
    ];

    const report = await sync(api, local, {}, undefined, logger);

    expect(warnings).toEqual([
      'These names collide after Unicode normalisation or when case is ignored, and are skipped: "Caf\\u00e9.png", "cafe\\u0301.png", "caf\\u00e9.png"',
      'These names collide when case is ignored and are skipped: Logo.png, logo.png',
    ]);
    expect(report.files.map(({ path, rawPath, status }) => ({ path, rawPath, status }))).toEqual([
      { path: 'Caf\u00e9.png', rawPath: undefined, status: 'skipped' },
      { path: 'Logo.png', rawPath: undefined, status: 'skipped' },
      { path: 'caf\u00e9.png', rawPath: 'cafe\u0301.png', status: 'skipped' },
      { path: 'caf\u00e9.png', rawPath: undefined, status: 'skipped' },
      { path: 'logo.png', rawPath: undefined, status: 'skipped' },
      { path: 'th\u00e9.png', rawPath: 'the\u0301.png', status: 'uploaded' },
    ]);
  });

  it('trashes nothing after a file could not be read', async () => {
    const api = new FakeApi();
    await sync(api, files(3));
    const warnings: string[] = [];
    const logger: SyncLogger = { debug: () => {}, info: () => {}, warn: (message) => warnings.push(message) };
    const unreadable: LocalFile = { path: 'img/secret.png', size: 10, skipReason: 'The file cannot be read (EACCES).', readFailed: true };

    const report = await sync(api, [...files(2), unreadable], {}, undefined, logger);

    expect(report.outcome).toBe('success');
    expect(report.counts).toMatchObject({ unchanged: 2, pruned: 0, skipped: 1 });
    expect(report.plan.stale).toHaveLength(1);
    expect(warnings).toContain(
      'Trashing nothing, because 1 file or folder could not be read: an asset that looks stale may belong to what could not be read. ' +
        'Fix the permissions or exclude what could not be read, then run again to trash 1 stale asset.',
    );
    expect(api.count('DELETE /assets')).toBe(0);
    expect(owned(api)).toHaveLength(3);
  });

  it('rejects invalid options before any request', async () => {
    const api = new FakeApi();
    await expect(sync(api, files(1), { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(sync(api, files(1), { tags: ['a,b'] })).rejects.toThrow(/comma/);
    await expect(sync(api, files(1), { maxDeletes: { percent: 150 } })).rejects.toThrow(/maxDeletes/);
    await expect(sync(api, files(1), { prune: 'false' as unknown as boolean })).rejects.toThrow(/prune.*true or false/);
    await expect(sync(api, files(1), { include: '*.png' as unknown as string[] })).rejects.toThrow(/include.*list of strings/);
    expect(api.calls).toEqual([]);
  });
});

describe('runSync with a text hasher', () => {
  it('uses the given hasher', async () => {
    const api = new FakeApi();
    const local = files(3);
    let calls = 0;
    const hashText = (text: string): string => {
      calls += 1;
      return createHash('sha256').update(text, 'utf8').digest('hex');
    };
    const resolved = resolveSyncOptions({ apiKey: 'pk_test', library: api.libraryId, path: '/virtual', syncId: SYNC_ID, reconcileTimeoutMs: 0 }, () => SYNC_ID);

    const first = await runSync(resolved, {
      api,
      resolveOrganization: async () => 'org',
      scan: async () => ({ found: true, files: local }),
      requestCount: () => api.calls.length,
      now: () => api.clock,
      sleep: async () => {},
      hashText,
    });

    expect(first.counts.uploaded).toBe(3);
    expect(calls).toBe(3);
    // The pure SHA-256 gives the same fingerprints, so a run without the hasher changes nothing.
    expect((await sync(api, local)).counts.unchanged).toBe(3);
  });
});

