/** Puts assets into an emulator library through the core client, for tests that read them back. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { RasterClient, type Asset } from '@raster-toolkit/core';
import { createUndiciTransport } from '@raster-toolkit/core/node';
import type { RunningEmulator } from '@raster-toolkit/emulator';

import { IMAGES } from './context';

export function seedClient(emulator: RunningEmulator): RasterClient {
	return new RasterClient({
		transport: createUndiciTransport(),
		apiKey: emulator.writeKey,
		organizationId: emulator.organizationId,
		baseUrl: emulator.url,
	});
}

/** Uploads `count` copies of a small PNG named `${prefix}-1`, `${prefix}-2`, ... */
export async function seedAssets(
	emulator: RunningEmulator,
	count: number,
	options: { prefix?: string; tags?: string[]; libraryId?: string } = {},
): Promise<Asset[]> {
	const client = seedClient(emulator);
	const bytes = await readFile(path.join(IMAGES, 'brand/logo-128.png'));
	const libraryId = options.libraryId ?? emulator.libraryId;
	const assets: Asset[] = [];

	for (let start = 0; start < count; start += 20) {
		const files = [];
		for (let index = start; index < Math.min(count, start + 20); index++) {
			files.push({
				filename: `${options.prefix ?? 'asset'}-${index + 1}.png`,
				contentType: 'image/png',
				size: bytes.length,
				source: { kind: 'bytes' as const, bytes },
			});
		}
		const result = await client.uploadAssets(libraryId, files);
		assets.push(...result.assets);
	}

	if (options.tags !== undefined && assets.length > 0) {
		await client.tagAssets(libraryId, assets.map((asset) => asset.id), options.tags);
	}
	return assets;
}
