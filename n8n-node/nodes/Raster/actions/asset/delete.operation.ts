import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId, getRequiredList } from '../../helpers/items';
import { assetIdsField, libraryLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator(),
	{
		...assetIdsField,
		description:
			'IDs of the assets to move to the trash, separated by commas. Raster keeps trashed assets for 30 days.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['delete'] } },
	properties,
);

/**
 * Moves the assets of each item to the trash, in requests of at most 100 IDs. IDs that are
 * already trashed or unknown are skipped by Raster and left out of `trashedIds`.
 */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const assetIds = getRequiredList.call(this, 'assetIds', 'Asset IDs', itemIndex);

		const result = await client.deleteAssets(libraryId, assetIds, cancelOptions.call(this));
		return { deleted: true, assetIds, trashedIds: result.ids };
	});
}
