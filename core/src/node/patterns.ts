/**
 * Include and exclude patterns of a sync, matched with minimatch.
 *
 * Each option is a list of glob patterns; an entry may hold several patterns, one per line, as
 * a multi-line action input does. Blank lines and lines starting with `#` are ignored. Patterns
 * are relative to the sync root and use `/`. A pattern without `/` matches the file name at any
 * depth (`*.png`); a pattern with `/` matches the whole relative path (`docs/**`). A pattern that
 * matches a folder matches every file under it, as in `.gitignore` (`drafts` or `docs/old`).
 *
 * Precedence: a file is synced when the include list selects it and the exclude list does not;
 * exclude always wins. Within one list the patterns apply in order and the last one that matches
 * decides, as in `.gitignore`: `!pattern` takes back what earlier patterns in the same list
 * selected. An empty include list selects every file, and so does an include list whose first
 * pattern is negated (`!*.svg` alone means "everything except SVG files").
 */

import { Minimatch } from 'minimatch';

interface PatternRule {
  negated: boolean;
  matcher: Minimatch;
}

export interface PatternList {
  rules: PatternRule[];
  /** Whether a path no rule matches is selected. */
  selectsByDefault: boolean;
}

/** Splits multi-line entries into single patterns, dropping blank lines and comments. */
export function splitPatterns(entries: readonly string[] | undefined): string[] {
  return (entries ?? [])
    .flatMap((entry) => entry.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Compiles a pattern list. `emptySelectsAll` is true for the include list. */
export function compilePatterns(entries: readonly string[] | undefined, emptySelectsAll: boolean): PatternList {
  const rules = splitPatterns(entries).map((line) => {
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\.\//, '').normalize('NFC');
    const matcher = new Minimatch(pattern, {
      dot: true,
      matchBase: !pattern.includes('/'),
      nocomment: true,
      nonegate: true,
    });
    return { negated, matcher };
  });

  const first = rules[0];
  const selectsByDefault = first === undefined ? emptySelectsAll : emptySelectsAll && first.negated;
  return { rules, selectsByDefault };
}

/** Returns `path` and each of its parent folders: `a/b/c.png`, `a/b`, `a`. */
function pathAndParents(path: string): string[] {
  const segments = path.split('/');
  return segments.map((_, index) => segments.slice(0, segments.length - index).join('/'));
}

/** Returns whether the list selects `path` (canonical: `/` separators, NFC). */
export function selects(list: PatternList, path: string): boolean {
  const candidates = pathAndParents(path);
  let selected = list.selectsByDefault;
  for (const rule of list.rules) {
    if (candidates.some((candidate) => rule.matcher.match(candidate))) selected = !rule.negated;
  }
  return selected;
}

/** The include and exclude lists of one sync. */
export class FileFilter {
  private readonly include: PatternList;
  private readonly exclude: PatternList;

  constructor(include: readonly string[] | undefined, exclude: readonly string[] | undefined) {
    this.include = compilePatterns(include, true);
    this.exclude = compilePatterns(exclude, false);
  }

  /** Returns whether a file at `path` (canonical) takes part in the sync. */
  accepts(path: string): boolean {
    return selects(this.include, path) && !selects(this.exclude, path);
  }
}
