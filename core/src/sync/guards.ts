/**
 * Guards: checks that stop a run before its first write, because going on would more likely
 * destroy work than sync it.
 */

import { plural } from './plural';
import type { DeletionBudget, SyncPlan } from './types';

/** Share of the owned assets a run may trash when `maxDeletes` is omitted. */
export const DEFAULT_DELETION_PERCENT = 25;

/**
 * Smallest default budget, in assets. Without it, a sync of 3 files could never delete one
 * (25% of 3 rounds down to 0), and each small cleanup would need `maxDeletes`.
 */
export const DEFAULT_DELETION_FLOOR = 10;

/** Returns how many owned assets a run may trash under `budget`. */
export function deletionLimit(budget: DeletionBudget | undefined, ownedCount: number): number {
  if (budget === undefined) {
    return Math.max(DEFAULT_DELETION_FLOOR, Math.floor((ownedCount * DEFAULT_DELETION_PERCENT) / 100));
  }
  if ('count' in budget) return budget.count;
  return Math.floor((ownedCount * budget.percent) / 100);
}

/** Describes a budget in words, for guard messages. */
export function describeBudget(budget: DeletionBudget | undefined, ownedCount: number): string {
  const limit = deletionLimit(budget, ownedCount);
  if (budget === undefined) {
    return `${limit} (the default: ${DEFAULT_DELETION_PERCENT}% of ${plural(ownedCount, 'owned asset')}, at least ${DEFAULT_DELETION_FLOOR})`;
  }
  if ('count' in budget) return `${limit}`;
  return `${limit} (${budget.percent}% of ${plural(ownedCount, 'owned asset')})`;
}

/** Describes an asset to prune by its file path when known, its name and its id. */
function describePruneEntry(entry: SyncPlan['prune'][number]): string {
  const name = entry.name ?? '(no name)';
  return entry.path === null ? `${name} (${entry.assetId})` : `${entry.path} (asset ${name}, ${entry.assetId})`;
}

export interface GuardInput {
  plan: SyncPlan;
  prune: boolean;
  maxDeletes: DeletionBudget | undefined;
  /** Files discovered under the root, skipped ones included. Skipped folders do not count. */
  discoveredCount: number;
  /** Folders the scan skipped: unreadable, a loop, or a name it cannot sync. 0 when omitted. */
  skippedFolderCount?: number;
}

/**
 * Returns why the plan must not run, or null when it may. Checks, in order: a folder with no
 * file that could be synced while prune is on (which would empty the library of this sync's
 * assets, as happens when `path` points at the wrong folder), then the deletion budget.
 * The missing folder guard runs earlier, before the listing.
 */
export function checkGuards(input: GuardInput): string | null {
  const { plan } = input;
  const syncableCount = plan.upload.length + plan.unchanged.length;

  if (input.prune && syncableCount === 0) {
    const found = input.discoveredCount === 0
      ? 'The folder matches no files'
      : input.discoveredCount === 1
        ? 'The one file in the folder cannot be uploaded'
        : `None of the ${input.discoveredCount} files in the folder can be uploaded`;
    // The scan lists a folder it skipped whether or not the patterns select it, so a skipped
    // folder is named beside the patterns, not instead of them.
    const skippedFolders = input.skippedFolderCount ?? 0;
    // The assets of files that are there but skipped are kept, so the prune may spare some.
    const ownedCount = plan.ownedCount ?? plan.prune.length;
    const trashed = plan.prune.length >= ownedCount
      ? 'every asset this sync owns'
      : `${plural(plan.prune.length, 'asset')} of the ${ownedCount} this sync owns`;
    // A sync that would trash nothing (it owns no asset yet, or keeps the assets of skipped
    // files) stops all the same, because the folder is as likely wrong.
    const trashesNothing = plan.prune.length === 0;
    const consequence = trashesNothing
      ? 'and prune is on. A sync with prune stops when it has nothing to upload, because the path or the patterns are likely wrong'
      : `while prune is on, so the run would trash ${trashed}`;
    if (skippedFolders > 0) {
      return `${found}, and the scan skipped ${plural(skippedFolders, 'folder')}, ${consequence}. ` +
        'Check the path, the include and exclude patterns and the skipped folders, or turn prune off.';
    }
    const separator = trashesNothing ? ', ' : ' ';
    return `${found}${separator}${consequence}. Check the path and the include and exclude patterns, or turn prune off.`;
  }

  if (input.prune) {
    const ownedCount = plan.ownedCount ?? plan.prune.length + plan.unchanged.length;
    const limit = deletionLimit(input.maxDeletes, ownedCount);
    if (plan.prune.length > limit) {
      const listed = plan.prune.slice(0, 20).map(describePruneEntry);
      const more = plan.prune.length > listed.length ? `, and ${plan.prune.length - listed.length} more` : '';
      return `The plan would trash ${plural(plan.prune.length, 'asset')}, more than the deletion budget of ` +
        `${describeBudget(input.maxDeletes, ownedCount)}: ${listed.join(', ')}${more}. ` +
        "If this is intended, raise the budget with --max-deletes, the action's max-deletes input or the maxDeletes sync option.";
    }
  }

  return null;
}
