import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { RasterClient } from '../../../../core/src/client';
import { DEFAULT_BASE_URL } from '../../../../core/src/api/limits';
import { CREDENTIAL_TYPE, createN8nTransport } from './index';

/**
 * Creates a core client for one node run. Requests go through n8n's authenticated request
 * helper; the key is also handed to the client so that it can redact it from every error.
 * Retries follow the client's policy and wait with n8n's `sleep`, which stops when the
 * execution is cancelled.
 */
export async function createRasterClient(
	this: IExecuteFunctions | ILoadOptionsFunctions,
): Promise<RasterClient> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const organizationId = String(credentials.organizationId ?? '').trim();
	const baseUrl = String(credentials.baseUrl ?? '').trim().replace(/\/+$/, '');

	return new RasterClient({
		transport: createN8nTransport(this),
		apiKey: String(credentials.apiKey ?? ''),
		...(organizationId === '' ? {} : { organizationId }),
		baseUrl: baseUrl === '' ? DEFAULT_BASE_URL : baseUrl,
		sleep,
		now: () => Date.now(),
	});
}
