/**
 * Include and exclude patterns of a sync, matched with minimatch.
 *
 * Each option is a list of glob patterns; an entry may hold several patterns, one per line, as
 * a multi-line action input does. Blank lines and lines starting with `#` are ignored. Patterns
 * are relative to the sync root and use `/`. A pattern without `/` matches the file name at any
 * depth (`*.png`); a pattern with `/` matches the whole relative path (`docs/**`). A pattern that
 * matches a folder matches every file under it, as in `.gitignore` (`drafts` or `docs/old`). As in
 * `.gitignore`, a leading `/` anchors a pattern at the root (`/logo.png` matches only the root's
 * logo.png), and a trailing `/` matches only folders (`brand/` is every file under a folder named
 * brand, at any depth).
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
  /** Whether the pattern ended in `/`, so that it matches folders and not files. */
  foldersOnly: boolean;
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
  const rules = splitPatterns(entries).map((line) => compileRule(line));

  const first = rules[0];
  const selectsByDefault = first === undefined ? emptySelectsAll : emptySelectsAll && first.negated;
  return { rules, selectsByDefault };
}

function compileRule(line: string): PatternRule {
  const negated = line.startsWith('!');
  let pattern = (negated ? line.slice(1) : line).replace(/^\.\//, '').normalize('NFC');
  const anchored = pattern.startsWith('/');
  const foldersOnly = pattern.length > 1 && pattern.endsWith('/');
  pattern = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  const matcher = new Minimatch(pattern, {
    dot: true,
    matchBase: !anchored && !pattern.includes('/'),
    nocomment: true,
    nonegate: true,
  });
  return { negated, foldersOnly, matcher };
}

/**
 * Returns why a pattern line is invalid, or undefined. minimatch reads an unclosed `[` as a
 * literal character, which is almost always a typo, so it is rejected here.
 */
export function patternProblem(line: string): string | undefined {
  const pattern = line.trim().replace(/^!/, '');
  if (pattern.replace(/\//g, '') === '') return 'it matches no file name';
  // Strip escaped characters and closed classes; a `[` left over has no closing `]`.
  const unclosed = pattern.replace(/\\./g, '').replace(/\[!?\]?[^\]]*\]/g, '');
  if (unclosed.includes('[')) return 'its "[" starts a character class that has no closing "]"; write \\[ for a literal bracket';
  return undefined;
}

/**
 * Returns the include patterns, as written, that select none of `paths` (canonical relative paths
 * of the files a run found), so that the caller can warn about a pattern that matched nothing.
 * Negated patterns are not checked, because they only take back what others selected.
 */
export function unmatchedPatterns(entries: readonly string[] | undefined, paths: readonly string[]): string[] {
  return splitPatterns(entries).filter((line) => {
    const rule = compileRule(line);
    if (rule.negated) return false;
    return !paths.some((path) => ruleMatches(rule, path));
  });
}

function ruleMatches(rule: PatternRule, path: string): boolean {
  const candidates = pathAndParents(path);
  // The first candidate is the file itself, which a folders-only pattern must not match.
  return (rule.foldersOnly ? candidates.slice(1) : candidates).some((candidate) => rule.matcher.match(candidate));
}

/** Returns `path` and each of its parent folders: `a/b/c.png`, `a/b`, `a`. */
function pathAndParents(path: string): string[] {
  const segments = path.split('/');
  return segments.map((_, index) => segments.slice(0, segments.length - index).join('/'));
}

/** Returns whether the list selects `path` (canonical: `/` separators, NFC). */
export function selects(list: PatternList, path: string): boolean {
  let selected = list.selectsByDefault;
  for (const rule of list.rules) {
    if (ruleMatches(rule, path)) selected = !rule.negated;
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
