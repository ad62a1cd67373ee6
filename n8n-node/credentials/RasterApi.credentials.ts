import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { API_VERSION } from '../../core/src/api/limits';

/**
 * An API key of one Raster organization. n8n adds the bearer key and the `Api-Version` header
 * to every request the Raster node sends through `httpRequestWithAuthentication`.
 */
export class RasterApi implements ICredentialType {
	name = 'rasterApi';

	displayName = 'Raster API';

	icon: Icon = {
		light: 'file:../nodes/Raster/raster.svg',
		dark: 'file:../nodes/Raster/raster.dark.svg',
	};

	documentationUrl = 'https://docs.raster.app';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. pk_a1b2c3d4e5',
			description:
				'An API key from the organization settings in Raster. Give it Write access to the libraries the workflows change.',
		},
		{
			displayName: 'Organization ID',
			name: 'organizationId',
			type: 'string',
			default: '',
			placeholder: 'e.g. monogram-labs',
			description:
				'The organization slug from Raster URLs. Leave empty to read it from the API key.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.raster.app',
			description:
				'The address of the Raster API. Change it only to reach a proxy or a local Raster emulator.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
				'Api-Version': API_VERSION,
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/me',
			method: 'GET',
		},
	};
}
