import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { MAX_TAG_FILTERS } from '../../../../../core/src/api/limits';
import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId, getLimit } from '../../helpers/items';
import { collectPages } from '../../helpers/pages';
import { assetData, splitList } from '../../helpers/values';
import { libraryLocator, limitField, returnAllField, simplifyField } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator(),
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
				displayName: 'Tags',
				name: 'tags',
				type: 'string',
				default: '',
				placeholder: 'e.g. homepage, summer-campaign',
				description: `Return only assets that carry any of these tags, separated by commas, at most ${MAX_TAG_FILTERS}`,
			},
		],
	},
	simplifyField,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['getMany'] } },
	properties,
);

/** Lists the assets of a library, newest first, as one output item per asset. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
		const limit = returnAll ? undefined : getLimit.call(this, itemIndex);
		const filters = this.getNodeParameter('filters', itemIndex, {}) as { tags?: string };
		const simplify = this.getNodeParameter('simplify', itemIndex) as boolean;

		const tags = splitList(filters.tags);
		if (tags.length > MAX_TAG_FILTERS) {
			throw new NodeOperationError(
				this.getNode(),
				`The 'Tags' filter holds ${tags.length} tags, more than Raster accepts [item ${itemIndex}]`,
				{
					description: `Filter by at most ${MAX_TAG_FILTERS} tags, or run the node once per group of tags.`,
					itemIndex,
				},
			);
		}

		const assets = await collectPages(
			async (page, pageSize) =>
				await client.listAssets(libraryId, {
					page,
					pageSize,
					...(tags.length > 0 ? { tags } : {}),
					...cancelOptions.call(this),
				}),
			limit,
		);
		return assets.map((asset) => assetData(asset, simplify));
	});
}
