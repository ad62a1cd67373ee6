import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { RasterClient } from '../../../../core/src/client';
import { DEFAULT_BASE_URL } from '../../../../core/src/api/limits';
import { checkSecureUrl } from '../../../../core/src/api/validate';
import { CREDENTIAL_TYPE, createN8nTransport } from './index';

/**
 * Creates a core client for one node run. Requests go through n8n's authenticated request
 * helper; the key is also handed to the client so that it can redact it from every error.
 * Retries follow the client's policy and wait with n8n's `sleep`, which stops when the
 * execution is cancelled. Every operation and the library list call it before any request, so
 * an insecure base URL fails here and the key is never sent.
 */
export async function createRasterClient(
	this: IExecuteFunctions | ILoadOptionsFunctions,
): Promise<RasterClient> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const organizationId = String(credentials.organizationId ?? '').trim();
	const configuredUrl = String(credentials.baseUrl ?? '').trim().replace(/\/+$/, '');
	const baseUrl = configuredUrl === '' ? DEFAULT_BASE_URL : configuredUrl;
	checkBaseUrl(this, baseUrl);

	return new RasterClient({
		transport: createN8nTransport(this),
		apiKey: String(credentials.apiKey ?? ''),
		...(organizationId === '' ? {} : { organizationId }),
		baseUrl,
		sleep,
		now: () => Date.now(),
	});
}

/**
 * Rejects a base URL that is not https://, or plain http:// to a loopback host, with the
 * credential field to change. The core client applies the same rule, but its message names
 * its own option, `baseUrl`.
 */
function checkBaseUrl(context: IExecuteFunctions | ILoadOptionsFunctions, baseUrl: string): void {
	try {
		checkSecureUrl('baseUrl', baseUrl);
	} catch {
		// checkSecureUrl throws only RasterUsageError, for a URL that does not parse, an http://
		// URL to a host that is not loopback, or another scheme.
		throw new NodeOperationError(
			context.getNode(),
			`Invalid Base URL in the Raster credential: ${JSON.stringify(baseUrl)}. Nothing was sent.`,
			{
				description:
					"Open the Raster credential and set 'Base URL' to an https:// address. Plain http:// is accepted only for localhost, 127.0.0.0/8 or ::1, because it would send the API key unencrypted.",
			},
		);
	}
}
