import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { RasterClient } from '../../../../core/src/client';
import { DEFAULT_BASE_URL } from '../../../../core/src/api/limits';
import { checkApiKey, checkBaseUrl, checkSlug, withoutUserInfo } from '../../../../core/src/api/validate';
import { CREDENTIAL_TYPE, createN8nTransport } from './index';

/**
 * Creates a core client for one node run. Requests go through n8n's authenticated request
 * helper; the key is also handed to the client so that it can redact it from every error.
 * Retries follow the client's policy and wait with n8n's `sleep`, which stops when the
 * execution is cancelled. Every operation and the library list call it before any request, so
 * invalid credential values fail here with a NodeOperationError naming the credential field,
 * and an insecure base URL fails before the key is sent.
 */
export async function createRasterClient(
	this: IExecuteFunctions | ILoadOptionsFunctions,
): Promise<RasterClient> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	// A pasted key often ends with a space or line break. The credential's `authenticate` block
	// trims the key it sends in the same way.
	const apiKey = String(credentials.apiKey ?? '').trim();
	const organizationId = String(credentials.organizationId ?? '').trim();
	const configuredUrl = String(credentials.baseUrl ?? '').trim().replace(/\/+$/, '');
	const baseUrl = configuredUrl === '' ? DEFAULT_BASE_URL : configuredUrl;
	checkCredentialApiKey(this, apiKey);
	if (organizationId !== '') {
		checkOrganizationId(this, organizationId);
	}
	checkCredentialBaseUrl(this, baseUrl);

	return new RasterClient({
		transport: createN8nTransport(this),
		apiKey,
		...(organizationId === '' ? {} : { organizationId }),
		baseUrl,
		sleep,
		now: () => Date.now(),
	});
}

type CredentialContext = IExecuteFunctions | ILoadOptionsFunctions;

/**
 * Runs one of the core client's checks on a credential value and turns its RasterUsageError,
 * whose message names the client's option, into an error that names the credential field.
 */
function checkCredentialField(context: CredentialContext, check: () => void, message: string, description: string): void {
	try {
		check();
	} catch {
		throw new NodeOperationError(context.getNode(), `${message} Nothing was sent.`, { description });
	}
}

/**
 * Rejects an empty API key, and one with white space or control characters inside. Neither
 * message contains the key.
 */
function checkCredentialApiKey(context: CredentialContext, apiKey: string): void {
	if (apiKey === '') {
		throw new NodeOperationError(context.getNode(), 'Missing API Key in the Raster credential. Nothing was sent.', {
			description:
				"Open the Raster credential and enter the 'API Key' from the organization settings in Raster. It starts with 'pk_'.",
		});
	}
	checkCredentialField(
		context,
		() => checkApiKey(apiKey),
		'Invalid API Key in the Raster credential: it contains spaces or control characters.',
		"Open the Raster credential and paste the 'API Key' again exactly as Raster shows it, without spaces or line breaks inside it.",
	);
}

/** Rejects an organization ID that is not a Raster slug. */
function checkOrganizationId(context: CredentialContext, organizationId: string): void {
	checkCredentialField(
		context,
		() => checkSlug('organizationId', organizationId),
		`Invalid Organization ID in the Raster credential: ${JSON.stringify(organizationId)}.`,
		"Open the Raster credential and set 'Organization ID' to the organization slug from Raster URLs: lower-case letters, digits and '-', starting with a letter or digit, at most 63 characters. Or leave it empty to read it from the API key.",
	);
}

/**
 * Rejects a base URL that is neither https:// nor plain http:// to a loopback host, or that has a
 * user name, a password, a query or a fragment. The message shows no user name or password.
 */
function checkCredentialBaseUrl(context: CredentialContext, baseUrl: string): void {
	checkCredentialField(
		context,
		() => checkBaseUrl('baseUrl', baseUrl),
		`Invalid Base URL in the Raster credential: ${JSON.stringify(withoutUserInfo(baseUrl))}.`,
		"Open the Raster credential and set 'Base URL' to an https:// address without a user name, password, query or fragment. Plain http:// is accepted only for localhost, 127.0.0.0/8 or ::1, because it would send the API key unencrypted.",
	);
}
