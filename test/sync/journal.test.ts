import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultJournalDir, FileJournal, journalFileFor, prepareJournalDir } from '../../core/src/node/journal';
import { applyAdoptions, findAdoptions, PENDING_BATCH_EXPIRY_MS, RECOVERY_LISTING_WAIT_MS, type PendingBatch, type RecoveryInput, type UploadJournal } from '../../core/src/sync/journal';
import type { AssetSummary } from '../../core/src/api/types';
import { RasterApiError } from '../../core/src/errors';
import { fingerprintTagFor, ownerTagFor } from '../../core/src/sync/tags';
import { FakeApi } from './support/fake-api';

const OWNER = ownerTagFor('journal-test');
const SILENT = { debug: () => {}, info: () => {}, warn: () => {} };

class MemoryJournal implements UploadJournal {
  batches: PendingBatch[] = [];
  async load() {
    return structuredClone(this.batches);
  }
  async add(batch: PendingBatch) {
    this.batches = [...this.batches.filter((entry) => entry.id !== batch.id), structuredClone(batch)];
  }
  async remove(batchId: string) {
    this.batches = this.batches.filter((entry) => entry.id !== batchId);
  }
}

function pending(overrides: Partial<PendingBatch> = {}): PendingBatch {
  return {
    id: 'b1',
    ownerTag: OWNER,
    libraryId: 'lib',
    startedAt: 10_000,
    baselineIds: [],
    baselineNewestCreated: null,
    clockOffsetLowerBound: 0,
    files: [{ path: 'img/a.png', name: 'a', size: 5, fingerprint: 'f-a' }, { path: 'img/b.png', name: 'b', size: 6, fingerprint: 'f-b' }],
    ...overrides,
  };
}

/** Finds and applies adoptions as a run does; resolves with the adopted assets. */
async function recover(api: FakeApi, journal: UploadJournal, now = 20_000, ownedFingerprints: string[] = []): Promise<AssetSummary[]> {
  const input: RecoveryInput = { api, journal, libraryId: 'lib', ownerTag: OWNER, extraTags: ['extra'], ownedFingerprints: new Set(ownedFingerprints), now: () => now, logger: SILENT };
  const recovery = await findAdoptions(input);
  if (recovery === null) return [];
  const failed = await applyAdoptions(input, recovery);
  return recovery.adoptions.filter((adoption) => !failed.some((entry) => entry.asset.id === adoption.asset.id)).map((adoption) => adoption.asset);
}

describe('journal recovery', () => {
  it('adopts untagged assets of a pending batch', async () => {
    const api = new FakeApi();
    api.clock = 10_500;
    const a = api.store('a', 5);
    const b = api.store('b', 6);
    const journal = new MemoryJournal();
    await journal.add(pending());

    const adopted = await recover(api, journal);

    expect(adopted.map((asset) => asset.id)).toEqual([a.id, b.id]);
    expect(a.tags).toEqual([OWNER, fingerprintTagFor(OWNER, 'f-a'), `${OWNER}:path:img/a.png`, 'extra']);
    expect(b.tags).toEqual([OWNER, fingerprintTagFor(OWNER, 'f-b'), `${OWNER}:path:img/b.png`, 'extra']);
    expect(journal.batches).toEqual([]);
  });

  it('adopts without a rejected path tag', async () => {
    const api = new FakeApi();
    api.clock = 10_500;
    api.tagFault = (_ids, tags) => tags.some((tag) => tag.startsWith(`${OWNER}:path:`))
      ? new RasterApiError({ status: 400, code: 'BAD_USER_INPUT', serviceMessage: 'invalid tag', method: 'POST', path: '/tag' })
      : undefined;
    const a = api.store('a', 5);
    const journal = new MemoryJournal();
    await journal.add(pending({ files: [{ path: 'img/a.png', name: 'a', size: 5, fingerprint: 'f-a' }] }));

    const adopted = await recover(api, journal);

    expect(adopted.map((asset) => asset.id)).toEqual([a.id]);
    expect(a.tags).toEqual([OWNER, fingerprintTagFor(OWNER, 'f-a'), 'extra']);
    expect(journal.batches).toEqual([]);
  });

  it('skips baseline, older, tagged and different assets', async () => {
    const api = new FakeApi();
    api.clock = 5_000;
    const older = api.store('a', 5);
    api.clock = 10_500;
    const inBaseline = api.store('a', 5);
    const tagged = api.store('a', 5, ['someone']);
    const otherSize = api.store('b', 7);
    const journal = new MemoryJournal();
    await journal.add(pending({ baselineIds: [inBaseline.id] }));

    const adopted = await recover(api, journal);

    expect(adopted).toEqual([]);
    for (const asset of [older, inBaseline, otherSize]) expect(asset.tags).toEqual([]);
    expect(tagged.tags).toEqual(['someone']);
    expect(journal.batches[0]!.files.map((file) => file.name)).toEqual(['a', 'b']);
  });

  it('adopts none of two look-alikes', async () => {
    const api = new FakeApi();
    api.clock = 10_500;
    const own = api.store('a', 5);
    const b = api.store('b', 6);
    const other = api.store('a', 5);
    const journal = new MemoryJournal();
    await journal.add(pending());

    const first = await recover(api, journal);

    expect(first.map((asset) => asset.id)).toEqual([b.id]);
    expect(own.tags).toEqual([]);
    expect(other.tags).toEqual([]);
    expect(journal.batches[0]!.files.map((file) => file.name)).toEqual(['a']);

    // Once the other sync tags its copy, only this batch's own asset is left to adopt.
    other.tags.push(ownerTagFor('another-sync'));
    const second = await recover(api, journal, 20_000, ['f-b']);

    expect(second.map((asset) => asset.id)).toEqual([own.id]);
    expect(other.tags).toEqual([ownerTagFor('another-sync')]);
    expect(journal.batches).toEqual([]);
  });

  it('matches look-alikes of two batches oldest first', async () => {
    const api = new FakeApi();
    const journal = new MemoryJournal();
    const file = (fingerprint: string) => ({ path: `${fingerprint}/a.png`, name: 'a', size: 5, fingerprint });
    await journal.add(pending({ id: 'b1', startedAt: 10_000, files: [file('one')] }));
    await journal.add(pending({ id: 'b2', startedAt: 12_000, files: [file('two')] }));
    api.clock = 10_500;
    const older = api.store('a', 5);
    api.clock = 12_500;
    const newer = api.store('a', 5);

    const adopted = await recover(api, journal);

    expect(adopted.map((asset) => asset.id)).toEqual([older.id, newer.id]);
    expect(older.tags).toContain(fingerprintTagFor(OWNER, 'one'));
    expect(newer.tags).toContain(fingerprintTagFor(OWNER, 'two'));
    expect(journal.batches).toEqual([]);
  });

  it('resolves files already tagged', async () => {
    const api = new FakeApi();
    const journal = new MemoryJournal();
    await journal.add(pending());

    await recover(api, journal, 20_000, ['f-a', 'f-b']);

    expect(journal.batches).toEqual([]);
    expect(api.count('POST /assets/tag')).toBe(0);
  });

  it('drops an expired unresolved batch', async () => {
    const api = new FakeApi();
    const journal = new MemoryJournal();
    await journal.add(pending());

    await recover(api, journal, 10_000 + PENDING_BATCH_EXPIRY_MS + 1);

    expect(journal.batches).toEqual([]);
  });

  it('finds adoptions without writing', async () => {
    const api = new FakeApi();
    api.clock = 10_500;
    const a = api.store('a', 5);
    const journal = new MemoryJournal();
    await journal.add(pending());

    const recovery = await findAdoptions({ api, journal, libraryId: 'lib', ownerTag: OWNER, extraTags: [], ownedFingerprints: new Set(), now: () => 20_000, logger: SILENT });

    expect(recovery?.adoptions.map((adoption) => adoption.asset.id)).toEqual([a.id]);
    expect(a.tags).toEqual([]);
    expect(api.calls.every((call) => call.startsWith('GET'))).toBe(true);
    expect(journal.batches).toHaveLength(1);
  });

  it('keeps a file whose adoption failed', async () => {
    const api = new FakeApi();
    api.clock = 10_500;
    api.store('a', 5);
    api.store('b', 6);
    api.tagFault = (ids) => (ids[0] === 'asset-1' ? new Error('tag failed') : undefined);
    const journal = new MemoryJournal();
    await journal.add(pending());

    const adopted = await recover(api, journal);

    expect(adopted.map((asset) => asset.id)).toEqual(['asset-2']);
    expect(journal.batches[0]!.files.map((file) => file.name)).toEqual(['a']);
  });

  it('ignores batches of another sync', async () => {
    const api = new FakeApi();
    api.clock = 10_500;
    const a = api.store('a', 5);
    const journal = new MemoryJournal();
    await journal.add(pending({ ownerTag: ownerTagFor('other') }));

    expect(await recover(api, journal)).toEqual([]);
    expect(a.tags).toEqual([]);
    expect(journal.batches).toHaveLength(1);
    expect(api.calls).toEqual([]);
  });
});

describe('journal recovery during listing lag', () => {
  function lagged(api: FakeApi, clock: { now: number }, sleeps: number[]): RecoveryInput {
    return {
      api, journal: new MemoryJournal(), libraryId: 'lib', ownerTag: OWNER, extraTags: [], ownedFingerprints: new Set(),
      now: () => clock.now, logger: SILENT,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.now += ms;
      },
    };
  }

  it('lists again until the assets appear', async () => {
    const api = new FakeApi();
    const clock = { now: 11_000 };
    const sleeps: number[] = [];
    const input = lagged(api, clock, sleeps);
    await input.journal.add(pending());
    const listAssetSummaries = api.listAssetSummaries.bind(api);
    // The stored files appear from the third listing on.
    let listings = 0;
    api.listAssetSummaries = async (libraryId, options) => {
      listings += 1;
      if (listings === 3) {
        api.clock = 10_500;
        api.store('a', 5);
        api.store('b', 6);
      }
      return listAssetSummaries(libraryId, options);
    };

    const recovery = await findAdoptions(input);

    expect(recovery?.adoptions.map((adoption) => adoption.file.path)).toEqual(['img/a.png', 'img/b.png']);
    expect(sleeps).toEqual([500, 1_000]);
  });

  it('stops listing 15 s after the batch started', async () => {
    const api = new FakeApi();
    const clock = { now: 11_000 };
    const sleeps: number[] = [];
    const input = lagged(api, clock, sleeps);
    await input.journal.add(pending({ startedAt: 10_000 }));

    const recovery = await findAdoptions(input);

    expect(recovery?.adoptions).toEqual([]);
    expect(clock.now).toBe(10_000 + RECOVERY_LISTING_WAIT_MS);
    expect(sleeps).toEqual([500, 1_000, 2_000, 4_000, 6_500]);
  });
});

describe('FileJournal', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'raster-journal-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps batches across instances', async () => {
    const file = journalFileFor(join(folder, 'nested'), 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);
    expect(await journal.load()).toEqual([]);

    await Promise.all([journal.add(pending({ id: 'one' })), journal.add(pending({ id: 'two' })), journal.add(pending({ id: 'three' }))]);
    await journal.remove('two');

    expect((await new FileJournal(file).load()).map((batch) => batch.id)).toEqual(['one', 'three']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(2);
  });

  it('removes the file of an empty journal', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);

    await journal.add(pending({ id: 'one' }));
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(1);
    await journal.remove('one');

    await expect(readFile(file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(folder)).toEqual([]);
    expect(await new FileJournal(file).load()).toEqual([]);
  });

  it('writes each batch before add resolves', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);
    const ids = Array.from({ length: 20 }, (_, index) => `batch-${index}`);
    const seen = await Promise.all(ids.map(async (id) => {
      await journal.add(pending({ id }));
      return (JSON.parse(await readFile(file, 'utf8')) as PendingBatch[]).some((batch) => batch.id === id);
    }));
    expect(seen.every(Boolean)).toBe(true);

    await Promise.all(ids.slice(0, 15).map((id) => journal.remove(id)));
    expect((await new FileJournal(file).load()).map((batch) => batch.id)).toEqual(ids.slice(15));
    expect(await journal.load()).toHaveLength(5);
  });

  it('drops a batch whose write failed', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    const temporary = `${file}.${process.pid}.tmp`;
    await mkdir(temporary);
    const journal = new FileJournal(file);

    await expect(journal.add(pending({ id: 'lost' }))).rejects.toMatchObject({ code: 'EISDIR' });
    await rm(temporary, { recursive: true });
    await journal.add(pending({ id: 'kept' }));

    expect((await new FileJournal(file).load()).map((batch) => batch.id)).toEqual(['kept']);
  });

  it('keeps a batch whose remove failed', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);
    await journal.add(pending({ id: 'stays' }));
    await journal.add(pending({ id: 'kept' }));
    const temporary = `${file}.${process.pid}.tmp`;
    await mkdir(temporary);

    await expect(journal.remove('kept')).rejects.toMatchObject({ code: 'EISDIR' });
    await rm(temporary, { recursive: true });
    await journal.add(pending({ id: 'next' }));

    expect((await new FileJournal(file).load()).map((batch) => batch.id)).toEqual(['stays', 'kept', 'next']);
  });

  it('keeps the last batch when its file cannot be removed', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);
    await journal.add(pending({ id: 'kept' }));
    // A folder in the file's place makes the removal fail.
    await rm(file);
    await mkdir(file);

    await expect(journal.remove('kept')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|EPERM)$/) });
    await rm(file, { recursive: true });
    await journal.add(pending({ id: 'next' }));

    expect((await new FileJournal(file).load()).map((batch) => batch.id)).toEqual(['kept', 'next']);
  });

  it('keeps the entry a failed add replaced', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);
    await journal.add(pending({ id: 'same', startedAt: 1 }));
    const temporary = `${file}.${process.pid}.tmp`;
    await mkdir(temporary);

    await expect(journal.add(pending({ id: 'same', startedAt: 2 }))).rejects.toMatchObject({ code: 'EISDIR' });
    await rm(temporary, { recursive: true });
    await journal.add(pending({ id: 'next' }));

    const batches = await new FileJournal(file).load();
    expect(batches.map((batch) => [batch.id, batch.startedAt])).toEqual([['same', 1], ['next', 10_000]]);
  });

  it('makes its folder again after a cleaner removed it', async () => {
    const file = journalFileFor(join(folder, 'nested'), 'http://127.0.0.1:1', 'lib', OWNER);
    const journal = new FileJournal(file);
    await journal.add(pending({ id: 'one' }));
    await rm(join(folder, 'nested'), { recursive: true });

    await journal.add(pending({ id: 'two' }));

    expect((await new FileJournal(file).load()).map((batch) => batch.id)).toEqual(['one', 'two']);
  });

  it('rereads the file after a failed read', async () => {
    const file = journalFileFor(folder, 'http://127.0.0.1:1', 'lib', OWNER);
    await writeFile(file, '{ not json');
    const journal = new FileJournal(file);
    await expect(journal.load()).rejects.toThrow(SyntaxError);

    await writeFile(file, JSON.stringify([pending({ id: 'one' })]));
    expect((await journal.load()).map((batch) => batch.id)).toEqual(['one']);
  });

  it('names one file per sync and library', () => {
    const base = journalFileFor(folder, 'https://api.raster.app', 'lib', OWNER);
    expect(journalFileFor(folder, 'https://api.raster.app', 'lib', OWNER)).toBe(base);
    expect(journalFileFor(folder, 'https://api.raster.app', 'other', OWNER)).not.toBe(base);
    expect(journalFileFor(folder, 'https://api.raster.app', 'lib', ownerTagFor('x'))).not.toBe(base);
  });
});

describe('journal folder', () => {
  let folder: string;
  const ELSEWHERE = 'set TMPDIR to a folder that this user can write';

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'raster-journal-folder-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it.skipIf(process.getuid === undefined)('is one per user', () => {
    expect(defaultJournalDir()).toBe(join(tmpdir(), `raster-sync-${process.getuid!()}`));
  });

  it.skipIf(process.platform === 'win32')('is created open to its user alone', async () => {
    await prepareJournalDir(join(folder, 'journal'), ELSEWHERE);

    expect((await stat(join(folder, 'journal'))).mode & 0o777).toBe(0o700);
  });

  it.skipIf(process.platform === 'win32')('closes a folder open to other users', async () => {
    await mkdir(join(folder, 'journal'));
    await chmod(join(folder, 'journal'), 0o777);

    await prepareJournalDir(join(folder, 'journal'), ELSEWHERE);

    expect((await stat(join(folder, 'journal'))).mode & 0o777).toBe(0o700);
  });

  it('names a file in its place and the fix', async () => {
    await writeFile(join(folder, 'journal'), 'x');

    await expect(prepareJournalDir(join(folder, 'journal'), ELSEWHERE)).rejects.toThrow(
      `The upload journal folder ${join(folder, 'journal')} is not a folder. Remove it, or ${ELSEWHERE}.`,
    );
  });

  it.skipIf(process.getuid?.() !== 0)("rejects another user's folder", async () => {
    await mkdir(join(folder, 'journal'));
    await chown(join(folder, 'journal'), 65534, 65534);

    await expect(prepareJournalDir(join(folder, 'journal'), ELSEWHERE)).rejects.toThrow(
      `The upload journal folder ${join(folder, 'journal')} belongs to another user (uid 65534), who could read or change this user's journal. ` +
        `Remove it, or ${ELSEWHERE}.`,
    );
  });
});
