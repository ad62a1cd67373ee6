import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { API_VERSION, DEFAULT_BASE_URL } from '../../core/src/api/limits';

/** n8n expression for the base URL the node uses: trimmed, and the default when empty. */
const BASE_URL = `String($credentials.baseUrl || "${DEFAULT_BASE_URL}").trim()`;

/**
 * n8n expression that is true when the base URL uses https://, or plain http:// to a loopback
 * host (localhost, 127.0.0.0/8 or ::1): the rule of `checkSecureUrl` in the core client, which
 * the node applies before it sends anything. It is stricter than the core for a few URLs, such as
 * a loopback URL with user info, and accepts no http:// URL to a host that is not loopback.
 */
export const SECURE_BASE_URL_CONDITION =
	String.raw`/^(https:\/\/|http:\/\/(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|\[0:0:0:0:0:0:0:1\])(:\d+)?(\/|$))/i` +
	`.test(${BASE_URL})`;

/**
 * Base URL the credential test sends to instead of an insecure one. Neither axios nor fetch
 * supports this scheme, so the request fails before any DNS look-up or connection.
 */
export const REJECTED_BASE_URL = 'https-required:';

/**
 * An API key of one Raster organization. n8n adds the bearer key and the `Api-Version` header
 * to every request the Raster node sends through `httpRequestWithAuthentication`, the key only
 * while the base URL is secure.
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
				'The address of the Raster API. Change it only to reach a proxy or a local Raster emulator. Use https://, or http:// only for localhost, 127.0.0.0/8 or ::1. For http:// to any other host nothing is sent: the node stops with an error, and the credential test fails with ERR_BAD_REQUEST.',
		},
	];

	// n8n applies this block to every request it signs with the credential and cannot reject a
	// request here, so the key is left out whenever the base URL is insecure. The key is trimmed
	// because a pasted key often ends with a space or line break, which the node also trims.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: `={{ ${SECURE_BASE_URL_CONDITION} ? "Bearer " + String($credentials.apiKey || "").trim() : "" }}`,
				'Api-Version': API_VERSION,
			},
		},
	};

	// The test is declarative because a programmatic one (`testedBy` and the node's
	// `methods.credentialTest`) can send only through `this.helpers.request`, which n8n's
	// community-node lint and package scanner reject as deprecated. A declarative test cannot
	// reject a URL or choose its message, so an insecure base URL resolves to a scheme that n8n's
	// HTTP client (axios 1.21.1 in n8n 2.41.1) rejects before it resolves a host or connects.
	// n8n 2.41.1 then reports the test as failed with the axios error code "ERR_BAD_REQUEST" as
	// its message. This was checked against `n8n start` and its credential test endpoint.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ ${SECURE_BASE_URL_CONDITION} ? ${BASE_URL} : "${REJECTED_BASE_URL}" }}`,
			url: '/me',
			method: 'GET',
		},
	};
}
