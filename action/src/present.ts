/**
 * Plain-text presentation of a sync plan and report, shared by the action log, the CLI and the
 * demo, plus the values derived from a report: the asset map, the exit code and the failure text.
 */
import type { FileOutcome, SyncOutcome, SyncReport } from '@raster-toolkit/core';

/** Exit codes of `raster-sync`; the action's step fails on anything but `success`. */
export const ExitCode = {
  success: 0,
  partial: 1,
  usage: 2,
  guard: 3,
} as const;

export function exitCodeFor(outcome: SyncOutcome): number {
  switch (outcome) {
    case 'success':
      return ExitCode.success;
    case 'guard':
      return ExitCode.guard;
    case 'partial':
    case 'failed':
      return ExitCode.partial;
  }
}

/** Maps each synced relative path to its asset: uploaded and unchanged files, not pruned ones. */
export function assetMap(report: SyncReport): Record<string, { id: string; url: string | null }> {
  const assets: Record<string, { id: string; url: string | null }> = {};
  const present = report.files
    .filter((file) => (file.status === 'uploaded' || file.status === 'unchanged') && file.assetId !== undefined)
    .sort((a, b) => comparePaths(a.path, b.path));
  for (const file of present) {
    assets[file.path] = { id: file.assetId as string, url: file.url ?? null };
  }
  return assets;
}

/** Formats the plan: counts first, then each upload, prune and skipped file. */
export function formatPlan(report: SyncReport): string[] {
  const { plan } = report;
  if (!hasPlan(report)) {
    return [`No plan for library ${libraryLabel(report)}: the run stopped before it could list the library.`];
  }
  const verb = report.dryRun ? 'would' : 'will';
  const lines = [
    `Plan for library ${libraryLabel(report)} (sync id ${report.syncId}${report.dryRun ? ', dry run' : ''}):`,
    `  ${plan.upload.length} to upload, ${plan.unchanged.length} unchanged, ${plan.prune.length} to prune, ` +
      `${plan.skipped.length} skipped, ${plan.foreignCount} foreign (never touched)`,
  ];

  for (const file of [...plan.upload].sort((a, b) => comparePaths(a.path, b.path))) {
    lines.push(`  + ${file.path} (${formatBytes(file.size)}) ${verb} be uploaded`);
  }
  for (const asset of plan.prune) {
    const label = asset.path ?? asset.name ?? asset.assetId;
    lines.push(`  - ${label} (asset ${asset.assetId}) ${verb} be moved to the trash`);
  }
  for (const file of [...plan.skipped].sort((a, b) => comparePaths(a.path, b.path))) {
    lines.push(`  ! ${file.path} skipped: ${file.reason}`);
  }
  return lines;
}

/** Formats the result: the outcome, counts, failed files and the request count. */
export function formatResult(report: SyncReport): string[] {
  const { counts } = report;
  const lines = [
    `${outcomeHeadline(report)}`,
    `  ${counts.uploaded} uploaded, ${counts.unchanged} unchanged, ${counts.pruned} pruned, ` +
      `${counts.skipped} skipped, ${counts.failed} failed, ${counts.foreign} foreign`,
  ];
  for (const file of failedFiles(report)) {
    lines.push(`  x ${file.path} failed: ${file.reason ?? 'no reason given'}`);
  }
  lines.push(`  ${report.requests} API requests in ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines;
}

/** Formats the plan, the result and the asset URLs, as the CLI and `npm start` print them after a run. */
export function formatReport(report: SyncReport): string[] {
  const lines = [...formatPlan(report), '', ...formatResult(report)];
  const urls = formatAssetUrls(report);
  if (urls.length > 0) lines.push('', 'Assets:', ...urls);
  return lines;
}

/** Formats one line a file, `path  url`, for every uploaded or unchanged asset. */
export function formatAssetUrls(report: SyncReport): string[] {
  const entries = Object.entries(assetMap(report));
  const width = Math.max(0, ...entries.map(([filePath]) => filePath.length));
  return entries.map(([filePath, asset]) => `  ${filePath.padEnd(width)}  ${asset.url ?? `(asset ${asset.id}, no url yet)`}`);
}

/** Formats one line for a file event, as the CLI and the action log print them during the run. */
export function formatFileOutcome(file: FileOutcome): string {
  switch (file.status) {
    case 'uploaded':
      return `uploaded  ${file.path}${file.assetId ? ` -> ${file.assetId}` : ''}`;
    case 'unchanged':
      return `unchanged ${file.path}`;
    case 'pruned':
      return `pruned    ${file.path}${file.assetId ? ` (asset ${file.assetId})` : ''}`;
    case 'skipped':
      return `skipped   ${file.path}: ${file.reason ?? 'no reason given'}`;
    case 'cancelled':
      return `cancelled ${file.path}: ${file.reason ?? 'no reason given'}`;
    case 'failed':
      return `failed    ${file.path}: ${file.reason ?? 'no reason given'}`;
  }
}

/** Describes the outcome in one sentence, used as the headline and as the action's failure message. */
export function outcomeHeadline(report: SyncReport): string {
  const target = libraryLabel(report);
  const failed = failedFiles(report);
  const failedList = failed.length > 0 ? ` Failed: ${failed.map((file) => file.path).join(', ')}.` : '';
  const reason = report.stopReason ? ` ${ensurePeriod(report.stopReason)}` : '';

  switch (report.outcome) {
    case 'success':
      return report.dryRun ? `Dry run of the sync into ${target} finished; nothing was written.` : `Sync into ${target} succeeded.`;
    case 'guard':
      return `Sync into ${target} stopped before any write.${reason}`;
    case 'partial':
      return `Sync into ${target} finished partially.${reason || ' Nothing was pruned.'}${failedList}`;
    case 'failed':
      return `Sync into ${target} failed.${reason}${failedList}`;
  }
}

export function failedFiles(report: SyncReport): FileOutcome[] {
  return report.files.filter((file) => file.status === 'failed').sort((a, b) => comparePaths(a.path, b.path));
}

export function skippedFiles(report: SyncReport): FileOutcome[] {
  return report.files.filter((file) => file.status === 'skipped').sort((a, b) => comparePaths(a.path, b.path));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Code-unit order, so output is the same in every locale. */
export function comparePaths(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** `organization/library`, or the library alone when the run stopped before resolving the organization. */
export function libraryLabel(report: SyncReport): string {
  return report.organization ? `${report.organization}/${report.library}` : report.library;
}

/** Returns whether the report contains a computed plan; a run that failed before listing has none. */
function hasPlan(report: SyncReport): boolean {
  const { plan } = report;
  if (report.outcome !== 'failed') return true;
  return plan.upload.length + plan.unchanged.length + plan.prune.length + plan.skipped.length + plan.foreignCount > 0;
}

function ensurePeriod(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
