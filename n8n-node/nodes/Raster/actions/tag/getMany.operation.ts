import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { MAX_TAG_LIMIT } from '../../../../../core/src/api/limits';
import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLibraryId, getLimit } from '../../helpers/items';
import { libraryLocator, limitField, returnAllField } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator(),
	{
		...returnAllField,
		// NOTE: the tag listing has no pages; Raster returns at most MAX_TAG_LIMIT tags in one call.
		hint: `Raster returns at most ${MAX_TAG_LIMIT} tags per library`,
	},
	{ ...limitField, typeOptions: { ...limitField.typeOptions, maxValue: MAX_TAG_LIMIT } },
];

export const description = updateDisplayOptions(
	{ show: { resource: ['tag'], operation: ['getMany'] } },
	properties,
);

/** Lists the tags of a library with their asset counts, most used first. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const libraryId = getLibraryId.call(this, 'library', itemIndex);
		const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
		const limit = returnAll ? MAX_TAG_LIMIT : getLimit.call(this, itemIndex, MAX_TAG_LIMIT);

		const tags = await client.listTags(libraryId, { limit, ...cancelOptions.call(this) });
		return tags.map((tag) => ({ ...tag }));
	});
}
