/**
 * Entry point of the GitHub Action: reads the inputs, runs the sync, and reports through the
 * runner's conventions (log groups, outputs, a report file, a job summary and annotations).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import type { SyncEvent, SyncLogger, SyncPhase, SyncReport } from '@raster-toolkit/core';
import { syncFolder } from '@raster-toolkit/core/node';
import { readActionOptions, readInput } from './action-inputs';
import { renderJobSummary } from './job-summary';
import { InputError } from './parse';
import {
  assetMap,
  failedFiles,
  formatAssetUrls,
  formatFileOutcome,
  formatPlan,
  formatResult,
  outcomeHeadline,
  skippedFiles,
} from './present';
import { abortOnSignals } from './signals';

const PHASE_TITLES: Record<SyncPhase, string> = {
  scan: 'Scan and hash the folder',
  list: 'List the assets this sync owns',
  plan: 'Compute the plan',
  upload: 'Upload',
  tag: 'Tag the uploaded assets',
  reconcile: 'Look for assets stored by interrupted uploads',
  prune: 'Move deleted files to the trash',
  settle: 'Wait until the uploads are listed',
};

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // The key is masked before anything else runs, so no later line, error or output can show it.
  const apiKey = readInput('api-key', env);
  if (apiKey !== '') core.setSecret(apiKey);

  let options;
  try {
    options = readActionOptions(env);
  } catch (error) {
    if (error instanceof InputError) {
      core.setFailed(error.message);
      return;
    }
    throw error;
  }

  const controller = new AbortController();
  const removeSignalHandlers = abortOnSignals(controller, {
    onStop: (signal) =>
      core.warning(`Received ${signal}: no new upload starts, the uploads in flight finish and are tagged, and nothing is pruned.`),
    onRepeat: (signal) => core.info(`Received ${signal} again; still finishing the uploads in flight.`),
  });
  const groups = new PhaseGroups();

  let report: SyncReport;
  try {
    report = await syncFolder({ ...options, signal: controller.signal, logger: actionLogger, onEvent: (event) => groups.onEvent(event) });
  } catch (error) {
    groups.close();
    core.setFailed(`Raster sync failed: ${error instanceof Error ? error.message : String(error)}`);
    return;
  } finally {
    removeSignalHandlers();
  }
  groups.close();

  const workspace = env['GITHUB_WORKSPACE'] || process.cwd();
  await publishReport(report, { root: options.path, workspace, tempDir: env['RUNNER_TEMP'] || os.tmpdir() });

  if (report.outcome !== 'success') {
    core.setFailed(outcomeHeadline(report));
  }
}

/** Prints the plan and result, sets the outputs, writes the report file, summary and annotations. */
async function publishReport(report: SyncReport, where: { root: string; workspace: string; tempDir: string }): Promise<void> {
  core.startGroup('Plan');
  for (const line of formatPlan(report)) core.info(line);
  core.endGroup();

  for (const line of formatResult(report)) core.info(line);
  const urls = formatAssetUrls(report);
  if (urls.length > 0) {
    core.startGroup(`Asset URLs (${urls.length})`);
    for (const line of urls) core.info(line);
    core.endGroup();
  }

  const reportDir = await mkdtemp(path.join(where.tempDir, 'raster-sync-'));
  const reportPath = path.join(reportDir, 'report.json');
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  core.info(`Report written to ${reportPath}`);

  core.setOutput('uploaded', report.counts.uploaded);
  core.setOutput('unchanged', report.counts.unchanged);
  core.setOutput('pruned', report.counts.pruned);
  core.setOutput('skipped', report.counts.skipped);
  core.setOutput('failed', report.counts.failed);
  core.setOutput('assets', JSON.stringify(assetMap(report)));
  core.setOutput('report', reportPath);
  if (report.dryRun) core.setOutput('plan', JSON.stringify(report.plan));

  annotateFiles(report, where);

  if (process.env['GITHUB_STEP_SUMMARY']) {
    await core.summary.addRaw(renderJobSummary(report)).write();
  }
}

/**
 * GitHub shows at most 10 error and 10 warning annotations per step and drops the rest (the
 * actions/toolkit problem-matchers documentation), so a long list ends with one annotation that
 * counts the others. One error slot stays free for the step's failure message, and one warning
 * slot for the notice that a signal stopped the run.
 */
const MAX_FILE_ERRORS = 8;
const MAX_FILE_WARNINGS = 8;

/** Adds an error annotation for each failed file and a warning for each skipped file. */
function annotateFiles(report: SyncReport, where: { root: string; workspace: string }): void {
  // A failed prune names an asset whose file is gone, so its annotation has no file.
  const prunedIds = new Set(report.plan.prune.map((asset) => asset.assetId));
  const failed = failedFiles(report);
  for (const file of failed.slice(0, MAX_FILE_ERRORS)) {
    const isPrune = file.assetId !== undefined && prunedIds.has(file.assetId);
    core.error(file.reason ?? 'The file could not be synced.', {
      title: isPrune ? `Raster sync could not trash ${file.path}` : `Raster sync failed: ${file.path}`,
      ...(isPrune ? {} : { file: workspacePath(where, file.path) }),
    });
  }
  if (failed.length > MAX_FILE_ERRORS) {
    core.error(`${failed.length - MAX_FILE_ERRORS} more files failed; the job summary and the report file list them all.`);
  }

  const skipped = skippedFiles(report);
  for (const file of skipped.slice(0, MAX_FILE_WARNINGS)) {
    core.warning(file.reason ?? 'The file was skipped.', {
      title: `Raster sync skipped: ${file.path}`,
      file: workspacePath(where, file.path),
    });
  }
  if (skipped.length > MAX_FILE_WARNINGS) {
    core.warning(`${skipped.length - MAX_FILE_WARNINGS} more files were skipped; the job summary and the report file list them all.`);
  }
}

/** Returns the path of a file relative to the workspace, with `/` separators, as annotations expect. */
function workspacePath(where: { root: string; workspace: string }, relativePath: string): string {
  return path.relative(where.workspace, path.join(where.root, relativePath)).split(path.sep).join('/');
}

// Engine warnings stay plain log lines, so that the few annotations GitHub shows go to the files.
const actionLogger: SyncLogger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warn: (message) => core.info(`Warning: ${message}`),
};

/** Opens one log group per engine phase and prints file events inside it. */
class PhaseGroups {
  #open = false;
  #lastTenth = -1;

  onEvent(event: SyncEvent): void {
    switch (event.type) {
      case 'phase':
        this.close();
        core.startGroup(PHASE_TITLES[event.phase]);
        this.#open = true;
        return;
      case 'progress':
        this.#logProgress(event.phase, event.done, event.total);
        return;
      case 'file':
        // Unchanged files are the bulk of a routine run, so they go to the debug log.
        if (event.outcome.status === 'unchanged') core.debug(formatFileOutcome(event.outcome));
        else core.info(formatFileOutcome(event.outcome));
        return;
      case 'retry':
        // The engine also logs each retry through the logger, at info level.
        core.debug(`Retrying ${event.method} ${event.path} in ${event.delayMs} ms (attempt ${event.attempt}): ${event.reason}`);
        return;
    }
  }

  close(): void {
    if (this.#open) core.endGroup();
    this.#open = false;
    this.#lastTenth = -1;
  }

  /** Logs progress at each tenth of a phase, to the debug log, instead of once a file. */
  #logProgress(phase: SyncPhase, done: number, total: number): void {
    const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
    if (tenth === this.#lastTenth) return;
    this.#lastTenth = tenth;
    core.debug(`${phase}: ${done}/${total}`);
  }
}

run().catch((error: unknown) => {
  core.setFailed(`Raster sync failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
});
