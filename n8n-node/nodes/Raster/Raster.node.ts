import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as asset from './actions/asset/Asset.resource';
import * as library from './actions/library/Library.resource';
import { router } from './actions/router';
import * as tag from './actions/tag/Tag.resource';
import { searchLibraries } from './methods/listSearch';

export class Raster implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Raster',
		name: 'raster',
		icon: { light: 'file:raster.svg', dark: 'file:raster.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Upload, find, tag and organize images in Raster libraries',
		defaults: {
			name: 'Raster',
		},
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'rasterApi',
				required: true,
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Asset',
						value: 'asset',
					},
					{
						name: 'Library',
						value: 'library',
					},
					{
						name: 'Tag',
						value: 'tag',
					},
				],
				default: 'asset',
			},
			...asset.description,
			...library.description,
			...tag.description,
		],
	};

	methods = {
		listSearch: {
			searchLibraries,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
