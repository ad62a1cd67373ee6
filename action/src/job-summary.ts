/**
 * The job summary of an action run, as the HTML and Markdown that GitHub renders on the run page:
 * counts, thumbnails of uploaded images, pruned, failed and skipped files.
 */
import type { FileOutcome, SyncReport } from '@raster-toolkit/core';
import { cancelledFiles, comparePaths, displayPath, failedFiles, keptStaleNotice, libraryLabel, outcomeHeadline, skippedFiles } from './present';

/** Rows a list shows before "and N more"; a step summary is limited to 1 MiB. */
const MAX_ROWS = 100;
const THUMBNAIL_WIDTH = 96;

export function renderJobSummary(report: SyncReport): string {
  const { counts } = report;
  const parts = [
    `<h2>Raster sync: ${escapeHtml(libraryLabel(report))}${report.dryRun ? ' (dry run)' : ''}</h2>`,
    `<p>${escapeHtml(outcomeHeadline(report))}</p>`,
    table(
      ['Uploaded', 'Unchanged', 'Pruned', 'Skipped', 'Cancelled', 'Failed', 'Foreign', 'API requests'],
      [[counts.uploaded, counts.unchanged, counts.pruned, counts.skipped, counts.cancelled ?? 0, counts.failed, counts.foreign ?? 'not listed', report.requests].map(String)],
    ),
  ];

  const keptStale = keptStaleNotice(report);
  if (keptStale !== null) parts.push(`<p>${escapeHtml(keptStale)}</p>`);

  if (report.dryRun) {
    parts.push(...renderPlannedChanges(report));
  }

  const uploaded = report.files.filter((file) => file.status === 'uploaded').sort(byPath);
  if (uploaded.length > 0) {
    parts.push(`<h3>Uploaded</h3>`, table(['', 'File', 'Asset'], limit(uploaded).map(uploadedRow)), more(uploaded.length));
  }

  const pruned = report.files.filter((file) => file.status === 'pruned').sort(byPath);
  if (pruned.length > 0) {
    parts.push(
      `<h3>Moved to the trash</h3>`,
      table(['File', 'Asset'], limit(pruned).map((file) => [code(file.path), escapeHtml(file.assetId ?? '')])),
      more(pruned.length),
    );
  }

  const failed = failedFiles(report);
  if (failed.length > 0) {
    parts.push(`<h3>Failed</h3>`, table(['File', 'Reason'], limit(failed).map(reasonRow)), more(failed.length));
  }

  const cancelled = cancelledFiles(report);
  if (cancelled.length > 0) {
    parts.push(
      `<details><summary>Cancelled: not uploaded because the run was stopped (${cancelled.length})</summary>\n\n${table(['File'], limit(cancelled).map((file) => [code(file.path)]))}${more(cancelled.length)}\n</details>`,
    );
  }

  const skipped = skippedFiles(report);
  if (skipped.length > 0) {
    parts.push(
      `<details><summary>Skipped files (${skipped.length})</summary>\n\n${table(['File', 'Reason'], limit(skipped).map(reasonRow))}${more(skipped.length)}\n</details>`,
    );
  }

  return `${parts.filter((part) => part !== '').join('\n\n')}\n`;
}

function renderPlannedChanges(report: SyncReport): string[] {
  const parts: string[] = [];
  const uploads = [...report.plan.upload].sort(byPath);
  if (uploads.length > 0) {
    parts.push(`<h3>Would upload</h3>`, list(limit(uploads).map((file) => code(file.path))), more(uploads.length));
  }
  const prunes = report.plan.prune;
  if (prunes.length > 0) {
    const labels = limit(prunes).map((asset) => `${code(asset.path ?? asset.name ?? asset.assetId)} (asset ${escapeHtml(asset.assetId)})`);
    parts.push(`<h3>Would move to the trash</h3>`, list(labels), more(prunes.length));
  }
  return parts;
}

function uploadedRow(file: FileOutcome): string[] {
  const image = file.thumbUrl ?? file.url;
  const thumbnail = image ? `<img src="${escapeHtml(image)}" alt="${escapeHtml(file.path)}" width="${THUMBNAIL_WIDTH}">` : '';
  const asset = file.url ? `<a href="${escapeHtml(file.url)}">${escapeHtml(file.assetId ?? 'open')}</a>` : escapeHtml(file.assetId ?? '');
  return [thumbnail, code(file.path), asset];
}

function reasonRow(file: FileOutcome): string[] {
  return [code(file.path), escapeHtml(file.reason ?? '')];
}

function table(header: string[], rows: string[][]): string {
  const head = `<tr>${header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

function list(items: string[]): string {
  return `<ul>\n${items.map((item) => `<li>${item}</li>`).join('\n')}\n</ul>`;
}

function limit<T>(items: T[]): T[] {
  return items.slice(0, MAX_ROWS);
}

function more(total: number): string {
  return total > MAX_ROWS ? `<p>and ${total - MAX_ROWS} more (see the report file)</p>` : '';
}

function code(text: string): string {
  return `<code>${escapeHtml(displayPath(text))}</code>`;
}

function byPath(a: { path: string }, b: { path: string }): number {
  return comparePaths(a.path, b.path);
}

/**
 * Escapes text for HTML content and attribute values. Line breaks become character references
 * too: GitHub renders the summary as Markdown, where a blank line ends the HTML block and the text
 * after it would be read as Markdown.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
