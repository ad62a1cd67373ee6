import { paginate } from '../../../../core/src/api/pagination';
import { MAX_PAGE_SIZE } from '../../../../core/src/api/limits';

/**
 * Collects the results of a paginated listing: every page when `limit` is undefined (Return
 * All), otherwise at most `limit` results, fetched in pages no larger than needed. Results are
 * de-duplicated by `id`, because an upload or delete during the listing shifts later pages.
 */
export async function collectPages<T extends { id: string }>(
	fetchPage: (page: number, pageSize: number) => Promise<T[]>,
	limit: number | undefined,
): Promise<T[]> {
	const pageSize = limit === undefined ? MAX_PAGE_SIZE : Math.min(limit, MAX_PAGE_SIZE);
	const results: T[] = [];

	for await (const result of paginate(fetchPage, pageSize)) {
		results.push(result);
		if (limit !== undefined && results.length >= limit) {
			break;
		}
	}
	return results;
}
