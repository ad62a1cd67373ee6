import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Asset } from '../../core/src/api/types';
import { planSync } from '../../core/src/sync/plan';
import type { LocalFile, PlanInput } from '../../core/src/sync/plan';
import { fingerprintFor, fingerprintTagFor, ownerTagFor } from '../../core/src/sync/tags';
import type { SyncPlan } from '../../core/src/sync/types';

const SYNC_ID = 'octo/site/images';
const OWNER_TAG = ownerTagFor(SYNC_ID);
const OTHER_OWNER_TAG = ownerTagFor('octo/other-folder');
const DIGESTS = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(64));

/** Fixed seed and run count, so a failure reproduces; fast-check prints the counterexample. */
const RUNS = { seed: 20261204, numRuns: 300 };

// Segments mix case and both Unicode forms of "é", so that collisions by case and by
// normalisation are common. No segment is "." or "..", and none contains a separator.
const segment = fc
  .array(fc.constantFrom('a', 'A', 'b', 'é', 'e\u0301', 'Ω', 'dir', 'x y', '#', '-'), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join(''));
const relativePath = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 2 }), segment, fc.constantFrom('.png', '.PNG', '.jpg'))
  .map(([directories, name, extension]) => [...directories, `${name}${extension}`].join('/'));

const localFile = fc.record({
  path: relativePath,
  digestIndex: fc.nat({ max: DIGESTS.length - 1 }),
  skipReason: fc.option(fc.constantFrom('The file is empty.', 'The file type is not accepted.'), { nil: undefined }),
});

type OwnedKind = 'matches-file' | 'matches-file-other-digest' | 'random-fingerprint' | 'owner-tag-only' | 'other-owner' | 'fingerprint-without-owner-tag' | 'untagged';

const assetSpec = fc.record({
  kind: fc.constantFrom<OwnedKind>(
    'matches-file',
    'matches-file',
    'matches-file-other-digest',
    'random-fingerprint',
    'owner-tag-only',
    'other-owner',
    'fingerprint-without-owner-tag',
    'untagged',
  ),
  fileIndex: fc.nat(),
  created: fc.integer({ min: 1, max: 1000 }),
});

const planInputs = fc
  .record({
    files: fc.uniqueArray(localFile, { selector: (file) => file.path, maxLength: 12 }),
    assets: fc.array(assetSpec, { maxLength: 12 }),
  })
  .map(({ files, assets }) => buildInput(files, assets));

function buildInput(
  specs: Array<{ path: string; digestIndex: number; skipReason: string | undefined }>,
  assets: Array<{ kind: OwnedKind; fileIndex: number; created: number }>,
): { files: LocalFile[]; library: Asset[] } {
  const files: LocalFile[] = specs.map((spec) => {
    const file: LocalFile = { path: spec.path, size: 100 };
    if (spec.skipReason === undefined) file.sha256 = DIGESTS[spec.digestIndex] as string;
    else file.skipReason = spec.skipReason;
    return file;
  });

  const library = assets.map((spec, index) => {
    const file = specs[spec.fileIndex % Math.max(1, specs.length)];
    const path = (file?.path ?? 'gone.png').normalize('NFC');
    const digest = DIGESTS[file?.digestIndex ?? 0] as string;
    const otherDigest = DIGESTS[((file?.digestIndex ?? 0) + 1) % DIGESTS.length] as string;
    const tags: Record<OwnedKind, string[]> = {
      'matches-file': [OWNER_TAG, fingerprintTagFor(OWNER_TAG, fingerprintFor(SYNC_ID, path, digest))],
      'matches-file-other-digest': [OWNER_TAG, fingerprintTagFor(OWNER_TAG, fingerprintFor(SYNC_ID, path, otherDigest))],
      'random-fingerprint': [OWNER_TAG, fingerprintTagFor(OWNER_TAG, `${index}`.padStart(32, '0'))],
      'owner-tag-only': [OWNER_TAG, 'landscape'],
      'other-owner': [OTHER_OWNER_TAG, fingerprintTagFor(OTHER_OWNER_TAG, fingerprintFor(SYNC_ID, path, digest))],
      'fingerprint-without-owner-tag': [fingerprintTagFor(OWNER_TAG, fingerprintFor(SYNC_ID, path, digest))],
      untagged: [],
    };
    return makeAsset(`asset-${index}`, spec.created, tags[spec.kind]);
  });

  return { files, library };
}

function makeAsset(id: string, created: number, tags: string[]): Asset {
  return {
    id,
    name: id,
    libraryId: 'site',
    description: null,
    type: 'main',
    contentType: 'image/png',
    url: `http://127.0.0.1/files/${id}`,
    thumbUrl: null,
    thumbHighUrl: null,
    thumbUrlBlurred: null,
    blurhash: null,
    width: null,
    height: null,
    size: 100,
    created,
    updated: created,
    tags,
    views: [],
    uploadedBy: null,
  };
}

/** Builds the planner's input as the engine does: owned assets are those with the owner tag. */
function inputFor(files: readonly LocalFile[], library: readonly Asset[]): PlanInput {
  const owned = library.filter((asset) => asset.tags.includes(OWNER_TAG));
  return { syncId: SYNC_ID, ownerTag: OWNER_TAG, files, owned, foreignCount: library.length - owned.length };
}

/** Applies a plan to the library the way a fully successful run does: trash, then upload and tag. */
function applyPlan(library: readonly Asset[], plan: SyncPlan): Asset[] {
  const pruned = new Set(plan.prune.map((entry) => entry.assetId));
  const kept = library.filter((asset) => !pruned.has(asset.id));
  const uploaded = plan.upload.map((entry, index) => {
    // Every file of these plans was hashed, so every upload has its fingerprint.
    if (entry.fingerprint === undefined) throw new Error(`The plan uploads ${entry.path} without a fingerprint.`);
    return makeAsset(`uploaded-${index}`, 2000 + index, [OWNER_TAG, fingerprintTagFor(OWNER_TAG, entry.fingerprint)]);
  });
  return [...kept, ...uploaded];
}

function toWindowsPath(path: string): string {
  return path.replaceAll('/', '\\');
}

describe('planner properties', () => {
  it('plans nothing after its plan was applied', () => {
    fc.assert(
      fc.property(planInputs, ({ files, library }) => {
        const first = planSync(inputFor(files, library)).plan;
        const second = planSync(inputFor(files, applyPlan(library, first))).plan;

        expect(second.upload).toEqual([]);
        expect(second.prune).toEqual([]);
        expect(second.skipped).toEqual(first.skipped);
        expect(second.unchanged.map((entry) => entry.path)).toEqual(
          [...first.unchanged, ...first.upload].map((entry) => entry.path).sort(),
        );
      }),
      RUNS,
    );
  });

  it('never prunes an asset without the owner tag', () => {
    fc.assert(
      fc.property(planInputs, ({ files, library }) => {
        // The whole library goes in as "owned", as if a listing filter had failed: the planner
        // must still leave every asset without the owner tag alone.
        const input: PlanInput = { syncId: SYNC_ID, ownerTag: OWNER_TAG, files, owned: library, foreignCount: 0 };
        const { plan } = planSync(input);
        const byId = new Map(library.map((asset) => [asset.id, asset]));

        for (const entry of plan.prune) {
          expect(byId.get(entry.assetId)?.tags).toContain(OWNER_TAG);
        }
        for (const entry of plan.unchanged) {
          expect(byId.get(entry.assetId)?.tags).toContain(OWNER_TAG);
        }
      }),
      RUNS,
    );
  });

  it('covers every local file exactly once', () => {
    fc.assert(
      fc.property(planInputs, ({ files, library }) => {
        const { plan } = planSync(inputFor(files, library));
        const planned = [...plan.upload, ...plan.unchanged, ...plan.skipped].map((entry) => entry.path).sort();

        expect(planned).toEqual(files.map((file) => file.path.normalize('NFC')).sort());
        const prunedIds = new Set(plan.prune.map((entry) => entry.assetId));
        for (const entry of plan.unchanged) expect(prunedIds.has(entry.assetId)).toBe(false);
      }),
      RUNS,
    );
  });

  it('plans the same for Windows separators', () => {
    fc.assert(
      fc.property(planInputs, ({ files, library }) => {
        const posix = planSync(inputFor(files, library)).plan;
        const windowsFiles = files.map((file) => ({ ...file, path: toWindowsPath(file.path) }));
        const windows = planSync(inputFor(windowsFiles, library)).plan;

        expect(windows).toEqual(posix);
      }),
      RUNS,
    );
  });

  it('plans the same for NFD names and any file order', () => {
    fc.assert(
      fc.property(planInputs, fc.integer(), ({ files, library }, shift) => {
        const nfc = planSync(inputFor(files, library)).plan;
        const rotation = files.length === 0 ? 0 : Math.abs(shift) % files.length;
        const reordered = [...files.slice(rotation), ...files.slice(0, rotation)];
        const nfdFiles = reordered.map((file) => ({ ...file, path: file.path.normalize('NFD') }));
        const nfd = planSync(inputFor(nfdFiles, library)).plan;

        expect(nfd.upload).toEqual(nfc.upload);
        expect(nfd.unchanged).toEqual(nfc.unchanged);
        expect(nfd.prune).toEqual(nfc.prune);
      }),
      RUNS,
    );
  });
});
