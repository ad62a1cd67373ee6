import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { byId, createContext, runNode, type RasterCredentials } from './context';
import { seedAssets, seedClient } from './seed';

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
});

function assetParameters(operation: string, extra: Record<string, unknown> = {}) {
	return { resource: 'asset', operation, library: byId(emulator.libraryId), ...extra };
}

function requestLines(requests: { method: string; url: URL }[]): string[] {
	return requests.map((request) => `${request.method} ${request.url.pathname}${request.url.search}`);
}

describe('asset get', () => {
	it('returns the simplified asset', async () => {
		const [asset] = await seedAssets(emulator, 1);
		const { context, requests } = createContext({ credentials, parameters: assetParameters('get', { assetId: asset!.id }) });

		const output = await runNode(context);

		expect(requestLines(requests)).toEqual([
			`GET /organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets/${asset!.id}`,
		]);
		expect(output).toHaveLength(1);
		expect(output[0]!.json.id).toBe(asset!.id);
		expect(output[0]!.json.name).toBe('asset-1');
		expect(Object.keys(output[0]!.json)).toEqual([
			'id', 'name', 'url', 'thumbUrl', 'tags', 'description', 'contentType', 'width', 'height', 'created',
		]);
		expect(output[0]!.pairedItem).toEqual({ item: 0 });
	});

	it('returns every field when Simplify is off', async () => {
		const [asset] = await seedAssets(emulator, 1);
		const { context } = createContext({
			credentials,
			parameters: assetParameters('get', { assetId: asset!.id, simplify: false }),
		});

		const output = await runNode(context);

		expect(output[0]!.json).toHaveProperty('views');
		expect(output[0]!.json).toHaveProperty('uploadedBy');
		expect(output[0]!.json).toHaveProperty('size');
	});

	it('throws NodeApiError 404 for a missing asset', async () => {
		const { context } = createContext({ credentials, parameters: assetParameters('get', { assetId: 'missing' }) });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).httpCode).toBe('404');
		expect((error as NodeApiError).context.itemIndex).toBe(0);
		expect((error as NodeApiError).message).toBe('The asset was not found in the library [item 0]');
		expect((error as NodeApiError).description).toContain("Check the 'Asset ID' parameter");
	});
});

describe('asset get many', () => {
	it('returns up to Limit assets from one page', async () => {
		await seedAssets(emulator, 7);
		const { context, requests } = createContext({ credentials, parameters: assetParameters('getMany', { limit: 3 }) });

		const output = await runNode(context);

		expect(requestLines(requests)).toEqual([
			`GET /organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets?page=1&pageSize=3`,
		]);
		expect(output).toHaveLength(3);
		// Newest first.
		expect(output.map((item) => item.json.name)).toEqual(['asset-7', 'asset-6', 'asset-5']);
		expect(output.every((item) => item.pairedItem !== undefined)).toBe(true);
	});

	it('fetches every page with Return All', async () => {
		await seedAssets(emulator, 503);
		const { context, requests } = createContext({ credentials, parameters: assetParameters('getMany', { returnAll: true }) });

		const output = await runNode(context);

		expect(requestLines(requests)).toEqual([
			`GET /organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets?page=1&pageSize=500`,
			`GET /organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets?page=2&pageSize=500`,
		]);
		expect(output).toHaveLength(503);
		expect(new Set(output.map((item) => item.json.id)).size).toBe(503);
	});

	it('pages a Limit above the page size', async () => {
		await seedAssets(emulator, 503);
		const { context, requests } = createContext({ credentials, parameters: assetParameters('getMany', { limit: 501 }) });

		const output = await runNode(context);

		expect(requests).toHaveLength(2);
		expect(output).toHaveLength(501);
	});

	it('filters by tags', async () => {
		await seedAssets(emulator, 3, { prefix: 'plain' });
		await seedAssets(emulator, 2, { prefix: 'hero', tags: ['homepage'] });
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('getMany', { returnAll: true, filters: { tags: 'homepage, unused' } }),
		});

		const output = await runNode(context);

		expect(requests[0]!.url.searchParams.get('tags')).toBe('homepage,unused');
		expect(output.map((item) => item.json.name)).toEqual(['hero-2', 'hero-1']);
	});

	it('rejects more than five tag filters before any request', async () => {
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('getMany', { filters: { tags: 'a, b, c, d, e, f' } }),
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
		expect((error as NodeOperationError).description).toContain('at most 5 tags');
		expect(requests).toHaveLength(0);
	});

	it('runs once per input item', async () => {
		await seedAssets(emulator, 2);
		const { context } = createContext({
			credentials,
			items: [{ json: {} }, { json: {} }],
			parameters: assetParameters('getMany', { returnAll: true }),
		});

		const output = await runNode(context);

		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 1 }, { item: 1 }]);
	});
});

describe('asset search', () => {
	it('finds assets by name with a limit', async () => {
		await seedAssets(emulator, 4, { prefix: 'sunset' });
		await seedAssets(emulator, 2, { prefix: 'forest' });
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'asset', operation: 'search', query: 'sunset', limit: 3 },
		});

		const output = await runNode(context);

		expect(requests).toHaveLength(1);
		expect(requests[0]!.url.pathname).toBe(`/organizations/${emulator.organizationId}/search/assets`);
		expect(requests[0]!.url.searchParams.get('q')).toBe('sunset');
		expect(requests[0]!.url.searchParams.get('pageSize')).toBe('3');
		expect(output).toHaveLength(3);
		expect(output.every((item) => String(item.json.name).startsWith('sunset'))).toBe(true);
		expect(typeof output[0]!.json.score).toBe('number');
		expect(Object.keys(output[0]!.json)).toHaveLength(10);
	});

	it('returns all matches in the chosen libraries', async () => {
		await seedAssets(emulator, 5, { prefix: 'sunset' });
		const { context, requests } = createContext({
			credentials,
			parameters: {
				resource: 'asset',
				operation: 'search',
				query: 'sunset',
				returnAll: true,
				filters: { libraries: emulator.libraryId },
			},
		});

		const output = await runNode(context);

		expect(requests[0]!.url.searchParams.get('libraries')).toBe(emulator.libraryId);
		expect(output).toHaveLength(5);
	});
});

describe('asset tag and untag', () => {
	it('adds tags and reports the pairs added', async () => {
		const assets = await seedAssets(emulator, 2);
		const ids = assets.map((asset) => asset.id);
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('tag', { assetIds: ids.join(', '), tags: 'homepage, summer' }),
		});

		const output = await runNode(context);

		expect(requestLines(requests)).toEqual([
			`POST /organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets/tag`,
		]);
		expect(JSON.parse(requests[0]!.body!.toString())).toEqual({ assetIds: ids, tags: ['homepage', 'summer'] });
		expect(output[0]!.json).toEqual({ assetIds: ids, tags: ['homepage', 'summer'], taggedCount: 4 });
	});

	it('accepts an array of IDs from an expression', async () => {
		const assets = await seedAssets(emulator, 2);
		const ids = assets.map((asset) => asset.id);
		const { context } = createContext({ credentials, parameters: assetParameters('tag', { assetIds: ids, tags: 'x' }) });

		const output = await runNode(context);

		expect(output[0]!.json.taggedCount).toBe(2);
	});

	it('splits more than 20 tags into requests', async () => {
		const [asset] = await seedAssets(emulator, 1);
		const tags = Array.from({ length: 25 }, (_value, index) => `tag-${index + 1}`);
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('tag', { assetIds: asset!.id, tags: tags.join(',') }),
		});

		const output = await runNode(context);

		expect(requests.map((request) => JSON.parse(request.body!.toString()).tags.length)).toEqual([20, 5]);
		expect(output).toHaveLength(1);
		expect(output[0]!.json.taggedCount).toBe(25);
	});

	it('removes tags', async () => {
		const assets = await seedAssets(emulator, 2, { tags: ['old', 'keep'] });
		const ids = assets.map((asset) => asset.id);
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('untag', { assetIds: ids.join(','), tags: 'old' }),
		});

		const output = await runNode(context);

		expect(requests[0]!.url.pathname).toMatch(/\/assets\/untag$/);
		expect(output[0]!.json.untaggedCount).toBe(2);
		const stored = await seedClient(emulator).getAsset(emulator.libraryId, ids[0]!);
		expect(stored.tags).toEqual(['keep']);
	});

	it('rejects a reserved tag before any request', async () => {
		const [asset] = await seedAssets(emulator, 1);
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('tag', { assetIds: asset!.id, tags: 'index' }),
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toContain('reserved');
		expect((error as NodeOperationError).description).toContain("'Tags'");
		expect(requests).toHaveLength(0);
	});

	it('rejects empty Asset IDs', async () => {
		const { context, requests } = createContext({ credentials, parameters: assetParameters('tag', { assetIds: ' , ', tags: 'x' }) });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe("'Asset IDs' is empty [item 0]");
		expect(requests).toHaveLength(0);
	});
});

describe('asset delete', () => {
	it('moves assets to the trash and confirms', async () => {
		const assets = await seedAssets(emulator, 3);
		const ids = assets.map((asset) => asset.id);
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('delete', { assetIds: [...ids, 'unknown-id'].join(',') }),
		});

		const output = await runNode(context);

		expect(requests[0]!.method).toBe('DELETE');
		expect(JSON.parse(requests[0]!.body!.toString())).toEqual({ ids: [...ids, 'unknown-id'] });
		expect(output).toHaveLength(1);
		expect(output[0]!.json.deleted).toBe(true);
		expect(output[0]!.json.trashedIds).toEqual(ids);
		expect(await seedClient(emulator).listAssets(emulator.libraryId)).toEqual([]);
	});
});

describe('asset transfer', () => {
	it('moves assets to the target library', async () => {
		await emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: 'archive', name: 'Archive' });
		const { key } = await emulator.admin.createKey({
			organizationId: emulator.organizationId,
			libraries: { [emulator.libraryId]: 'write', archive: 'write' },
		});
		const assets = await seedAssets(emulator, 2);
		const ids = assets.map((asset) => asset.id);
		const { context, requests } = createContext({
			credentials: { ...credentials, apiKey: key },
			parameters: assetParameters('transfer', { assetIds: ids.join(','), targetLibrary: byId('archive') }),
		});

		const output = await runNode(context);

		expect(requests[0]!.url.pathname).toMatch(/\/assets\/transfer$/);
		expect(JSON.parse(requests[0]!.body!.toString())).toEqual({ targetLibraryId: 'archive', assetIds: ids });
		expect(output[0]!.json).toEqual({
			assetIds: ids,
			transferredCount: 2,
			sourceLibraryId: emulator.libraryId,
			targetLibraryId: 'archive',
		});
	});

	it('requires a target library', async () => {
		const { context } = createContext({
			credentials,
			parameters: assetParameters('transfer', { assetIds: 'a', targetLibrary: byId('') }),
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe("No library is selected in 'Target Library' [item 0]");
	});
});

describe('asset update description', () => {
	it('replaces the description', async () => {
		const [asset] = await seedAssets(emulator, 1);
		const { context, requests } = createContext({
			credentials,
			parameters: assetParameters('updateDescription', { assetId: asset!.id, description: 'Hero image' }),
		});

		const output = await runNode(context);

		expect(requests[0]!.method).toBe('PATCH');
		expect(requests[0]!.url.pathname).toMatch(new RegExp(`/assets/${asset!.id}/description$`));
		expect(output[0]!.json).toEqual({ assetId: asset!.id, description: 'Hero image' });
	});
});
