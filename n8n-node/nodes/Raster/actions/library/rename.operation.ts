import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId } from '../../helpers/items';
import { libraryLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator({ description: 'The library to rename' }),
	{
		displayName: 'New Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Product Shots 2026',
		description: 'The new name, 1 to 100 characters. The library ID (slug) does not change.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['library'], operation: ['rename'] } },
	properties,
);

export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const name = this.getNodeParameter('name', itemIndex) as string;

		const library = await client.renameLibrary(libraryId, name, cancelOptions.call(this));
		return { ...library };
	}, { name: 'New Name' });
}
