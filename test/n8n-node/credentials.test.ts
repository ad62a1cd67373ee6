import net from 'node:net';

import { checkSecureUrl } from '@raster-toolkit/core';
import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { RasterApi } from '../../n8n-node/credentials/RasterApi.credentials';
import { resolveCredentialValue, type RasterCredentials } from './context';

let emulator: RunningEmulator;

beforeAll(async () => {
	emulator = await startEmulator({ port: 0 });
});

afterAll(async () => {
	await emulator.stop();
});

afterEach(() => {
	vi.restoreAllMocks();
});

interface CredentialTestRequest {
	url: string;
	headers: Record<string, string>;
}

/**
 * Resolves the credential's test request the way n8n's credential test does: the request's
 * expressions and the generic authentication headers, evaluated with `$credentials`.
 */
function resolveTestRequest(credentials: RasterCredentials): CredentialTestRequest {
	const credential = new RasterApi();
	const request = credential.test.request;
	const baseUrl = resolveCredentialValue(request.baseURL, credentials).replace(/\/+$/, '');
	const headers: Record<string, string> = {};
	for (const [name, template] of Object.entries(credential.authenticate.properties.headers ?? {})) {
		headers[name] = resolveCredentialValue(template, credentials);
	}
	return { url: `${baseUrl}${request.url ?? ''}`, headers };
}

/** Sends the credential's test request. */
async function testCredential(credentials: RasterCredentials): Promise<Response> {
	const request = resolveTestRequest(credentials);
	return await fetch(request.url, { method: new RasterApi().test.request.method ?? 'GET', headers: request.headers });
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

	it('sends the bearer key without surrounding white space', () => {
		const headers = new RasterApi().authenticate.properties.headers ?? {};
		const credentials = { apiKey: ' pk_test123 \n', baseUrl: 'http://127.0.0.1:1' };

		expect(resolveCredentialValue(headers.Authorization, credentials)).toBe('Bearer pk_test123');
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

	it('rejects an insecure base URL without a request', async () => {
		const connect = vi.spyOn(net.Socket.prototype, 'connect');
		const credentials = { apiKey: 'pk_secret123', baseUrl: 'http://example.invalid' };

		const request = resolveTestRequest(credentials);
		const failure = await testCredential(credentials).then(
			() => undefined,
			(error: unknown) => error,
		);

		expect(request.url).toBe('https-required:/me');
		expect(request.headers.Authorization).toBe('');
		expect(JSON.stringify(request)).not.toContain('pk_secret123');
		expect(failure).toBeInstanceOf(TypeError);
		expect(connect).not.toHaveBeenCalled();
	});

	it('tests the key on loopback http', async () => {
		// The spy must see this connection, or the check that none is made proves nothing.
		const connect = vi.spyOn(net.Socket.prototype, 'connect');
		const loopbackUrl = emulator.url.replace('127.0.0.1', 'localhost');

		const response = await testCredential({ apiKey: emulator.writeKey, baseUrl: `${loopbackUrl}/` });

		expect(response.status).toBe(200);
		expect(connect).toHaveBeenCalled();
	});

	it('uses the default base URL when empty', () => {
		const request = resolveTestRequest({ apiKey: 'pk_test123', baseUrl: '' });

		expect(request.url).toBe('https://api.raster.app/me');
		expect(request.headers.Authorization).toBe('Bearer pk_test123');
	});

	// The credential's expression and the core client's check must agree on ordinary URLs, and
	// the expression must never accept http:// to a host that is not loopback.
	it.each([
		['https://api.raster.app', true],
		['HTTPS://proxy.example.com:8443/raster/', true],
		['http://localhost:4010', true],
		['http://127.0.0.1', true],
		['http://127.12.0.1:80/api', true],
		['http://[::1]:4010', true],
		['http://example.invalid', false],
		['http://example.invalid:80/', false],
		['http://localhost.example.com', false],
		['http://127.0.0.1.example.com', false],
		['http://127.0.0.1@example.com', false],
		['http://127.0.0.1:80@example.com/', false],
		['http://10.0.0.1', false],
		['http://[::2]', false],
		['ftp://api.raster.app', false],
		['api.raster.app', false],
	])('decides %s like the core client', (baseUrl, secure) => {
		const coreAccepts = (() => {
			try {
				checkSecureUrl('baseUrl', baseUrl);
				return true;
			} catch {
				return false;
			}
		})();
		const headers = resolveTestRequest({ apiKey: 'pk_test123', baseUrl }).headers;

		expect(coreAccepts).toBe(secure);
		expect(headers.Authorization).toBe(secure ? 'Bearer pk_test123' : '');
	});
});
