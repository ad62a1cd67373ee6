/**
 * Entry point of the GitHub Action: reads the inputs, runs the sync, and reports through the
 * runner's conventions (log groups, outputs, a report file, a job summary and annotations).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { RasterUsageError, type SyncEvent, type SyncLogger, type SyncPhase, type SyncReport } from '@raster-toolkit/core';
import { enableUploadChunkCollection, syncFolder } from '@raster-toolkit/core/node';
import { readActionOptions, readInput } from './action-inputs';
import { annotateFiles } from './annotations';
import { renderJobSummary } from './job-summary';
import { ACTION_INPUT_NAMES, InputError, toInputError } from './parse';
import { unmatchedPatternWarnings } from './patterns';
import {
  commandSafe,
  formatAssetUrls,
  formatFileOutcome,
  formatPlan,
  formatResult,
  outcomeHeadline,
} from './present';
import { abortOnSignals } from './signals';
import { stepOutputs } from './step-outputs';

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

/** Runs one action step: inputs, sync, then report. Every failure ends in `setFailed`. */
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
    onRepeat: (signal) => core.info(`Received ${signal} again. Still stopping: uploads in flight finish and are tagged.`),
  });
  const groups = new PhaseGroups({ dryRun: options.dryRun ?? false });
  const logger = new ActionLogger();

  // The runner starts this process for the action alone, so it may collect upload chunks.
  enableUploadChunkCollection();
  let report: SyncReport;
  try {
    report = await syncFolder({ ...options, signal: controller.signal, logger, onEvent: (event) => groups.onEvent(event) });
  } catch (error) {
    // The engine rejects only invalid options, before any request; later failures are in the report.
    groups.close();
    if (error instanceof RasterUsageError) {
      core.setFailed(toInputError(error, ACTION_INPUT_NAMES).message);
      return;
    }
    core.setFailed(`Raster sync failed: ${error instanceof Error ? error.message : String(error)}`);
    return;
  } finally {
    removeSignalHandlers();
  }
  groups.close();

  const workspace = env['GITHUB_WORKSPACE'] || process.cwd();
  const patternWarnings = unmatchedPatternWarnings('include', options.include, report);
  const outputsFailure = await publishReport(report, { root: options.path, workspace, tempDir: env['RUNNER_TEMP'] || os.tmpdir() }, patternWarnings);

  if (report.outcome !== 'success') {
    // A fatal stop was already reported as an error annotation with its reason.
    core.setFailed(outcomeHeadline(report, { withReason: !logger.reportedError }));
  } else if (outputsFailure !== null) {
    core.setFailed(outputsFailure);
  }
}

/**
 * Prints the result (the plan was printed when the engine sent it), sets the outputs, writes the
 * report file, summary and annotations, with `laterWarnings` after the files' annotations.
 * Returns why the outputs could not be written, or null.
 */
async function publishReport(
  report: SyncReport,
  where: { root: string; workspace: string; tempDir: string },
  laterWarnings: readonly string[],
): Promise<string | null> {
  // The engine logged why the run stopped, and the step's failure message repeats it.
  for (const line of formatResult(report, { withReason: false })) logLine(line);
  const urls = formatAssetUrls(report);
  if (urls.length > 0) {
    core.startGroup(`Asset URLs (${urls.length})`);
    for (const line of urls) logLine(line);
    core.endGroup();
  }

  // Like the summary, a report file that cannot be written must not fail a sync that succeeded.
  let reportPath = '';
  let reportFailure: string | null = null;
  try {
    const reportDir = await mkdtemp(path.join(where.tempDir, 'raster-sync-'));
    reportPath = path.join(reportDir, 'report.json');
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    core.info(`Report written to ${reportPath}`);
  } catch (error) {
    reportPath = '';
    reportFailure =
      `The report file could not be written in ${where.tempDir}: ${error instanceof Error ? error.message : String(error)}. ` +
      'The report output is empty; the log, the job summary and the other outputs still hold the result.';
  }

  // File annotations come first, because GitHub shows only the first 10 warnings of a step.
  annotateFiles(report, where);
  for (const warning of laterWarnings) core.warning(warning);
  if (reportFailure !== null) core.warning(reportFailure);

  const { outputs, warnings } = stepOutputs(report, reportPath);
  let outputsFailure: string | null = null;
  try {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  } catch (error) {
    // An output file that cannot be written leaves later steps without these values.
    outputsFailure =
      `The step outputs could not be written to GITHUB_OUTPUT (${process.env['GITHUB_OUTPUT'] ?? ''}): ` +
      `${error instanceof Error ? error.message : String(error)}. The sync itself finished; its result is in the log and the job summary.`;
    core.error(outputsFailure);
  }
  for (const warning of warnings) core.warning(warning);

  // A summary that cannot be written must not fail a sync that succeeded.
  if (process.env['GITHUB_STEP_SUMMARY']) {
    try {
      await core.summary.addRaw(renderJobSummary(report)).write();
    } catch (error) {
      core.warning(`The job summary could not be written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return outputsFailure;
}

/** Writes text to the run's log, with any workflow command in it escaped (see `commandSafe`). */
function logLine(text: string): void {
  core.info(commandSafe(text));
}

/**
 * Passes engine messages to the runner's log. Warnings stay plain log lines, so that the few
 * annotations GitHub shows go to the files. A failure that ends the run is an error annotation.
 */
class ActionLogger implements SyncLogger {
  /** Whether the engine reported a failure that ended the run. */
  reportedError = false;

  debug(message: string): void {
    core.debug(message);
  }

  info(message: string): void {
    logLine(message);
  }

  warn(message: string): void {
    logLine(`Warning: ${message}`);
  }

  error(message: string): void {
    this.reportedError = true;
    core.error(message);
  }
}

/** Opens one log group per engine phase and prints the plan and file events inside it. */
class PhaseGroups {
  readonly #dryRun: boolean;
  #open = false;
  #lastTenth = -1;

  constructor({ dryRun }: { dryRun: boolean }) {
    this.#dryRun = dryRun;
  }

  onEvent(event: SyncEvent): void {
    switch (event.type) {
      case 'phase':
        this.close();
        core.startGroup(PHASE_TITLES[event.phase]);
        this.#open = true;
        return;
      case 'plan':
        for (const line of formatPlan(event.plan, { dryRun: this.#dryRun })) logLine(line);
        return;
      case 'progress':
        this.#logProgress(event.phase, event.done, event.total);
        return;
      case 'file':
        // Unchanged files are the bulk of a routine run, so they go to the debug log.
        if (event.outcome.status === 'unchanged') core.debug(formatFileOutcome(event.outcome));
        else logLine(formatFileOutcome(event.outcome));
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
