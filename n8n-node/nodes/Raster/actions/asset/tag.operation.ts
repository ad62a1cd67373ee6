import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId, getRequiredList } from '../../helpers/items';
import { assetIdsField, libraryLocator, tagsField } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator(),
	assetIdsField,
	{
		...tagsField,
		description:
			'Tags to add, separated by commas. Tags are case-sensitive; "index" and "trash" are reserved by Raster.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['tag'] } },
	properties,
);

/** Adds tags to the assets of each item; pairs that already exist are skipped by Raster. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const assetIds = getRequiredList.call(this, 'assetIds', 'Asset IDs', itemIndex);
		const tags = getRequiredList.call(this, 'tags', 'Tags', itemIndex);

		const result = await client.tagAssets(libraryId, assetIds, tags, cancelOptions.call(this));
		return { assetIds, tags, taggedCount: result.taggedCount };
	});
}
