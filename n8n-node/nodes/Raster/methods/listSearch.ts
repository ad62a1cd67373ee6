import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { createRasterClient } from '../transport/client';

/** Libraries per page of the searchable list. */
const PAGE_SIZE = 100;

/**
 * Lists the libraries the API key can reach for the Library parameter, one page at a time.
 * The API has no library search, so the filter matches names and IDs within each page.
 */
export async function searchLibraries(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const client = await createRasterClient.call(this);
	const page = paginationToken === undefined ? 1 : Number(paginationToken);
	const libraries = await client.listLibraries({ page, pageSize: PAGE_SIZE });

	const needle = filter?.trim().toLowerCase() ?? '';
	const matches = libraries.filter(
		(library) =>
			needle === '' ||
			library.name.toLowerCase().includes(needle) ||
			library.id.toLowerCase().includes(needle),
	);

	return {
		results: matches.map((library) => ({ name: library.name, value: library.id })),
		...(libraries.length === PAGE_SIZE ? { paginationToken: String(page + 1) } : {}),
	};
}
