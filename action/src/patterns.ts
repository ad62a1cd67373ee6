/** Checks of the include and exclude patterns the user typed, before and after a run. */
import type { SyncReport } from '@raster-toolkit/core';
import { patternProblem, unmatchedPatterns } from '@raster-toolkit/core/node';
import { InputError } from './parse';

/** Throws `InputError` naming the first invalid pattern of `lines` and the option it came from. */
export function checkPatterns(name: string, lines: readonly string[]): void {
  for (const line of lines) {
    const problem = patternProblem(line);
    if (problem !== undefined) {
      throw new InputError(`Invalid pattern in ${name}: ${JSON.stringify(line.trim())}: ${problem}.`);
    }
  }
}

/**
 * Throws `InputError` for a command-line pattern value that would have no effect: an empty one,
 * or one that starts with `#`, which the pattern lists read as a comment. Each flag value is one
 * pattern, so such a value is a mistake. Then checks the values as `checkPatterns` does.
 */
export function checkFlagPatterns(flag: string, values: readonly string[]): void {
  for (const value of values) {
    const pattern = value.trim();
    if (pattern === '') {
      throw new InputError(`Invalid pattern in ${flag}: ${JSON.stringify(value)}: it is empty. Pass a glob such as *.png.`);
    }
    if (pattern.startsWith('#')) {
      throw new InputError(
        `Invalid pattern in ${flag}: ${JSON.stringify(pattern)}: a pattern that starts with # is read as a comment. ` +
          `Write \\${pattern} to match a name that starts with #.`,
      );
    }
  }
  checkPatterns(flag, values);
}

/**
 * Returns one warning for each include pattern that selected no file of the run. A run that
 * failed before planning found no files to compare with, so it gets none.
 */
export function unmatchedPatternWarnings(name: string, include: readonly string[] | undefined, report: SyncReport): string[] {
  if (include === undefined || include.length === 0) return [];
  if (report.outcome === 'failed' && report.files.length === 0) return [];
  const { plan } = report;
  const paths = new Set([
    ...plan.upload.map((file) => file.path),
    ...plan.unchanged.map((file) => file.path),
    ...plan.skipped.map((file) => file.path),
    ...report.files.filter((file) => file.status !== 'pruned').map((file) => file.path),
  ]);
  return unmatchedPatterns(include, [...paths]).map(
    (pattern) => `The ${name} pattern ${JSON.stringify(pattern)} matched no file. Patterns are relative to the synced folder; see the README for the rules.`,
  );
}
