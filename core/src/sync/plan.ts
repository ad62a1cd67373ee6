/**
 * The planner: compares the local files with the owned assets and decides, without any I/O, what
 * to upload, what is unchanged and what to prune.
 */

import type { AssetSummary } from '../api/types';
import type { FileSource } from '../transport';
import { assetNamesFor, canonicalRelativePath, caseFoldedPath, escapedName, isFolderPath } from './paths';
import { plural } from './plural';
import { fingerprintFor, fingerprintsIn, pathIn, type TextHasher } from './tags';
import type { SyncPlan } from './types';

/** One file found under the sync root. */
export interface LocalFile {
  /** Path relative to the root, with `/` or `\` separators, in any Unicode normalisation. */
  path: string;
  /**
   * Set on a skipped file whose `path` the plan must report as given: its name contains a
   * backslash or a control character, and canonicalising would read the backslash as a folder
   * separator.
   */
  verbatimPath?: true;
  /**
   * The path as the file system stores it, when it differs from `path` in its Unicode
   * normalisation. The plan and the report carry it beside `path`, and the skip reason of names
   * equal in NFC shows it.
   */
  rawPath?: string;
  size: number;
  /**
   * SHA-256 of the bytes as 64 hex digits. Absent when the file was skipped before hashing, or
   * when `hashOnUpload` is set.
   */
  sha256?: string;
  /**
   * Set when the scan checked the file's type but left its hash to the upload, because the sync
   * owned no asset in the library, so the plan needs no hash. The upload reads such a file once,
   * hashes those bytes and sends them, so its fingerprint is that of the bytes stored.
   */
  hashOnUpload?: true;
  /**
   * Identity of the file the scan read, set with `hashOnUpload`: its device, inode and change
   * time as `dev:ino:ctime`. The upload reads the file only if its path still leads to that file,
   * unchanged.
   */
  identity?: string;
  /** Reason the file cannot be uploaded (unsupported type, too large, empty, unreadable). */
  skipReason?: string;
  /**
   * Set when the file or folder is there but could not be read. The plan then trashes nothing,
   * since an asset that looks stale may belong to what could not be read.
   */
  readFailed?: true;
  /** Content type detected from the file's first bytes. */
  contentType?: string;
  /** Source a transport reads the bytes from. */
  source?: FileSource;
}

/** A local file the plan uploads, with the data the executor needs. */
export interface PlannedUpload {
  path: string;
  size: number;
  /** Undefined for a file with `hashOnUpload` until the upload has read it. */
  fingerprint: string | undefined;
  file: LocalFile;
}

export interface PlanInput {
  syncId: string;
  ownerTag: string;
  files: readonly LocalFile[];
  /** Every asset listed with the owner tag. */
  owned: readonly AssetSummary[];
  foreignCount: number;
  /**
   * Whether stale owned assets go to `plan.prune`; true when omitted. When false they go to
   * `plan.stale` instead, so the plan lists nothing to trash.
   */
  prune?: boolean;
  /** SHA-256 of a string, for the fingerprints. Without it, the plan uses the pure TypeScript one. */
  hashText?: TextHasher | undefined;
}

export interface PlanResult {
  plan: SyncPlan;
  uploads: PlannedUpload[];
}

/** Compares by UTF-16 code units, the same on every machine, unlike `localeCompare`. */
export function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function comparePaths(a: { path: string }, b: { path: string }): number {
  return compareStrings(a.path, b.path);
}

/**
 * Computes the plan. Deterministic: the same files (in any order, with either separator and in
 * either Unicode normalisation) and the same owned assets give the same plan.
 */
export function planSync(input: PlanInput): PlanResult {
  const skipped: SyncPlan['skipped'] = [];
  const collisions: NonNullable<SyncPlan['collisions']> = [];

  // Canonical paths first: a path that cannot be made canonical cannot be synced. A file skipped
  // for its name keeps its path, because canonicalising would report `a\b.png` as `a/b.png`. A
  // folder the scan skipped keeps the `/` that ends its path, which canonicalising would drop.
  // Neither takes part in collisions, since neither reaches Raster.
  const candidates: Array<{ path: string; file: LocalFile }> = [];
  // Folders and links that the scan skipped, as `a/b/`, with the path of their skipped entry.
  // Assets of files under them are kept, like those of files that are there but skipped.
  const skippedFolders = new Map<string, string>();
  for (const file of input.files) {
    if (file.skipReason !== undefined && (file.verbatimPath || isFolderPath(file.path))) {
      skipped.push(skippedEntry(file.path, file.skipReason, file));
      if (isFolderPath(file.path) && !file.verbatimPath) {
        const folder = canonicalOrNull(file.path);
        if (folder !== null) skippedFolders.set(`${folder}/`, file.path);
      }
      continue;
    }
    try {
      candidates.push({ path: canonicalRelativePath(file.path), file });
    } catch (error) {
      skipped.push(skippedEntry(file.path, file.skipReason ?? (error as Error).message, file));
    }
  }

  const protectedFingerprints = new Set<string>();
  const collidingPaths = new Set<string>();
  /** Skips a file that collides with another name, keeping the assets synced from it. */
  const skipColliding = (path: string, reason: string, file: LocalFile): void => {
    skipped.push(skippedEntry(path, reason, file));
    collidingPaths.add(path);
    if (file.sha256 && !file.skipReason) protectedFingerprints.add(fingerprintFor(input.syncId, path, file.sha256, input.hashText));
  };

  // Folders whose names differ only by case are one folder on a file system that ignores case,
  // where their files would get other paths. Skip every file under such folders.
  const underCollidingFolder = collidingFolders(candidates.map((candidate) => candidate.path));
  for (const group of underCollidingFolder.groups) collisions.push({ kind: 'case', paths: group, names: group });
  const outsideCollidingFolders: typeof candidates = [];
  for (const candidate of candidates) {
    const group = underCollidingFolder.groupOf(candidate.path);
    if (group === undefined) {
      outsideCollidingFolders.push(candidate);
      continue;
    }
    const folder = group.find((spelling) => candidate.path.startsWith(spelling)) ?? group[0]!;
    const others = group.filter((spelling) => spelling !== folder).map((spelling) => `"${spelling}"`).join(', ');
    skipColliding(candidate.path, `Its folder "${folder}" equals ${others} when case is ignored; rename one of them.`, candidate.file);
  }

  // Names that collide after NFC normalisation or by case cannot be distinguished on every
  // file system, so the plan would differ between machines. Skip every member of such a group, but
  // keep the assets already uploaded for them (see `protectedFingerprints`).
  const byFolded = new Map<string, Array<{ path: string; file: LocalFile }>>();
  for (const candidate of outsideCollidingFolders) {
    const key = caseFoldedPath(candidate.path);
    const group = byFolded.get(key);
    if (group) group.push(candidate);
    else byFolded.set(key, [candidate]);
  }

  // Some files are there but are not uploaded this run: too large, unreadable, no longer an image,
  // a link that is not followed, or a name that collides. They keep the assets synced for their
  // path, because only an asset whose file is gone is stale. The path tag names that file.
  const skippedPaths = new Set<string>();
  const syncable: Array<{ path: string; file: LocalFile }> = [];
  for (const group of byFolded.values()) {
    if (group.length === 1) {
      syncable.push(group[0]!);
      continue;
    }

    const members = [...group].sort((a, b) => compareStrings(a.path, b.path) || compareStrings(storedPath(a.file), storedPath(b.file)));
    const paths = members.map((member) => member.path);
    const kind = new Set(paths).size < paths.length ? 'unicode' : 'case';
    collisions.push({ kind, paths, names: members.map((member) => storedPath(member.file)) });
    // Names equal in NFC print the same, so in a group that has such names every name is shown
    // escaped, as the file system stores it.
    const show = kind === 'unicode'
      ? (member: { file: LocalFile }) => escapedName(storedPath(member.file))
      : (member: { file: LocalFile }) => `"${member.file.path}"`;
    for (const member of members) {
      const others = members.filter((other) => other !== member);
      const equalInNfc = others.filter((other) => other.path === member.path);
      const equalIgnoringCase = others.filter((other) => other.path !== member.path);
      const clauses: string[] = [];
      if (equalInNfc.length > 0) clauses.push(`${equalInNfc.map(show).join(', ')} after Unicode NFC normalisation`);
      if (equalIgnoringCase.length > 0) clauses.push(`${equalIgnoringCase.map(show).join(', ')} when case is ignored`);
      const name = kind === 'unicode' ? ` ${show(member)}` : '';
      skipColliding(member.path, `Its name${name} equals ${clauses.join(', and ')}; rename one of them.`, member.file);
    }
  }

  // Only assets that carry the owner tag are this sync's, even if the listing returned others
  // (a filter the server ignored, a foreign asset with a copied fingerprint tag): the plan never
  // keeps, counts or prunes an asset without it.
  const owned = input.owned.filter((asset) => asset.tags.includes(input.ownerTag));

  // Index the owned assets by fingerprint. Several assets with one fingerprint (left by an
  // interrupted run of an older tool) keep the oldest and prune the rest.
  const ownedByFingerprint = new Map<string, AssetSummary[]>();
  for (const asset of owned) {
    for (const fingerprint of fingerprintsIn(asset.tags, input.ownerTag)) {
      const group = ownedByFingerprint.get(fingerprint);
      if (group) group.push(asset);
      else ownedByFingerprint.set(fingerprint, [asset]);
    }
  }

  const uploads: PlannedUpload[] = [];
  const unchanged: SyncPlan['unchanged'] = [];
  const keptIds = new Set<string>();

  for (const { path, file } of syncable) {
    if (file.skipReason === undefined && file.hashOnUpload) {
      // Without a hash the file cannot be compared with an owned asset.
      if (owned.length > 0) throw new Error(`planSync needs the SHA-256 of ${path}, because the sync owns assets. Hash the file first.`);
      uploads.push({ path, size: file.size, fingerprint: undefined, file });
      continue;
    }
    if (file.skipReason !== undefined || file.sha256 === undefined) {
      skipped.push(skippedEntry(path, file.skipReason ?? 'The file was not hashed.', file));
      skippedPaths.add(path);
      // A symbolic link that is not followed may point to a folder.
      skippedFolders.set(`${path}/`, path);
      continue;
    }

    const fingerprint = fingerprintFor(input.syncId, path, file.sha256, input.hashText);
    const matches = ownedByFingerprint.get(fingerprint);
    if (matches && matches.length > 0) {
      const kept = oldest(matches);
      keptIds.add(kept.id);
      unchanged.push({ path, assetId: kept.id, url: kept.url });
    } else {
      uploads.push({ path, size: file.size, fingerprint, file });
    }
  }

  for (const fingerprint of protectedFingerprints) {
    const matches = ownedByFingerprint.get(fingerprint);
    if (matches && matches.length > 0) keptIds.add(oldest(matches).id);
  }

  // An asset without a path tag (the path was too long or had a comma for one, or its tag call
  // was full) is matched to a present file by its asset name instead. That may also keep the
  // asset of a gone file of the same name, which errs on the side of keeping.
  const presentByName = new Map<string, string[]>();
  for (const path of [...skippedPaths, ...collidingPaths]) {
    for (const name of assetNamesFor(path)) presentByName.set(name, [...(presentByName.get(name) ?? []), path]);
  }

  /** Returns the skipped folder or link that `path` lies under, or null. */
  const skippedFolderOf = (path: string): string | null => {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = skippedFolders.get(path.slice(0, slash + 1));
      if (folder !== undefined) return folder;
    }
    return null;
  };

  const stale: SyncPlan['prune'] = [];
  const seen = new Set<string>();
  const keptForPaths = new Set<string>();
  const keptUnder = new Map<string, number>();
  for (const asset of owned) {
    if (keptIds.has(asset.id) || seen.has(asset.id)) continue;
    seen.add(asset.id);
    const path = pathIn(asset.tags, input.ownerTag);
    const presentPaths = path !== null
      ? (skippedPaths.has(path) || collidingPaths.has(path) ? [path] : [])
      : presentByName.get(asset.name ?? '') ?? [];
    if (presentPaths.length > 0) {
      for (const present of presentPaths) keptForPaths.add(present);
      continue;
    }
    const folder = path === null ? null : skippedFolderOf(path);
    if (folder !== null) {
      keptUnder.set(folder, (keptUnder.get(folder) ?? 0) + 1);
      continue;
    }
    stale.push({ assetId: asset.id, name: asset.name, path, url: asset.url });
  }
  for (const entry of skipped) {
    if (keptForPaths.has(entry.path) && !collidingPaths.has(entry.path)) entry.reason += ' The asset synced from it earlier is kept.';
    const under = keptUnder.get(entry.path);
    if (under !== undefined) entry.reason += ` ${under === 1 ? 'The asset' : `The ${under} assets`} synced from files under it earlier ${under === 1 ? 'is' : 'are'} kept.`;
  }

  const pruneOn = input.prune ?? true;
  const unreadable = input.files.filter((file) => file.readFailed).length;
  let staleKeptBecause: SyncPlan['staleKeptBecause'];
  if (!pruneOn) staleKeptBecause = 'prune-off';
  else if (unreadable > 0 && stale.length > 0) staleKeptBecause = 'unreadable';
  const prune = staleKeptBecause === undefined ? stale : [];

  uploads.sort(comparePaths);
  unchanged.sort(comparePaths);
  skipped.sort(comparePaths);
  collisions.sort((a, b) => comparePaths({ path: a.paths[0]! }, { path: b.paths[0]! }));
  stale.sort((a, b) => compareStrings(a.assetId, b.assetId));

  const plan: SyncPlan = {
    upload: uploads.map(plannedEntry),
    unchanged,
    prune,
    skipped,
    foreignCount: input.foreignCount,
    collisions,
    ownedCount: new Set(owned.map((asset) => asset.id)).size,
  };
  if (staleKeptBecause !== undefined) {
    plan.stale = stale;
    plan.staleKeptBecause = staleKeptBecause;
  }
  if (unreadable > 0) plan.unreadableCount = unreadable;
  return { plan, uploads };
}

/**
 * Returns why the plan keeps its stale assets, as a clause such as `prune is off` or
 * `2 files or folders could not be read`, or null when it keeps none.
 */
export function staleKeptReason(plan: SyncPlan): string | null {
  if (plan.staleKeptBecause === 'prune-off') return 'prune is off';
  if (plan.staleKeptBecause === 'unreadable') return `${plural(plan.unreadableCount ?? 0, 'file or folder', 'files or folders')} could not be read`;
  return null;
}

/** Returns the canonical path of a skipped folder without its final `/`, or null for the root or an invalid path. */
function canonicalOrNull(folderPath: string): string | null {
  try {
    return canonicalRelativePath(folderPath);
  } catch {
    return null;
  }
}

/** Returns the plan's entry of an upload. */
export function plannedEntry({ path, size, fingerprint, file }: PlannedUpload): SyncPlan['upload'][number] {
  const entry: SyncPlan['upload'][number] = { path, size };
  if (fingerprint !== undefined) entry.fingerprint = fingerprint;
  if (file.rawPath !== undefined) entry.rawPath = file.rawPath;
  return entry;
}

/** Returns the path of a file as the file system stores it. */
/**
 * Finds the folders of `paths` (canonical file paths) whose names differ only by case, such as
 * `Photos/` and `photos/`. Returns each group of spellings, ending in `/`, and a function that
 * returns the group a path lies under, the outermost one when groups nest.
 */
function collidingFolders(paths: readonly string[]): { groups: string[][]; groupOf: (path: string) => string[] | undefined } {
  const spellings = new Map<string, Set<string>>();
  let lastFolder: string | undefined;
  for (const path of paths) {
    const folder = path.slice(0, path.lastIndexOf('/') + 1);
    // The scan sorts its paths, so the files of one folder follow each other and share its prefixes.
    if (folder === '' || folder === lastFolder) continue;
    lastFolder = folder;
    for (let slash = folder.indexOf('/'); slash !== -1; slash = folder.indexOf('/', slash + 1)) {
      const prefix = folder.slice(0, slash + 1);
      const key = caseFoldedPath(prefix);
      const known = spellings.get(key);
      if (known === undefined) spellings.set(key, new Set([prefix]));
      else known.add(prefix);
    }
  }

  const colliding = new Map<string, string[]>();
  for (const [key, set] of spellings) {
    if (set.size > 1) colliding.set(key, [...set].sort(compareStrings));
  }
  const groupOf = (path: string): string[] | undefined => {
    if (colliding.size === 0) return undefined;
    const folded = caseFoldedPath(path);
    for (let slash = folded.indexOf('/'); slash !== -1; slash = folded.indexOf('/', slash + 1)) {
      const group = colliding.get(folded.slice(0, slash + 1));
      if (group !== undefined) return group;
    }
    return undefined;
  };
  // A group inside another colliding folder is reported with the outer one.
  const groups = [...colliding.values()].filter((group) => groupOf(group[0]!.slice(0, -1)) === undefined);
  return { groups, groupOf };
}

function storedPath(file: LocalFile): string {
  return file.rawPath ?? file.path;
}

/** Returns a skipped entry, with the path as stored when that differs. */
function skippedEntry(path: string, reason: string, file: LocalFile): SyncPlan['skipped'][number] {
  return file.rawPath === undefined ? { path, reason } : { path, reason, rawPath: file.rawPath };
}

/** Returns the asset created first, by `created` and then by id. */
function oldest(assets: readonly AssetSummary[]): AssetSummary {
  if (assets.length === 1) return assets[0]!;
  return [...assets].sort((a, b) => {
    const byCreated = (a.created ?? 0) - (b.created ?? 0);
    if (byCreated !== 0) return byCreated;
    return compareStrings(a.id, b.id);
  })[0]!;
}
