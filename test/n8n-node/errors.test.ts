import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { Raster } from '../../n8n-node/nodes/Raster/Raster.node';
import { binaryItem, byId, createContext, runNode, type RasterCredentials } from './context';
import { seedAssets } from './seed';

let emulator: RunningEmulator;
let credentials: RasterCredentials;

beforeAll(async () => {
	emulator = await startEmulator({ port: 0 });
	credentials = { apiKey: emulator.writeKey, organizationId: emulator.organizationId, baseUrl: emulator.url };
});

afterAll(async () => {
	await emulator.stop();
});

beforeEach(async () => {
	await emulator.admin.reset();
	emulator.admin.clearFaults();
});

/** Parameters where item 1 requests an asset that does not exist and items 0 and 2 request real ones. */
async function mixedGetParameters() {
	const assets = await seedAssets(emulator, 2);
	const ids = [assets[0]!.id, 'missing-asset', assets[1]!.id];
	return (itemIndex: number) => ({
		resource: 'asset',
		operation: 'get',
		library: byId(emulator.libraryId),
		assetId: ids[itemIndex],
	});
}

/** Every resource and operation pair the node offers, read from its description. */
function allOperations(): Array<[string, string]> {
	const properties = new Raster().description.properties;
	const pairs: Array<[string, string]> = [];
	for (const property of properties) {
		if (property.name !== 'operation') {
			continue;
		}
		const resources = (property.displayOptions?.show?.resource ?? []) as string[];
		for (const resource of resources) {
			for (const option of property.options ?? []) {
				pairs.push([resource, String((option as { value: unknown }).value)]);
			}
		}
	}
	return pairs;
}

describe('insecure base URL', () => {
	const insecureUrl = 'http://example.invalid';

	it('covers every operation', () => {
		expect(allOperations()).toHaveLength(13);
	});

	it.each(allOperations())('rejects %s %s before any request', async (resource, operation) => {
		const store = new Map<string, Buffer>();
		const { context, requests } = createContext({
			credentials: { ...credentials, baseUrl: insecureUrl },
			items: [await binaryItem(store, { data: 'brand/logo-128.png' })],
			binaryStore: store,
			parameters: {
				resource,
				operation,
				library: byId('my-library'),
				targetLibrary: byId('archive'),
				assetId: 'asset-1',
				assetIds: 'asset-1',
				tags: 'summer',
				name: 'Archive',
				description: 'A description',
				query: 'logo',
			},
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe(
			`Invalid Base URL in the Raster credential: "${insecureUrl}". Nothing was sent.`,
		);
		expect((error as NodeOperationError).description).toContain('Plain http:// is accepted only for localhost, 127.0.0.0/8 or ::1');
		expect(requests).toHaveLength(0);
	});

	it('rejects the library list before any request', async () => {
		const { context, requests } = createContext({
			credentials: { ...credentials, baseUrl: `${insecureUrl}/` },
			parameters: {},
		});

		const error = await new Raster().methods.listSearch.searchLibraries.call(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toContain(insecureUrl);
		expect(requests).toHaveLength(0);
	});

	it('rejects a password in the Base URL without showing it', async () => {
		const withPassword = emulator.url.replace('http://', 'http://user:s3cret@');
		const { context, requests } = createContext({
			credentials: { ...credentials, baseUrl: withPassword },
			parameters: {},
		});

		const error = await new Raster().methods.listSearch.searchLibraries.call(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe(
			`Invalid Base URL in the Raster credential: "${emulator.url.replace('http://', 'http://***@')}". Nothing was sent.`,
		);
		expect((error as NodeOperationError).description).toContain('without a user name, password, query or fragment');
		expect(requests).toHaveLength(0);
	});

	it('accepts http on localhost', async () => {
		const { context, requests } = createContext({
			credentials: { ...credentials, baseUrl: emulator.url.replace('127.0.0.1', 'localhost') },
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const output = await runNode(context);

		expect(output.map((item) => item.json.id)).toEqual([emulator.libraryId]);
		expect(requests).toHaveLength(1);
	});
});

describe('invalid credential values', () => {
	it.each([
		['an empty API Key', { apiKey: '' }, 'Missing API Key in the Raster credential. Nothing was sent.', "'API Key'"],
		['a blank API Key', { apiKey: '  \t ' }, 'Missing API Key in the Raster credential. Nothing was sent.', "'API Key'"],
		[
			'an API Key with a space inside',
			{ apiKey: 'pk_abc def' },
			'Invalid API Key in the Raster credential: it contains spaces or control characters. Nothing was sent.',
			"'API Key'",
		],
		[
			'an Organization ID with capitals',
			{ organizationId: 'Demo-Org' },
			'Invalid Organization ID in the Raster credential: "Demo-Org". Nothing was sent.',
			"'Organization ID'",
		],
	])('rejects %s before any request', async (_case, change, message, field) => {
		const { context, requests } = createContext({
			credentials: { ...credentials, ...change },
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe(message);
		expect((error as NodeOperationError).description).toContain(field);
		expect((error as NodeOperationError).node.name).toBe('Raster');
		expect(JSON.stringify(error)).not.toContain('pk_abc');
		expect(requests).toHaveLength(0);
	});

	it('trims white space around the API Key', async () => {
		const { context, requests } = createContext({
			credentials: { ...credentials, apiKey: ` ${emulator.writeKey}\n` },
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const output = await runNode(context);

		expect(output.map((item) => item.json.id)).toEqual([emulator.libraryId]);
		expect(requests[0]!.headers.authorization).toBe(`Bearer ${emulator.writeKey}`);
	});

	it('continues with an error per item', async () => {
		const { context, requests } = createContext({
			credentials: { ...credentials, organizationId: 'Demo-Org' },
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const output = await runNode(context);

		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of output) {
			expect(item.json.error).toBe('Invalid Organization ID in the Raster credential: "Demo-Org". Nothing was sent.');
			expect(String(item.json.details)).toContain("'Organization ID'");
		}
		expect(requests).toHaveLength(0);
	});

	it('continues past an insecure Base URL', async () => {
		const { context } = createContext({
			credentials: { ...credentials, baseUrl: 'http://example.invalid' },
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const output = await runNode(context);

		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(String(output[0]!.json.error)).toContain('Invalid Base URL in the Raster credential');
	});
});

describe('invalid Limit', () => {
	it.each([
		['asset', 'getMany', 0, 'at least 1'],
		['asset', 'getMany', 2.5, 'at least 1'],
		['asset', 'search', 0, 'at least 1'],
		['library', 'getMany', -3, 'at least 1'],
		['library', 'getMany', 'ten', 'at least 1'],
		['tag', 'getMany', 1.5, 'from 1 to 1000'],
		['tag', 'getMany', 1001, 'from 1 to 1000'],
	])('rejects %s %s with Limit %s', async (resource, operation, limit, range) => {
		const { context, requests } = createContext({
			credentials,
			parameters: { resource, operation, library: byId(emulator.libraryId), query: 'logo', returnAll: false, limit },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe(`Invalid 'Limit': ${JSON.stringify(limit)} [item 0]`);
		expect((error as NodeOperationError).description).toBe(
			`Set 'Limit' to a whole number ${range}, or turn on 'Return All' to return every result.`,
		);
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
		expect(requests).toHaveLength(0);
	});

	it('takes a Limit written as digits', async () => {
		const { context } = createContext({
			credentials,
			parameters: { resource: 'library', operation: 'getMany', returnAll: false, limit: ' 10 ' },
		});

		const output = await runNode(context);

		expect(output.map((item) => item.json.id)).toContain(emulator.libraryId);
	});

	it('continues past an invalid Limit', async () => {
		const { context } = createContext({
			credentials,
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: (itemIndex) => ({ resource: 'library', operation: 'getMany', limit: itemIndex === 0 ? 0 : 5 }),
		});

		const output = await runNode(context);

		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0]!.json.error).toBe("Invalid 'Limit': 0 [item 0]");
		expect(output[1]!.json.id).toBe(emulator.libraryId);
	});

	it('declares Limit as a whole number', () => {
		const limits = new Raster().description.properties.filter((property) => property.name === 'limit');

		expect(limits).toHaveLength(4);
		for (const limit of limits) {
			expect(limit.typeOptions?.numberPrecision).toBe(0);
			expect(limit.typeOptions?.minValue).toBe(1);
		}
	});
});

describe('per-item errors', () => {
	it('continues past a failed item with its error', async () => {
		const { context } = createContext({
			credentials,
			items: [{ json: {} }, { json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: await mixedGetParameters(),
		});

		const output = await runNode(context);

		expect(output).toHaveLength(3);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0]!.json.name).toBe('asset-1');
		expect(output[1]!.json.error).toBe('The asset was not found in the library [item 1]');
		expect(String(output[1]!.json.details)).toMatch(
			/^Raster returned 404 RESOURCE_NOT_FOUND: .*[^.]\. Check the 'Asset ID' parameter/,
		);
		expect(output[2]!.json.name).toBe('asset-2');
	});

	// n8n 2.41.1 sends an item to the error output of "Continue (using error output)" only when
	// its JSON has `error` and no keys besides error, message and details (handleNodeErrorOutput
	// in n8n-core). Any other item stays on the regular output as if it had succeeded.
	it.each([
		['a failed request', {}],
		['an invalid credential', { organizationId: 'Demo-Org' }],
	])('error item of %s fits the error output', async (_case, change) => {
		const { context } = createContext({
			credentials: { ...credentials, ...change },
			items: [{ json: {} }, { json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: await mixedGetParameters(),
		});

		const output = await runNode(context);
		const failed = output[1]!;

		expect(failed.pairedItem).toEqual({ item: 1 });
		expect(Object.keys(failed.json).sort()).toEqual(['details', 'error']);
	});

	it('stops at a failed item without continue', async () => {
		const { context, requests } = createContext({
			credentials,
			items: [{ json: {} }, { json: {} }, { json: {} }],
			parameters: await mixedGetParameters(),
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).context.itemIndex).toBe(1);
		expect((error as NodeApiError).httpCode).toBe('404');
		// Item 2 is never sent.
		expect(requests).toHaveLength(2);
	});

	it('reports invalid input as NodeOperationError with the item', async () => {
		const { context } = createContext({
			credentials,
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
			parameters: (itemIndex) => ({
				resource: 'library',
				operation: 'rename',
				library: byId(emulator.libraryId),
				name: itemIndex === 0 ? 'Fine' : 'x'.repeat(101),
			}),
		});

		const output = await runNode(context);

		expect(output[0]!.json.name).toBe('Fine');
		expect(String(output[1]!.json.error)).toContain('[item 1]');
		expect(output[1]!.json.details).toBe("Change the 'New Name' parameter and run the node again.");
	});

	it('throws NodeOperationError for a missing library', async () => {
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'asset', operation: 'get', library: byId(''), assetId: 'a' },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe("No library is selected in 'Library' [item 0]");
		expect(requests).toHaveLength(0);
	});
});

describe('API and network failures', () => {
	it('explains an unknown API key', async () => {
		const { context } = createContext({
			credentials: { ...credentials, apiKey: 'pk_notarealkey00' },
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).httpCode).toBe('401');
		expect((error as NodeApiError).message).toBe('The API key does not belong to the organization [item 0]');
		expect((error as NodeApiError).description).toContain("'API Key'");
		expect(JSON.stringify(error)).not.toContain('pk_notarealkey00');
	});

	it('explains a library the key cannot reach', async () => {
		const { context } = createContext({
			credentials: { ...credentials, apiKey: emulator.readKey },
			parameters: { resource: 'asset', operation: 'tag', library: byId(emulator.libraryId), assetIds: 'a', tags: 'b' },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).httpCode).toBe('404');
		expect((error as NodeApiError).description).toContain("Check the 'Library' parameter");
	});

	it('retries a 500 and succeeds', async () => {
		emulator.admin.injectFaults([{ route: 'list-libraries', kind: 'status', status: 500, times: 1 }]);
		const { context, requests } = createContext({ credentials, parameters: { resource: 'library', operation: 'getMany' } });

		const output = await runNode(context);

		expect(requests).toHaveLength(2);
		expect(output.map((item) => item.json.id)).toEqual([emulator.libraryId]);
	});

	it('reports an unreachable base URL as NodeApiError', async () => {
		const { context } = createContext({
			credentials: { ...credentials, baseUrl: 'http://127.0.0.1:1' },
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toContain('The request to Raster failed');
		expect((error as NodeApiError).description).toContain("'Base URL'");
	});

	it('does not resend an upload whose connection broke after sending', async () => {
		emulator.admin.injectFaults([{ route: 'upload', kind: 'reset-after-store', times: 1 }]);
		const store = new Map<string, Buffer>();
		const { context, requests } = createContext({
			credentials,
			items: [await binaryItem(store, { data: 'brand/logo-128.png' })],
			binaryStore: store,
			parameters: { resource: 'asset', operation: 'upload', library: byId(emulator.libraryId) },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).description).toContain('Raster may have carried it out');
		expect(requests).toHaveLength(1);
	});

	it('stops retrying when the execution is cancelled', async () => {
		emulator.admin.injectFaults([{ route: 'list-libraries', kind: 'status', status: 503, times: 10 }]);
		const cancel = new AbortController();
		const { context, requests } = createContext({
			credentials,
			cancelSignal: cancel.signal,
			parameters: { resource: 'library', operation: 'getMany' },
		});

		const run = runNode(context).catch((caught: unknown) => caught);
		await new Promise((resolve) => setTimeout(resolve, 100));
		cancel.abort();
		const error = await run;

		expect(error).toBeInstanceOf(NodeOperationError);
		expect(requests.length).toBeLessThan(5);
	});
});
