/**
 * Plain-text presentation of a sync plan and report, shared by the action log, the CLI and the
 * demo, plus the values derived from a report: the asset map, the exit code and the failure text.
 */
import { escapedName, staleKeptReason, type FileOutcome, type SyncOutcome, type SyncPlan, type SyncReport } from '@raster-toolkit/core';

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

/** An asset as the adapters report it for a synced file. */
export interface AssetReference {
  id: string;
  url: string | null;
}

/** Lists each synced relative path with its asset, sorted by path: uploaded and unchanged files, not pruned ones. */
export function assetEntries(report: SyncReport): Array<[string, AssetReference]> {
  return report.files
    .filter((file) => (file.status === 'uploaded' || file.status === 'unchanged') && file.assetId !== undefined)
    .sort((a, b) => comparePaths(a.path, b.path))
    .map((file) => [file.path, { id: file.assetId as string, url: file.url ?? null }]);
}

/**
 * Maps each synced relative path to its asset. `Object.fromEntries` defines every path as an own
 * key, so a file named `__proto__` is kept instead of setting the object's prototype.
 */
export function assetMap(report: SyncReport): Record<string, AssetReference> {
  return Object.fromEntries(assetEntries(report));
}

/**
 * Formats the plan, in the future tense, as the adapters print it before the first write: counts
 * first, then each upload, prune and skipped file.
 */
export function formatPlan(plan: SyncPlan, { dryRun }: { dryRun: boolean }): string[] {
  const verb = dryRun ? 'would' : 'will';
  const stale = plan.stale === undefined ? '' : `, ${plan.stale.length} stale kept because ${staleKeptReason(plan) ?? 'prune is off'}`;
  const lines = [
    dryRun ? 'Plan (dry run, nothing will be written):' : 'Plan:',
    `  ${plan.upload.length} to upload, ${plan.unchanged.length} unchanged, ${plan.prune.length} to prune${stale}, ` +
      `${plan.skipped.length} skipped, ${plan.foreignCount} foreign (never touched)`,
  ];

  for (const file of [...plan.upload].sort((a, b) => comparePaths(a.path, b.path))) {
    lines.push(`  + ${displayPath(file.path)} (${formatBytes(file.size)}) ${verb} be uploaded`);
  }
  for (const asset of plan.prune) {
    const label = asset.path ?? asset.name ?? asset.assetId;
    lines.push(`  - ${displayPath(label)} (asset ${asset.assetId}) ${verb} be moved to the trash`);
  }
  // Names equal in NFC have one path, so their lines show each name escaped, as stored.
  const seen = new Set<string>();
  const twins = new Set<string>();
  for (const file of plan.skipped) (seen.has(file.path) ? twins : seen).add(file.path);
  for (const file of [...plan.skipped].sort((a, b) => comparePaths(a.path, b.path))) {
    const name = twins.has(file.path) ? commandSafe(escapedName(file.rawPath ?? file.path)) : displayPath(file.path);
    lines.push(`  ! ${name} ${verb} be skipped: ${file.reason}`);
  }
  return lines;
}

/**
 * Formats the result, in the past tense: the outcome, counts, failed files and the request
 * count. `withReason` adds why the run stopped, for an adapter that has not logged it already.
 */
export function formatResult(report: SyncReport, { withReason = true }: { withReason?: boolean } = {}): string[] {
  const { counts } = report;
  // A run stopped before it listed the library has no foreign count to report.
  const foreign = counts.foreign === undefined ? '' : `, ${counts.foreign} foreign`;
  const lines = [
    outcomeHeadline(report, { withReason }),
    `  ${counts.uploaded} uploaded, ${counts.unchanged} unchanged, ${counts.pruned} pruned, ` +
      `${counts.skipped} skipped, ${counts.cancelled ?? 0} cancelled, ${counts.failed} failed${foreign}`,
  ];
  for (const file of failedFiles(report)) {
    lines.push(`  x ${displayPath(file.path)} failed: ${file.reason ?? 'no reason given'}`);
  }
  lines.push(`  ${plural(report.requests, 'API request')} in ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines;
}

/** Formats the result and the asset URLs, as the CLI and `npm start` print them after a run. */
export function formatReport(report: SyncReport, { withReason = true }: { withReason?: boolean } = {}): string[] {
  const lines = formatResult(report, { withReason });
  const urls = formatAssetUrls(report);
  // Joined with concat, because spreading more than about 130,000 lines into push overflows the
  // stack.
  return urls.length > 0 ? lines.concat('', 'Assets:', urls) : lines;
}

/**
 * Maximum width, in terminal columns, that the path column of the asset list is padded to, so a
 * line with a URL of about 60 characters stays near 100 columns. A longer path is printed whole
 * and pushes only its own URL to the right.
 */
export const MAX_PATH_COLUMN_WIDTH = 40;

/** Formats one line a file, `path  url`, for every uploaded or unchanged asset, with the URLs aligned. */
export function formatAssetUrls(report: SyncReport): string[] {
  const entries = assetEntries(report).map(([filePath, asset]) => [displayPath(filePath), asset] as const);
  // A loop, because spreading more than about 130,000 widths into Math.max overflows the stack.
  let width = 0;
  for (const [shown] of entries) width = Math.max(width, Math.min(displayWidth(shown), MAX_PATH_COLUMN_WIDTH));
  return entries.map(([shown, asset]) => `  ${padToWidth(shown, width)}  ${asset.url ?? `(asset ${asset.id}, no url yet)`}`);
}

/**
 * Formats the JSON report of `--json`: indented for a person at a terminal, on one line for a
 * program. On one line the report of a sync of 10,000 files is 3.5 instead of 4.5 MB. A no-op
 * re-sync formats and writes it about 9 ms faster (363 against 372 ms, medians of 12
 * alternating runs on 2 vCPUs).
 */
export function formatJsonReport(report: SyncReport, { terminal }: { terminal: boolean }): string {
  return `${JSON.stringify(report, null, terminal ? 2 : undefined)}\n`;
}

/** Formats one line for a file event, in the past tense, as the CLI and the action log print them during the run. */
export function formatFileOutcome(file: FileOutcome): string {
  const shown = displayPath(file.path);
  switch (file.status) {
    case 'uploaded':
      return `uploaded  ${shown}${file.assetId ? ` -> ${file.assetId}` : ''}`;
    case 'unchanged':
      return `unchanged ${shown}`;
    case 'pruned':
      return `pruned    ${shown}${file.assetId ? ` (asset ${file.assetId})` : ''}`;
    case 'skipped':
      return `skipped   ${shown}: ${file.reason ?? 'no reason given'}`;
    case 'cancelled':
      return `cancelled ${shown}: ${file.reason ?? 'no reason given'}`;
    case 'failed':
      return `failed    ${shown}: ${file.reason ?? 'no reason given'}`;
  }
}

/**
 * Describes the outcome in one sentence, in the past tense: the CLI's headline and the action's
 * failure message. `withReason` adds why the run stopped.
 */
export function outcomeHeadline(report: SyncReport, { withReason = true }: { withReason?: boolean } = {}): string {
  const target = libraryLabel(report);
  const failed = failedFiles(report);
  const failedList = failed.length > 0 ? ` Failed: ${failed.map((file) => displayPath(file.path)).join(', ')}.` : '';
  const reason = withReason && report.stopReason ? ` ${ensurePeriod(report.stopReason)}` : '';

  switch (report.outcome) {
    case 'success':
      return report.dryRun ? `Dry run of the sync into ${target} finished; nothing was written.` : `Sync into ${target} succeeded.`;
    case 'guard':
      return withReason && report.stopReason
        ? `Stopped by a guard, nothing was written to ${target}: ${ensurePeriod(report.stopReason)}`
        : `Sync into ${target} was stopped by a guard; nothing was written.`;
    case 'partial':
      return `Sync into ${target} finished partially.${reason || ' Nothing was pruned.'}${failedList}`;
    case 'failed':
      return `Sync into ${target} failed.${reason}${failedList}`;
  }
}

export function failedFiles(report: SyncReport): FileOutcome[] {
  return report.files.filter((file) => file.status === 'failed').sort((a, b) => comparePaths(a.path, b.path));
}

export function cancelledFiles(report: SyncReport): FileOutcome[] {
  return report.files.filter((file) => file.status === 'cancelled').sort((a, b) => comparePaths(a.path, b.path));
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

/**
 * Returns `organization/library`. When no organization was given and the run stopped before it
 * resolved the key's, returns the library followed by `(organization of the API key)`.
 */
export function libraryLabel(report: SyncReport): string {
  return report.organization ? `${report.organization}/${report.library}` : `${report.library} (organization of the API key)`;
}

function ensurePeriod(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** `1 file`, `2 files`: a count with the noun in the matching number. */
export function plural(count: number, noun: string): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

/**
 * Text that GitHub's runner reads as a workflow command: `::` at the start of a line (after
 * spaces), or `##[` anywhere in it (actions/runner, `ActionCommand.TryParseV2` and `TryParse`).
 */
const COMMAND_MARKER = /^[\s\u0085]*::|##\[/;

/**
 * Returns log text in which GitHub's runner reads no workflow command. File names and service
 * messages can contain `##[`, which the runner reads anywhere in a line, or start a line with
 * `::`. Both are written with a `\uXXXX` escape, as names with other awkward characters are.
 */
export function commandSafe(text: string): string {
  // The runner trims with .NET's TrimStart, whose white space also takes in U+0085.
  return text.replaceAll('##[', '##\\u005b').replace(/^([\s\u0085]*):(?=:)/gm, '$1\\u003a');
}

// eslint-disable-next-line no-control-regex
const NEEDS_QUOTING = /[\u0000-\u001f\u007f-\u009f"\\\uFFFD\u2028\u2029]|[\uD800-\uDFFF]/u;

/**
 * Returns a file or asset name as every text output prints it. A name is printed as a JSON
 * string, in double quotes with `\n`-style escapes, when it contains a control character, a
 * backslash, a double quote, U+FFFD (where Node decoded bytes that are not UTF-8) or a lone
 * surrogate, and when GitHub's runner would read it as a workflow command (`::` at its start or
 * `##[` in it, whose `[` is then escaped). The `u` flag makes the class match only unpaired
 * surrogates. Any other name is printed as it is. A quoted name always starts with `"`, and a plain name never
 * does, so the two forms cannot be confused. Names the scanner skips for a backslash or a control
 * character arrive with their real characters, so they are quoted too.
 */
export function displayPath(name: string): string {
  if (!NEEDS_QUOTING.test(name) && !COMMAND_MARKER.test(name)) return name;
  return JSON.stringify(name).replace(/[\u007f-\u009f\uFFFD\u2028\u2029]|(?<=##)\[/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Returns the number of terminal columns `text` takes: East Asian wide and fullwidth characters
 * and most emoji take two, combining marks none. An approximation of Unicode's East Asian Width
 * property that covers the common ranges, not every code point.
 */
export function displayWidth(text: string): number {
  // Printable ASCII, the common case for paths, takes one column a character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const character of text) {
    const code = character.codePointAt(0) as number;
    if (/\p{Mn}|\p{Me}|\u200B|\u200D|\uFE0F/u.test(character)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Pads `text` with spaces to `width` terminal columns. */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * Returns the notice for stale assets that the run kept because a file or folder could not be
 * read, or null when it kept none for that reason.
 */
export function keptStaleNotice(report: SyncReport): string | null {
  const { plan } = report;
  if (plan.staleKeptBecause !== 'unreadable' || plan.stale === undefined) return null;
  return `${plural(plan.stale.length, 'stale asset')} ${plan.stale.length === 1 ? 'was' : 'were'} kept instead of trashed, ` +
    `because ${staleKeptReason(plan)}: an asset that looks stale may belong to what could not be read. ` +
    'Fix the permissions or exclude what could not be read, then run again.';
}
