import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId, getRequiredList } from '../../helpers/items';
import { assetIdsField, libraryLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator({ description: 'The library that contains the assets' }),
	assetIdsField,
	libraryLocator({
		displayName: 'Target Library',
		name: 'targetLibrary',
		description:
			'The library to move the assets to, in the same organization. The API key needs Write access to both libraries.',
	}),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['transfer'] } },
	properties,
);

/** Moves the assets of each item to another library; IDs, URLs, tags and descriptions stay. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const assetIds = getRequiredList.call(this, 'assetIds', 'Asset IDs', itemIndex);
		const targetLibraryId = getLibraryId.call(this, 'targetLibrary', itemIndex);

		const result = await client.transferAssets(libraryId, targetLibraryId, assetIds, cancelOptions.call(this));
		return { assetIds, ...result };
	});
}
