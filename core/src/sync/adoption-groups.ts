/**
 * Matching of the files of an upload whose response was lost to the untagged assets that may be
 * its own, by asset name and size. Used during the run and, from the journal, by the next run.
 */

import type { AssetSummary } from '../api/types';
import { assetNameFor, isAssetNameOf } from './paths';

/** Files with one asset name and size, and the untagged candidates that match them. */
export interface AdoptionGroup<F> {
  /** The asset name and size, joined by NUL. */
  key: string;
  files: F[];
  /** Candidates oldest first. */
  candidates: AssetSummary[];
  /**
   * Verdict: `match` with exactly as many candidates as files, `none` with no candidate, and
   * `ambiguous` with more candidates or with fewer but some. A batch is stored whole or not at
   * all, so a partial set is either hidden by listing lag or belongs to another client.
   */
  status: 'match' | 'none' | 'ambiguous';
}

/**
 * Groups `files` by asset name and size and counts the `candidates` (untagged, new enough) that
 * each group could adopt. In a `match` group the oldest candidate goes to the first file, as the
 * service stores the parts of an upload in order.
 */
export function groupCandidates<F extends { path: string; size: number }>(files: readonly F[], candidates: readonly AssetSummary[]): AdoptionGroup<F>[] {
  const groups = new Map<string, AdoptionGroup<F>>();
  for (const file of files) {
    const key = `${assetNameFor(file.path)}\u0000${file.size}`;
    let group = groups.get(key);
    if (group === undefined) {
      const matching = candidates.filter((asset) => asset.name !== null && isAssetNameOf(asset.name, file.path) && asset.size === file.size);
      matching.sort((a, b) => (a.created ?? Number.POSITIVE_INFINITY) - (b.created ?? Number.POSITIVE_INFINITY) || a.id.localeCompare(b.id));
      group = { key, files: [], candidates: matching, status: 'none' };
      groups.set(key, group);
    }
    group.files.push(file);
  }

  for (const group of groups.values()) {
    if (group.candidates.length === 0) group.status = 'none';
    else group.status = group.candidates.length === group.files.length ? 'match' : 'ambiguous';
  }
  return [...groups.values()];
}
