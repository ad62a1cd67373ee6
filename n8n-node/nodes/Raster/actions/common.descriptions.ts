import type { INodeProperties } from 'n8n-workflow';

/** Library slugs: lowercase letters, digits and hyphens, starting with a letter or digit. */
export const LIBRARY_ID_REGEX = '^[a-z0-9][a-z0-9-]{0,62}$';

/** Builds a Library parameter: chosen from a searchable list, or entered by ID (the slug in Raster URLs). */
export function libraryLocator(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Library',
		name: 'library',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The library to work in',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: {
					searchListMethod: 'searchLibraries',
					searchable: true,
				},
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. marketing-photos',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: LIBRARY_ID_REGEX,
							errorMessage:
								'Enter a library ID: lowercase letters, digits and hyphens, as in the library URL',
						},
					},
				],
			},
		],
		...overrides,
	};
}

export const assetIdsField: INodeProperties = {
	displayName: 'Asset IDs',
	name: 'assetIds',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. 3f9a1c2b, 8d7e6f5a',
	description: 'IDs of the assets, separated by commas. An expression may also return an array of IDs.',
};

export const assetIdField: INodeProperties = {
	displayName: 'Asset ID',
	name: 'assetId',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. 3f9a1c2b',
	description: 'ID of the asset',
};

export const tagsField: INodeProperties = {
	displayName: 'Tags',
	name: 'tags',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. homepage, summer-campaign',
	description:
		'Tags separated by commas. Tags are case-sensitive; "index" and "trash" are reserved by Raster.',
};

export const returnAllField: INodeProperties = {
	displayName: 'Return All',
	name: 'returnAll',
	type: 'boolean',
	default: false,
	description: 'Whether to return all results or only up to a given limit',
};

export const limitField: INodeProperties = {
	displayName: 'Limit',
	name: 'limit',
	type: 'number',
	default: 50,
	typeOptions: { minValue: 1, numberPrecision: 0 },
	displayOptions: { show: { returnAll: [false] } },
	description: 'Max number of results to return',
};

export const simplifyField: INodeProperties = {
	displayName: 'Simplify',
	name: 'simplify',
	type: 'boolean',
	default: true,
	description: 'Whether to return a simplified version of the response instead of the raw data',
};
