import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId } from '../../helpers/items';
import { assetData } from '../../helpers/values';
import { assetIdField, libraryLocator, simplifyField } from '../common.descriptions';

const properties: INodeProperties[] = [libraryLocator(), assetIdField, simplifyField];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['get'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const assetId = String(this.getNodeParameter('assetId', itemIndex)).trim();
		const simplify = this.getNodeParameter('simplify', itemIndex) as boolean;

		const asset = await client.getAsset(libraryId, assetId, cancelOptions.call(this));
		return assetData(asset, simplify);
	});
}
