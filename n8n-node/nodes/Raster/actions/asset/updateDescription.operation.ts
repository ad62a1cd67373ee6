import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId } from '../../helpers/items';
import { assetIdField, libraryLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator(),
	assetIdField,
	{
		displayName: 'Description',
		name: 'description',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		placeholder: 'e.g. Hero image of the summer campaign',
		description:
			'The new description, at most 5,000 characters. It replaces the current one; leave it empty to clear it.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['updateDescription'] } },
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
		const text = this.getNodeParameter('description', itemIndex) as string;

		const result = await client.setDescription(libraryId, assetId, text, cancelOptions.call(this));
		return { ...result };
	});
}
