import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem } from '../../helpers/items';

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. Marketing Photos',
		description: 'Name of the new library, 1 to 100 characters',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Slug',
				name: 'slug',
				type: 'string',
				default: '',
				placeholder: 'e.g. marketing-photos',
				description:
					'The library ID used in URLs: lowercase letters, digits and hyphens. By default Raster derives it from the name.',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['library'], operation: ['create'] } },
	properties,
);

/** Creates a library; Raster grants the calling API key Write access to it. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const name = this.getNodeParameter('name', itemIndex) as string;
		const options = this.getNodeParameter('options', itemIndex, {}) as { slug?: string };
		const slug = options.slug?.trim() ?? '';

		const library = await client.createLibrary(
			{ name, ...(slug === '' ? {} : { slug }) },
			cancelOptions.call(this),
		);
		return { ...library };
	});
}

