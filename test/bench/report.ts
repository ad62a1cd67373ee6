/** Results of the comparisons and the table `npm run bench` prints. */

/** One side of a comparison: a measured process tree or a group of them. */
export interface SideResult {
  label: string;
  wallMs: number;
  /** HTTP requests the emulator received while this side ran. */
  requests: number;
  peakRssBytes: number;
  /** Request counts by route, for the request-shape targets. */
  byRoute?: Record<string, number>;
  /** `pageSize` of each asset listing this side requested. */
  listPageSizes?: number[];
  /** Time the emulator's event loop spent on this side, when measured. */
  emulatorBusyMs?: number;
  /** CPU time of the emulator's thread during this side, when measured. */
  emulatorCpuMs?: number;
  /** Set on a row computed from other sides' figures: it ran no process, so it has no peak RSS. */
  derived?: true;
  note?: string;
}

/** A target checked against the measured figures. */
export interface TargetResult {
  description: string;
  /** The measured value, formatted. */
  measured: string;
  met: boolean;
}

export interface ComparisonResult {
  title: string;
  /** What was generated and how it ran, in one line. */
  setup: string;
  sides: SideResult[];
  /** Lines such as "sync / (a): wall time 0.10, requests 1.06, peak RSS 9.23". */
  ratios: string[];
  targets: TargetResult[];
  /** Set when the comparison could not run to the end. */
  error?: string;
}

/** Returns `count` and the noun, in the plural unless the count is 1: `1 run`, `3 runs`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Returns the run with the shortest wall time; repeated runs damp the noise of a shared machine. */
export function fastest(runs: SideResult[]): SideResult {
  return runs.reduce((best, run) => (run.wallMs < best.wallMs ? run : best));
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(0)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

export function formatRatio(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

function pad(text: string, width: number, alignRight = false): string {
  return alignRight ? text.padStart(width) : text.padEnd(width);
}

function renderRows(header: string[], rows: string[][], rightAligned: boolean[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((cell, column) => pad(cell, widths[column] ?? 0, rightAligned[column] ?? false)).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** Renders every comparison: the sides as a table, then the ratios and the targets. */
export function renderReport(results: ComparisonResult[]): string {
  const lines: string[] = [];
  for (const [index, result] of results.entries()) {
    lines.push(`${index + 1}. ${result.title}`, `   ${result.setup}`);
    if (result.sides.length > 0) {
      const rows = result.sides.map((side) => [
        side.label,
        formatMs(side.wallMs),
        String(side.requests),
        side.derived ? '' : formatBytes(side.peakRssBytes),
        side.emulatorBusyMs === undefined ? '' : formatMs(side.emulatorBusyMs),
        side.emulatorCpuMs === undefined ? '' : formatMs(side.emulatorCpuMs),
        side.note ?? '',
      ]);
      lines.push(
        ...renderRows(['side', 'wall time', 'requests', 'peak RSS', 'emulator busy', 'emulator CPU', 'note'], rows, [false, true, true, true, true, true, false]),
      );
    }
    for (const ratio of result.ratios) lines.push(`  ${ratio}`);
    for (const target of result.targets) {
      lines.push(`  [${target.met ? 'met' : 'MISSED'}] ${target.description}: ${target.measured}`);
    }
    if (result.error) lines.push(`  COULD NOT RUN: ${result.error}`);
    lines.push('');
  }
  return lines.join('\n');
}

function quotient(numerator: number, denominator: number): string {
  if (denominator === 0) return numerator === 0 ? '1.00' : 'n/a';
  const value = numerator / denominator;
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Formats one line comparing two sides: each figure of `subject` divided by the one of `baseline`. */
export function ratioLine(subject: SideResult, baseline: SideResult, name: string): string {
  return (
    `${name}: wall time ${quotient(subject.wallMs, baseline.wallMs)}, ` +
    `requests ${quotient(subject.requests, baseline.requests)}, ` +
    `peak RSS ${quotient(subject.peakRssBytes, baseline.peakRssBytes)}`
  );
}
