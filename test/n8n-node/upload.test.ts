import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { startEmulator, type RunningEmulator } from '@raster-toolkit/emulator';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { binaryItem, byId, createContext, IMAGES, parseMultipart, runNode, type RasterCredentials } from './context';
import { seedClient } from './seed';

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

function uploadParameters(extra: Record<string, unknown> = {}) {
	return {
		resource: 'asset',
		operation: 'upload',
		library: byId(emulator.libraryId),
		binaryPropertyName: 'data',
		...extra,
	};
}

describe('asset upload', () => {
	it('sends every binary field as a files part with its bytes', async () => {
		const store = new Map<string, Buffer>();
		const items = [
			await binaryItem(store, { data: 'brand/logo-128.png', photo: 'themes/lines/login/sddm-preview.jpg' }),
			await binaryItem(store, { data: 'unicode/café-menu.png' }),
		];
		const { context, requests } = createContext({
			credentials,
			items,
			binaryStore: store,
			parameters: (itemIndex) => uploadParameters({ binaryPropertyName: itemIndex === 0 ? 'data, photo' : 'data' }),
		});

		const output = await runNode(context);

		expect(requests).toHaveLength(1);
		const request = requests[0]!;
		expect(request.method).toBe('POST');
		expect(request.url.pathname).toBe(`/organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets`);
		expect(request.headers.authorization).toBe(`Bearer ${emulator.writeKey}`);
		expect(request.headers['api-version']).toBe('2026-05-20');

		const parts = parseMultipart(request);
		expect(parts.map((part) => part.name)).toEqual(['files', 'files', 'files']);
		expect(parts.map((part) => part.filename)).toEqual(['logo-128.png', 'sddm-preview.jpg', 'café-menu.png']);
		expect(parts.map((part) => part.contentType)).toEqual(['image/png', 'image/jpeg', 'image/png']);
		expect(parts[0]!.bytes.equals(await readFile(path.join(IMAGES, 'brand/logo-128.png')))).toBe(true);
		expect(parts[1]!.bytes.equals(await readFile(path.join(IMAGES, 'themes/lines/login/sddm-preview.jpg')))).toBe(true);
		expect(parts[2]!.bytes.equals(await readFile(path.join(IMAGES, 'unicode/café-menu.png')))).toBe(true);

		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 1 }]);
		expect(output.map((item) => item.json.name)).toEqual(['logo-128', 'sddm-preview', 'café-menu']);
		expect(typeof output[0]!.json.id).toBe('string');
		expect(Object.keys(output[0]!.json).length).toBeLessThanOrEqual(10);
	});

	it('applies the File Name and MIME Type options', async () => {
		const store = new Map<string, Buffer>();
		const { context, requests } = createContext({
			credentials,
			items: [await binaryItem(store, { data: 'brand/logo-128.png' })],
			binaryStore: store,
			parameters: uploadParameters({ options: { fileName: 'hero banner.png', mimeType: 'image/x-custom' } }),
		});

		const output = await runNode(context);

		const parts = parseMultipart(requests[0]!);
		expect(parts[0]!.filename).toBe('hero banner.png');
		expect(parts[0]!.contentType).toBe('image/x-custom');
		expect(output[0]!.json.name).toBe('hero banner');
		// Raster detects the type from the bytes, whatever the client sent.
		expect(output[0]!.json.contentType).toBe('image/png');
	});

	it('splits 25 files into requests of 20 and 5', async () => {
		const store = new Map<string, Buffer>();
		const items = [];
		for (let index = 0; index < 25; index++) {
			items.push(await binaryItem(store, { data: 'brand/logo-128.png' }));
		}
		const { context, requests } = createContext({ credentials, items, binaryStore: store, parameters: uploadParameters() });

		const output = await runNode(context);

		expect(requests.map((request) => parseMultipart(request).length)).toEqual([20, 5]);
		expect(output).toHaveLength(25);
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));
	});

	it('returns raw assets when Simplify is off', async () => {
		const store = new Map<string, Buffer>();
		const { context } = createContext({
			credentials,
			items: [await binaryItem(store, { data: 'brand/logo-128.png' })],
			binaryStore: store,
			parameters: uploadParameters({ simplify: false }),
		});

		const output = await runNode(context);

		expect(output[0]!.json).toHaveProperty('views');
		expect(output[0]!.json).toHaveProperty('size', (await readFile(path.join(IMAGES, 'brand/logo-128.png'))).length);
	});

	it('fails only the item with an invalid file when continuing', async () => {
		const store = new Map<string, Buffer>();
		const items = [
			await binaryItem(store, { data: 'brand/logo-128.png' }),
			await binaryItem(store, { data: 'not-images/notes.md' }),
			await binaryItem(store, { data: 'brand/logo-256.png' }),
		];
		const { context, requests } = createContext({
			credentials,
			items,
			binaryStore: store,
			continueOnFail: true,
			parameters: uploadParameters(),
		});

		const output = await runNode(context);

		// The shared request is rejected and stores nothing; each item is then sent alone.
		expect(requests.map((request) => parseMultipart(request).length)).toEqual([3, 1, 1, 1]);
		expect(output).toHaveLength(3);
		expect(output[0]!.json.name).toBe('logo-128');
		expect(output[0]!.pairedItem).toEqual({ item: 0 });
		expect(output[1]!.pairedItem).toEqual({ item: 1 });
		expect(String(output[1]!.json.error)).toContain('[item 1]');
		expect(output[2]!.json.name).toBe('logo-256');
		expect(output[2]!.pairedItem).toEqual({ item: 2 });
	});

	it('keeps files of a failed item out of the batch', async () => {
		const store = new Map<string, Buffer>();
		const broken = await binaryItem(store, { data: 'brand/logo-128.png', photo: 'brand/logo-256.png' });
		store.delete(broken.binary!.photo!.id!);
		const items = [broken, await binaryItem(store, { data: 'unicode/café-menu.png' })];
		const { context, requests } = createContext({
			credentials,
			items,
			binaryStore: store,
			continueOnFail: true,
			parameters: (itemIndex) => uploadParameters({ binaryPropertyName: itemIndex === 0 ? 'data, photo' : 'data' }),
		});

		const output = await runNode(context);

		expect(requests).toHaveLength(1);
		expect(parseMultipart(requests[0]!).map((part) => part.filename)).toEqual(['café-menu.png']);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(String(output[0]!.json.error)).toContain('[item 0]');
		expect(output[1]!.json.name).toBe('café-menu');
	});

	it('rejected shared request stores nothing', async () => {
		const store = new Map<string, Buffer>();
		const items = [
			await binaryItem(store, { data: 'brand/logo-128.png' }),
			await binaryItem(store, { data: 'brand/logo-256.png' }),
			await binaryItem(store, { data: 'not-images/notes.md' }),
			await binaryItem(store, { data: 'unicode/café-menu.png' }),
		];
		// A text file that claims to be a PNG, as a renamed file would.
		Object.assign(items[2]!.binary!.data!, { fileName: 'bad.png', fileExtension: 'png', mimeType: 'image/png' });
		const { context, requests } = createContext({ credentials, items, binaryStore: store, parameters: uploadParameters() });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		const apiError = error as NodeApiError;
		expect(apiError.message).toBe('Raster rejected an upload request and stored none of its files [items 0 to 3]');
		expect(apiError.context.itemIndex).toBe(0);
		expect(apiError.httpCode).toBe('400');
		expect(apiError.description).toMatch(/^Raster returned 400 [A-Z_]+: .*bad\.png/);
		expect(apiError.description).toContain('The request contained the files of items 0 to 3');
		expect(apiError.description).toContain("'On Error'");
		// Only the shared request was sent, and Raster stored none of its files.
		expect(requests.map((request) => parseMultipart(request).length)).toEqual([4]);
		expect(await seedClient(emulator).listAssets(emulator.libraryId)).toEqual([]);
	});

	it('rejected request names earlier uploads', async () => {
		const store = new Map<string, Buffer>();
		const items = [];
		for (let index = 0; index < 21; index++) {
			items.push(await binaryItem(store, { data: 'brand/logo-128.png' }));
		}
		items.push(await binaryItem(store, { data: 'not-images/notes.md' }));
		const { context, requests } = createContext({ credentials, items, binaryStore: store, parameters: uploadParameters() });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toContain('[items 20 to 21]');
		expect((error as NodeApiError).description).toContain('Items 0 to 19 were uploaded by earlier requests');
		expect(requests.map((request) => parseMultipart(request).length)).toEqual([20, 2]);
		expect(await seedClient(emulator).listAssets(emulator.libraryId, { pageSize: 100 })).toHaveLength(20);
	});

	it('rejected request names an item split between requests', async () => {
		const store = new Map<string, Buffer>();
		const items = [await binaryItem(store, { data: 'brand/logo-128.png' })];
		for (let index = 1; index <= 10; index++) {
			items.push(await binaryItem(store, { data: 'brand/logo-128.png', extra: 'brand/logo-256.png' }));
		}
		items.push(await binaryItem(store, { data: 'not-images/notes.md' }));
		// Item 0 and item 11 have one file each, the others two, so item 10's files fall in two requests.
		const parameters = (itemIndex: number) => uploadParameters({ binaryPropertyName: itemIndex === 0 || itemIndex === 11 ? 'data' : 'data, extra' });
		const { context, requests } = createContext({ credentials, items, binaryStore: store, parameters });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toContain('[items 10 to 11]');
		expect((error as NodeApiError).description).toContain(
			'Items 0 to 9 were uploaded by earlier requests, and some files of item 10 too, so running them again creates duplicates.',
		);
		expect(requests.map((request) => parseMultipart(request).length)).toEqual([20, 2]);
	});

	it('rejected one-item request fails its item', async () => {
		const store = new Map<string, Buffer>();
		const items = [await binaryItem(store, { data: 'not-images/notes.md' })];
		const { context } = createContext({ credentials, items, binaryStore: store, parameters: uploadParameters() });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).context.itemIndex).toBe(0);
		expect((error as NodeApiError).httpCode).toBe('400');
		expect((error as NodeApiError).message).toBe('Raster rejected the values sent [item 0]');
	});

	it('throws NodeOperationError for a missing binary field before any request', async () => {
		const store = new Map<string, Buffer>();
		const items = [
			await binaryItem(store, { data: 'brand/logo-128.png' }),
			await binaryItem(store, { other: 'brand/logo-128.png' }),
		];
		const { context, requests } = createContext({ credentials, items, binaryStore: store, parameters: uploadParameters() });

		const error = await runNode(context).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).context.itemIndex).toBe(1);
		expect(requests).toHaveLength(0);
	});

	it('reads the organization from GET /me when the credential has none', async () => {
		const store = new Map<string, Buffer>();
		const { context, requests } = createContext({
			credentials: { apiKey: emulator.writeKey, baseUrl: emulator.url },
			items: [await binaryItem(store, { data: 'brand/logo-128.png' })],
			binaryStore: store,
			parameters: uploadParameters(),
		});

		const output = await runNode(context);

		expect(requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([
			'GET /me',
			`POST /organizations/${emulator.organizationId}/libraries/${emulator.libraryId}/assets`,
		]);
		expect(output).toHaveLength(1);
	});
});
