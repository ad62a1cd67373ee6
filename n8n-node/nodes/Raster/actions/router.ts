import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { RasterClient } from '../../../../core/src/client';
import { errorItem } from '../helpers/items';
import { createRasterClient } from '../transport/client';
import * as asset from './asset/Asset.resource';
import * as library from './library/Library.resource';
import * as tag from './tag/Tag.resource';

type Operation = {
	execute: (
		this: IExecuteFunctions,
		client: RasterClient,
		items: INodeExecutionData[],
	) => Promise<INodeExecutionData[]>;
};

const resources: Record<string, Record<string, Operation>> = {
	asset: asset.operations,
	library: library.operations,
	tag: tag.operations,
};

/** Runs the chosen operation of the chosen resource over all input items. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;

	const handler = resources[resource]?.[operation];
	if (handler === undefined) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation '${operation}' of the resource '${resource}' is not supported`,
			{ description: "Choose a 'Resource' and an 'Operation' from the lists of the node." },
		);
	}

	let client: RasterClient;
	try {
		client = await createRasterClient.call(this);
	} catch (error) {
		const nodeError =
			error instanceof NodeApiError || error instanceof NodeOperationError
				? error
				: new NodeOperationError(this.getNode(), error as Error);
		if (!this.continueOnFail()) {
			throw nodeError;
		}
		// Every item needs the client, so every item fails with the same error.
		return [items.map((_item, itemIndex) => errorItem(nodeError, itemIndex))];
	}

	const output = await handler.execute.call(this, client, items);
	return [output];
}
