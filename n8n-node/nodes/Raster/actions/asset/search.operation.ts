import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { SearchHit } from '../../../../../core/src/api/types';
import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLimit } from '../../helpers/items';
import { collectPages } from '../../helpers/pages';
import { assetData, simplifyAsset, splitList } from '../../helpers/values';
import { limitField, returnAllField, simplifyField } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Query',
		name: 'query',
		type: 'string',
		default: '',
		placeholder: 'e.g. sunset beach',
		description:
			'Words to find in asset names, descriptions and tags. Leave empty to return the most recent assets.',
	},
	returnAllField,
	limitField,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Library IDs',
				name: 'libraries',
				type: 'string',
				default: '',
				placeholder: 'e.g. marketing-photos, product-shots',
				description:
					'Search only these libraries, separated by commas. By default every library the API key can reach is searched.',
			},
		],
	},
	simplifyField,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['search'] } },
	properties,
);

/** Searches assets across libraries, best match first, as one output item per match. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const query = this.getNodeParameter('query', itemIndex) as string;
		const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
		const limit = returnAll ? undefined : getLimit.call(this, itemIndex);
		const filters = this.getNodeParameter('filters', itemIndex, {}) as { libraries?: string };
		const simplify = this.getNodeParameter('simplify', itemIndex) as boolean;
		const libraries = splitList(filters.libraries);

		const hits = await collectPages(async (page, pageSize) => {
			const result = await client.searchAssets({
				q: query,
				page,
				pageSize,
				...(libraries.length > 0 ? { libraries } : {}),
				...cancelOptions.call(this),
			});
			return result.hits;
		}, limit);

		return hits.map((hit) => (simplify ? simplifyHit(hit) : assetData(hit, false)));
	});
}

/** Keeps ten fields, as Simplify promises: the match score takes the place of the creation time. */
function simplifyHit(hit: SearchHit): IDataObject {
	const fields = simplifyAsset(hit);
	delete fields.created;
	return { ...fields, score: hit.score };
}
