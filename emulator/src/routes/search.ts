import { badUserInput } from '../api-error';
import { requireLibraryAccess } from '../access';
import { requireKey, type RouteDefinition } from '../context';
import { readListParam, readPage, slicePage } from '../query';
import { compareNewestFirst, isListed, toApiAsset } from '../serialize';
import type { AssetRecord } from '../store/records';

/** Points a query term earns for matching each field; a name match ranks highest. */
const SCORE_NAME = 3;
const SCORE_TAG_EXACT = 2;
const SCORE_TAG_PARTIAL = 1;
const SCORE_DESCRIPTION = 1;

interface ScoredAsset {
  asset: AssetRecord;
  score: number;
  highlights: { name: string | null; tags: string[] };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Wraps every case-insensitive match of `pattern` in `<mark>`, or returns null when none. */
function highlight(text: string, pattern: RegExp): string | null {
  let matched = false;
  const result = text.replace(pattern, (match) => {
    matched = true;
    return `<mark>${match}</mark>`;
  });
  return matched ? result : null;
}

/**
 * Scores an asset against the query terms: every term must match the name, a tag or the
 * description (case-insensitive substring), otherwise the asset is not a hit.
 */
function scoreAsset(asset: AssetRecord, terms: string[]): ScoredAsset | null {
  let score = 0;
  for (const term of terms) {
    const pattern = new RegExp(escapeRegExp(term), 'iu');
    let termScore = 0;
    if (pattern.test(asset.name)) {
      termScore += SCORE_NAME;
    }
    for (const tag of asset.tags) {
      if (tag.toLowerCase() === term.toLowerCase()) {
        termScore += SCORE_TAG_EXACT;
      } else if (pattern.test(tag)) {
        termScore += SCORE_TAG_PARTIAL;
      }
    }
    if (asset.description !== null && pattern.test(asset.description)) {
      termScore += SCORE_DESCRIPTION;
    }
    if (termScore === 0) {
      return null;
    }
    score += termScore;
  }

  const anyTerm = new RegExp(terms.map(escapeRegExp).join('|'), 'giu');
  const tags: string[] = [];
  for (const tag of asset.tags) {
    const marked = highlight(tag, anyTerm);
    if (marked !== null) {
      tags.push(marked);
    }
  }
  return { asset, score, highlights: { name: highlight(asset.name, anyTerm), tags } };
}

export const searchRoutes: RouteDefinition[] = [
  {
    name: 'search-assets',
    method: 'GET',
    segments: ['organizations', ':organizationId', 'search', 'assets'],
    access: 'organization',
    async handle(context) {
      const key = requireKey(context);
      const { services, query } = context;
      const requested = [...new Set(readListParam(query, 'libraries'))];
      const libraryIds = requested.length > 0 ? requested : Object.keys(key.libraries);
      const libraries = libraryIds.map((id) => requireLibraryAccess(services.store, key, id, 'read'));

      const q = query.get('q');
      if (q === null) {
        throw badUserInput('The query parameter "q" is required; send q= (empty) for recent assets.');
      }
      const page = readPage(query);

      const candidates = libraries
        .flatMap((library) => services.store.assetsOf(library.organizationId, library.id))
        .filter((asset) => !asset.trashed && isListed(asset, services))
        .sort(compareNewestFirst);

      const terms = q.trim().split(/\s+/).filter((term) => term.length > 0);
      let hits: ScoredAsset[];
      if (terms.length === 0) {
        hits = candidates.map((asset) => ({ asset, score: 0, highlights: { name: null, tags: [] } }));
      } else {
        hits = candidates
          .map((asset) => scoreAsset(asset, terms))
          .filter((hit): hit is ScoredAsset => hit !== null)
          .sort((a, b) => b.score - a.score || compareNewestFirst(a.asset, b.asset));
      }

      return {
        status: 200,
        data: {
          hits: slicePage(hits, page).map((hit) => ({
            ...toApiAsset(hit.asset, services),
            score: hit.score,
            highlights: hit.highlights,
          })),
          found: hits.length,
          page: page.page,
        },
      };
    },
  },
];
