import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { RasterClient } from '../../../../../core/src/client';
import { cancelOptions, forEachItem, getLimit } from '../../helpers/items';
import { collectPages } from '../../helpers/pages';
import { limitField, returnAllField } from '../common.descriptions';

const properties: INodeProperties[] = [returnAllField, limitField];

export const description = updateDisplayOptions(
	{ show: { resource: ['library'], operation: ['getMany'] } },
	properties,
);

/** Lists the libraries the API key can reach, in the order they were created. */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await forEachItem.call(this, items, async (itemIndex) => {
		const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
		const limit = returnAll ? undefined : getLimit.call(this, itemIndex);

		const libraries = await collectPages(
			async (page, pageSize) => await client.listLibraries({ page, pageSize, ...cancelOptions.call(this) }),
			limit,
		);
		return libraries.map((library) => ({ ...library }));
	});
}
