import type { Services } from './context';
import type { AssetRecord, LibraryRecord } from './store/records';

/** A fixed, valid blurhash: the emulator does not decode pixels, so every asset shares it. */
const PLACEHOLDER_BLURHASH = 'LEHV6nWB2yk8pyo0adR*.7kCMdnj';

export interface ApiTag {
  id: string;
  count: number;
  type: 'user' | 'ai';
}

/**
 * True once `delayMs` has passed since the asset was created. A zero delay is always over, even
 * for an asset whose `created` was pushed a few milliseconds ahead of the clock to stay unique.
 */
function hasElapsed(asset: AssetRecord, delayMs: number, services: Services): boolean {
  return delayMs <= 0 || services.now() - (asset.storedAt ?? asset.created) >= delayMs;
}

/** True once the listing lag has passed, so the asset shows in lists and search. */
export function isListed(asset: AssetRecord, services: Services): boolean {
  return hasElapsed(asset, services.config.listingLagMs, services);
}

/** True once the processing delay has passed, so thumbnails and dimensions are exposed. */
export function isProcessed(asset: AssetRecord, services: Services): boolean {
  return hasElapsed(asset, services.config.processingDelayMs, services);
}

/** Path of the stored file under the emulator's base url; every variant serves the original. */
export function filePath(asset: AssetRecord, variant: 'original' | 'thumb' | 'thumb-high' | 'blurred'): string {
  return variant === 'original' ? `/files/${asset.id}.${asset.extension}` : `/files/${asset.id}/${variant}.${asset.extension}`;
}

export function toApiAsset(asset: AssetRecord, services: Services) {
  const base = services.baseUrl();
  const processed = isProcessed(asset, services);
  return {
    id: asset.id,
    name: asset.name,
    libraryId: asset.libraryId,
    description: asset.description,
    type: 'main',
    contentType: asset.contentType,
    url: base + filePath(asset, 'original'),
    thumbUrl: processed ? base + filePath(asset, 'thumb') : null,
    thumbHighUrl: processed ? base + filePath(asset, 'thumb-high') : null,
    thumbUrlBlurred: processed ? base + filePath(asset, 'blurred') : null,
    blurhash: processed ? PLACEHOLDER_BLURHASH : null,
    // NOTE: a file whose header is corrupt keeps null dimensions after processing, which clients
    // may read as still processing.
    width: processed ? asset.width : null,
    height: processed ? asset.height : null,
    size: asset.size,
    created: asset.created,
    updated: asset.updated,
    tags: [...asset.tags],
    views: [],
    uploadedBy: null,
  };
}

/** Counts tags over the given assets, highest count first, then by tag text. */
export function countTags(assets: Iterable<AssetRecord>): ApiTag[] {
  const counts = new Map<string, number>();
  for (const asset of assets) {
    for (const tag of asset.tags) {
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([id, count]): ApiTag => ({ id, count, type: 'user' }))
    .sort((a, b) => b.count - a.count || compareText(a.id, b.id));
}

export function toApiLibrary(library: LibraryRecord, services: Services) {
  const assets = services.store.assetsOf(library.organizationId, library.id);
  const live = assets.filter((asset) => !asset.trashed);
  return {
    id: library.id,
    name: library.name,
    assetsCount: live.length,
    photosCount: live.filter((asset) => asset.contentType.startsWith('image/')).length,
    trashCount: assets.length - live.length,
    tags: countTags(live.filter((asset) => isListed(asset, services))),
  };
}

/** Compares strings by UTF-16 code units, the same order on every machine, unlike `localeCompare`. */
function compareText(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** Sorts newest first: `created` descending, then `id` ascending. */
export function compareNewestFirst(a: AssetRecord, b: AssetRecord): number {
  return b.created - a.created || compareText(a.id, b.id);
}
