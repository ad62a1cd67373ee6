import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as getMany from './getMany.operation';
import * as rename from './rename.operation';

export const operations = { create, getMany, rename };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['library'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a new library',
				action: 'Create a library',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Retrieve a list of the libraries the API key can reach',
				action: 'Get many libraries',
			},
			{
				name: 'Rename',
				value: 'rename',
				description: 'Change the name of a library',
				action: 'Rename a library',
			},
		],
		default: 'getMany',
	},
	...create.description,
	...getMany.description,
	...rename.description,
];
