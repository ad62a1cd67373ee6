import type { INodeProperties } from 'n8n-workflow';

import * as deleteAssets from './delete.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as search from './search.operation';
import * as tag from './tag.operation';
import * as transfer from './transfer.operation';
import * as untag from './untag.operation';
import * as updateDescription from './updateDescription.operation';
import * as upload from './upload.operation';

export const operations = {
	delete: deleteAssets,
	get,
	getMany,
	search,
	tag,
	transfer,
	untag,
	updateDescription,
	upload,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['asset'] } },
		options: [
			{
				name: 'Delete',
				value: 'delete',
				description: 'Move assets to the trash, where Raster keeps them for 30 days',
				action: 'Delete assets',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Retrieve an asset by its ID',
				action: 'Get an asset',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the assets of a library, newest first',
				action: 'Get many assets',
			},
			{
				name: 'Search',
				value: 'search',
				description: 'Find assets by name, description or tag across libraries',
				action: 'Search assets',
			},
			{
				name: 'Tag',
				value: 'tag',
				description: 'Add tags to assets',
				action: 'Tag assets',
			},
			{
				name: 'Transfer',
				value: 'transfer',
				description: 'Move assets to another library of the organization',
				action: 'Transfer assets',
			},
			{
				name: 'Untag',
				value: 'untag',
				description: 'Remove tags from assets',
				action: 'Untag assets',
			},
			{
				name: 'Update Description',
				value: 'updateDescription',
				description: 'Replace the description of an asset',
				action: 'Update asset description',
			},
			{
				name: 'Upload',
				value: 'upload',
				description: 'Upload files from binary data as new assets',
				action: 'Upload assets',
			},
		],
		default: 'getMany',
	},
	...deleteAssets.description,
	...get.description,
	...getMany.description,
	...search.description,
	...tag.description,
	...transfer.description,
	...untag.description,
	...updateDescription.description,
	...upload.description,
];
