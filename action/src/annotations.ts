/** Error and warning annotations that point GitHub's UI at the files a sync could not take. */
import path from 'node:path';
import * as core from '@actions/core';
import type { SyncReport } from '@raster-toolkit/core';
import { cancelledFiles, displayPath, failedFiles, keptStaleNotice, plural, skippedFiles } from './present';

/**
 * GitHub shows at most 10 error and 10 warning annotations per step and drops the rest (the
 * actions/toolkit problem-matchers documentation), so a long list ends with one annotation that
 * counts the others. One error slot stays free for the step's failure message, and warning slots
 * for the notice that a signal stopped the run, the count of cancelled files and the stale
 * assets kept after a read failure.
 */
const MAX_FILE_ERRORS = 8;
const MAX_FILE_WARNINGS = 6;

/** Adds an error annotation for each failed file and a warning for each skipped file. */
export function annotateFiles(report: SyncReport, where: { root: string; workspace: string }): void {
  // A failed prune names an asset whose file is gone, so its annotation has no file.
  const prunedIds = new Set(report.plan.prune.map((asset) => asset.assetId));
  const failed = failedFiles(report);
  for (const file of failed.slice(0, MAX_FILE_ERRORS)) {
    const isPrune = file.assetId !== undefined && prunedIds.has(file.assetId);
    core.error(file.reason ?? 'The file could not be synced.', {
      title: isPrune ? `Raster sync could not trash ${displayPath(file.path)}` : `Raster sync failed: ${displayPath(file.path)}`,
      ...(isPrune ? {} : { file: workspacePath(where, file.rawPath ?? file.path) }),
    });
  }
  if (failed.length > MAX_FILE_ERRORS) {
    const more = failed.length - MAX_FILE_ERRORS;
    core.error(`${plural(more, 'more file')} failed; the job summary and the report file list them all.`);
  }

  const skipped = skippedFiles(report);
  for (const file of skipped.slice(0, MAX_FILE_WARNINGS)) {
    core.warning(file.reason ?? 'The file was skipped.', {
      title: `Raster sync skipped: ${displayPath(file.path)}`,
      file: workspacePath(where, file.rawPath ?? file.path),
    });
  }
  if (skipped.length > MAX_FILE_WARNINGS) {
    const more = skipped.length - MAX_FILE_WARNINGS;
    core.warning(`${plural(more, 'more file')} ${more === 1 ? 'was' : 'were'} skipped; the job summary and the report file list them all.`);
  }

  const keptStale = keptStaleNotice(report);
  if (keptStale !== null) core.warning(keptStale, { title: 'Raster sync trashed nothing' });

  // Cancelled files are fine to upload; one notice counts them instead of one a file.
  const cancelled = cancelledFiles(report);
  if (cancelled.length > 0) {
    core.warning(
      `${plural(cancelled.length, 'file')} ${cancelled.length === 1 ? 'was' : 'were'} not uploaded because the run was stopped; the next run uploads ${cancelled.length === 1 ? 'it' : 'them'}. ` +
        'The cancelled output counts them, and the report file lists them.',
      { title: 'Raster sync cancelled uploads' },
    );
  }
}

/** Returns the path of a file relative to the workspace, with `/` separators, as annotations expect. */
function workspacePath(where: { root: string; workspace: string }, relativePath: string): string {
  return path.relative(where.workspace, path.join(where.root, relativePath)).split(path.sep).join('/');
}
