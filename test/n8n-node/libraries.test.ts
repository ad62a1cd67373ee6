import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { NodeApiError } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { Raster } from '../../n8n-node/nodes/Raster/Raster.node';
import { byId, createContext, runNode, type RasterCredentials } from './context';
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
});

/** Creates libraries `extra-1` ... `extra-<count>` and returns a key that reaches them and the seed library. */
async function createLibrariesWithKey(count: number): Promise<string> {
	const libraries: Record<string, 'read'> = { [emulator.libraryId]: 'read' };
	for (let index = 1; index <= count; index++) {
		await emulator.admin.createLibrary({ organizationId: emulator.organizationId, id: `extra-${index}`, name: `Extra ${index}` });
		libraries[`extra-${index}`] = 'read';
	}
	return (await emulator.admin.createKey({ organizationId: emulator.organizationId, libraries })).key;
}

describe('library create', () => {
	it('creates a library with a slug', async () => {
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'library', operation: 'create', name: 'Marketing Photos', options: { slug: 'marketing' } },
		});

		const output = await runNode(context);

		expect(requests[0]!.method).toBe('POST');
		expect(requests[0]!.url.pathname).toBe(`/organizations/${emulator.organizationId}/libraries`);
		expect(JSON.parse(requests[0]!.body!.toString())).toEqual({ name: 'Marketing Photos', slug: 'marketing' });
		expect(output[0]!.json).toMatchObject({ id: 'marketing', name: 'Marketing Photos', assetsCount: 0 });
	});

	it('derives the slug when none is given', async () => {
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'library', operation: 'create', name: 'Product Shots' },
		});

		const output = await runNode(context);

		expect(JSON.parse(requests[0]!.body!.toString())).toEqual({ name: 'Product Shots' });
		expect(output[0]!.json.id).toBe('product-shots');
	});

	it('reports a taken slug with what to change', async () => {
		const { context } = createContext({
			credentials,
			parameters: { resource: 'library', operation: 'create', name: 'Again', options: { slug: emulator.libraryId } },
		});

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).httpCode).toBe('409');
		expect((error as NodeApiError).description).toContain("Choose another 'Slug'");
	});
});

describe('library get many', () => {
	it('returns up to Limit libraries', async () => {
		for (let index = 1; index <= 4; index++) {
			const { context } = createContext({ credentials, parameters: { resource: 'library', operation: 'create', name: `Library ${index}` } });
			await runNode(context);
		}
		const { context, requests } = createContext({ credentials, parameters: { resource: 'library', operation: 'getMany', limit: 2 } });

		const output = await runNode(context);

		expect(requests[0]!.url.search).toBe('?page=1&pageSize=2');
		expect(output.map((item) => item.json.id)).toEqual([emulator.libraryId, 'library-1']);
	});

	it('returns all libraries the key reaches', async () => {
		for (let index = 1; index <= 3; index++) {
			const { context } = createContext({ credentials, parameters: { resource: 'library', operation: 'create', name: `Library ${index}` } });
			await runNode(context);
		}
		const { context } = createContext({ credentials, parameters: { resource: 'library', operation: 'getMany', returnAll: true } });

		const output = await runNode(context);

		expect(output.map((item) => item.json.id)).toEqual([emulator.libraryId, 'library-1', 'library-2', 'library-3']);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }, { item: 0 }]);
	});
});

describe('library rename', () => {
	it('changes the name and keeps the slug', async () => {
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'library', operation: 'rename', library: byId(emulator.libraryId), name: 'Renamed' },
		});

		const output = await runNode(context);

		expect(requests[0]!.method).toBe('PATCH');
		expect(JSON.parse(requests[0]!.body!.toString())).toEqual({ name: 'Renamed' });
		expect(output[0]!.json).toMatchObject({ id: emulator.libraryId, name: 'Renamed' });
	});
});

describe('tag get many', () => {
	it('lists tags by count with a limit', async () => {
		await seedAssets(emulator, 3, { tags: ['common'] });
		await seedAssets(emulator, 1, { tags: ['rare'] });
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'tag', operation: 'getMany', library: byId(emulator.libraryId), limit: 1 },
		});

		const output = await runNode(context);

		expect(requests[0]!.url.pathname).toBe(`/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/tags`);
		expect(requests[0]!.url.searchParams.get('limit')).toBe('1');
		expect(output.map((item) => item.json)).toEqual([{ id: 'common', count: 3, type: 'user' }]);
	});

	it('asks for the maximum with Return All', async () => {
		await seedAssets(emulator, 1, { tags: ['a', 'b'] });
		const { context, requests } = createContext({
			credentials,
			parameters: { resource: 'tag', operation: 'getMany', library: byId(emulator.libraryId), returnAll: true },
		});

		const output = await runNode(context);

		expect(requests[0]!.url.searchParams.get('limit')).toBe('1000');
		expect(output).toHaveLength(2);
	});
});

describe('library list search', () => {
	it('lists libraries for the resource locator', async () => {
		const key = await createLibrariesWithKey(2);
		const { context } = createContext({ credentials: { ...credentials, apiKey: key }, parameters: {} });

		const result = await new Raster().methods.listSearch.searchLibraries.call(context);

		expect(result.results.map((entry) => entry.value)).toContain(emulator.libraryId);
		expect(result.results.map((entry) => entry.value)).toContain('extra-2');
		expect(result.paginationToken).toBeUndefined();
	});

	it('filters by name or ID', async () => {
		const key = await createLibrariesWithKey(2);
		const { context } = createContext({ credentials: { ...credentials, apiKey: key }, parameters: {} });

		const result = await new Raster().methods.listSearch.searchLibraries.call(context, 'EXTRA 2');

		expect(result.results).toEqual([{ name: 'Extra 2', value: 'extra-2' }]);
	});

	it('returns a token for the next page', async () => {
		const { context, requests } = createContext({ credentials, parameters: {} });
		for (let index = 1; index <= 100; index++) {
			const created = createContext({ credentials, parameters: { resource: 'library', operation: 'create', name: `L ${index}` } });
			await runNode(created.context);
		}

		const first = await new Raster().methods.listSearch.searchLibraries.call(context);
		const second = await new Raster().methods.listSearch.searchLibraries.call(context, undefined, first.paginationToken);

		expect(first.results).toHaveLength(100);
		expect(first.paginationToken).toBe('2');
		expect(second.results).toHaveLength(1);
		expect(second.paginationToken).toBeUndefined();
		expect(requests.map((request) => request.url.search)).toEqual(['?page=1&pageSize=100', '?page=2&pageSize=100']);
	});
});
