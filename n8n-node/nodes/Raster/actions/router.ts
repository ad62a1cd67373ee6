import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RasterClient } from '../../../../core/src/client';
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

	const client = await createRasterClient.call(this);
	const output = await handler.execute.call(this, client, items);
	return [output];
}
