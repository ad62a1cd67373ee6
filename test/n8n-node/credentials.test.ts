import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RasterApi } from '../../n8n-node/credentials/RasterApi.credentials';
import { resolveCredentialValue, type RasterCredentials } from './context';

let emulator: RunningEmulator;

beforeAll(async () => {
	emulator = await startEmulator({ port: 0 });
});

afterAll(async () => {
	await emulator.stop();
});

/** Sends the credential's test request the way n8n's credential test does, with generic authentication. */
async function testCredential(credentials: RasterCredentials): Promise<Response> {
	const credential = new RasterApi();
	const request = credential.test.request;
	const baseUrl = resolveCredentialValue(request.baseURL, credentials);
	const headers: Record<string, string> = {};
	for (const [name, template] of Object.entries(credential.authenticate.properties.headers ?? {})) {
		headers[name] = resolveCredentialValue(template, credentials);
	}
	return await fetch(new URL(request.url ?? '', `${baseUrl}/`), { method: request.method ?? 'GET', headers });
}

describe('RasterApi credential', () => {
	it('stores the API key as a password field', () => {
		const apiKey = new RasterApi().properties.find((property) => property.name === 'apiKey');

		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(apiKey?.required).toBe(true);
	});

	it('defaults the base URL to the Raster API', () => {
		const baseUrl = new RasterApi().properties.find((property) => property.name === 'baseUrl');

		expect(baseUrl?.default).toBe('https://api.raster.app');
	});

	it('keeps the organization optional', () => {
		const organization = new RasterApi().properties.find((property) => property.name === 'organizationId');

		expect(organization?.required).not.toBe(true);
		expect(organization?.default).toBe('');
	});

	it('sends the bearer key and Api-Version', () => {
		const headers = new RasterApi().authenticate.properties.headers ?? {};
		const credentials = { apiKey: 'pk_test123', baseUrl: 'http://127.0.0.1:1' };

		expect(resolveCredentialValue(headers.Authorization, credentials)).toBe('Bearer pk_test123');
		expect(resolveCredentialValue(headers['Api-Version'], credentials)).toBe('2026-05-20');
	});

	it('tests the key with GET /me', async () => {
		const credential = new RasterApi();
		expect(credential.test.request.url).toBe('/me');
		expect(credential.test.request.method).toBe('GET');

		const response = await testCredential({ apiKey: emulator.writeKey, baseUrl: emulator.url });

		expect(response.status).toBe(200);
		expect(((await response.json()) as { data: { organizationId: string } }).data.organizationId).toBe(emulator.organizationId);
	});

	it('fails the test for an unknown key', async () => {
		const response = await testCredential({ apiKey: 'pk_unknownkey000', baseUrl: emulator.url });

		expect(response.status).toBe(401);
	});
});
