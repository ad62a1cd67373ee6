import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';

export const operations = { getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['tag'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the tags of a library with the number of assets that carry each',
				action: 'Get many tags',
			},
		],
		default: 'getMany',
	},
	...getMany.description,
];
