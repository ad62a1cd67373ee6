import type { IDataObject } from 'n8n-workflow';

import type { Asset, SearchHit } from '../../../../core/src/api/types';

/**
 * Reads a list parameter: a string of values separated by commas, or an array that an
 * expression returned. Values are trimmed and empty ones dropped.
 */
export function splitList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.map((part) => String(part)) : String(value ?? '').split(',');
	return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/** The asset fields most workflows use, at most ten, most used first. */
export function simplifyAsset(asset: Asset | SearchHit): IDataObject {
	return {
		id: asset.id,
		name: asset.name,
		url: asset.url,
		thumbUrl: asset.thumbUrl,
		tags: asset.tags,
		description: asset.description,
		contentType: asset.contentType,
		width: asset.width,
		height: asset.height,
		created: asset.created,
	};
}

/** Returns the asset as n8n item data, simplified when the Simplify parameter is on. */
export function assetData(asset: Asset | SearchHit, simplify: boolean): IDataObject {
	return simplify ? simplifyAsset(asset) : (asset as unknown as IDataObject);
}
