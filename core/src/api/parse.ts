/**
 * Conversion of the `data` of a success envelope into the typed objects of the API. Fields the
 * service leaves out become null or empty lists, so callers can rely on the declared types. A
 * value of the wrong shape (a list where an object belongs, an asset without an id) raises a
 * `ResponseShapeError`, which the client reports as `INVALID_RESPONSE`.
 */

import { isObject } from './envelope';
import type {
  AnonymousLibrary,
  Asset,
  AssetSummary,
  AssetView,
  DeleteResult,
  DescriptionResult,
  Library,
  LibrarySummary,
  Me,
  SearchHit,
  SearchResult,
  Tag,
  TagResult,
  TransferResult,
  UntagResult,
  UploadResult,
} from './types';

/** A success body whose `data` does not have the shape of the route's result. */
export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError';
}

type Fields = Record<string, unknown>;

function object(value: unknown, label: string): Fields {
  if (!isObject(value)) {
    throw new ResponseShapeError(`expected ${label} to be an object, got ${typeName(value)}`);
  }
  return value;
}

function list(value: unknown, label: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new ResponseShapeError(`expected ${label} to be a list, got ${typeName(value)}`);
  }
  return value;
}

function requiredString(fields: Fields, key: string, label: string): string {
  const value = fields[key];
  if (typeof value !== 'string') {
    throw new ResponseShapeError(`expected ${label}.${key} to be a string, got ${typeName(value)}`);
  }
  return value;
}

function requiredNumber(fields: Fields, key: string, label: string): number {
  const value = fields[key];
  if (typeof value !== 'number') {
    throw new ResponseShapeError(`expected ${label}.${key} to be a number, got ${typeName(value)}`);
  }
  return value;
}

function optionalString(fields: Fields, key: string): string | null {
  const value = fields[key];
  return typeof value === 'string' ? value : null;
}

function optionalNumber(fields: Fields, key: string): number | null {
  const value = fields[key];
  return typeof value === 'number' ? value : null;
}

function numberOrZero(fields: Fields, key: string): number {
  return optionalNumber(fields, key) ?? 0;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value;
}

function parseView(value: unknown): AssetView {
  const fields = object(value, 'asset view');
  return {
    id: requiredString(fields, 'id', 'asset view'),
    parentId: optionalString(fields, 'parentId') ?? '',
    name: optionalString(fields, 'name'),
    url: optionalString(fields, 'url'),
    thumbUrl: optionalString(fields, 'thumbUrl'),
    width: optionalNumber(fields, 'width'),
    height: optionalNumber(fields, 'height'),
    type: optionalString(fields, 'type'),
    metadata: fields.metadata ?? null,
  };
}

export function parseAsset(value: unknown): Asset {
  const fields = object(value, 'asset');
  const uploadedBy = isObject(fields.uploadedBy) ? { name: optionalString(fields.uploadedBy, 'name') } : null;

  return {
    id: requiredString(fields, 'id', 'asset'),
    name: optionalString(fields, 'name'),
    libraryId: optionalString(fields, 'libraryId'),
    description: optionalString(fields, 'description'),
    type: optionalString(fields, 'type'),
    contentType: optionalString(fields, 'contentType'),
    url: optionalString(fields, 'url'),
    thumbUrl: optionalString(fields, 'thumbUrl'),
    thumbHighUrl: optionalString(fields, 'thumbHighUrl'),
    thumbUrlBlurred: optionalString(fields, 'thumbUrlBlurred'),
    blurhash: optionalString(fields, 'blurhash'),
    width: optionalNumber(fields, 'width'),
    height: optionalNumber(fields, 'height'),
    size: optionalNumber(fields, 'size'),
    created: optionalNumber(fields, 'created'),
    updated: optionalNumber(fields, 'updated'),
    tags: strings(fields.tags),
    views: Array.isArray(fields.views) ? fields.views.map(parseView) : [],
    uploadedBy,
  };
}

export function parseAssets(value: unknown): Asset[] {
  return list(value, 'assets').map(parseAsset);
}

/** Parses only the fields of `AssetSummary`. The other fields are not checked. */
export function parseAssetSummary(value: unknown): AssetSummary {
  const fields = object(value, 'asset');
  return {
    id: requiredString(fields, 'id', 'asset'),
    name: optionalString(fields, 'name'),
    url: optionalString(fields, 'url'),
    thumbUrl: optionalString(fields, 'thumbUrl'),
    size: optionalNumber(fields, 'size'),
    created: optionalNumber(fields, 'created'),
    tags: strings(fields.tags),
  };
}

export function parseAssetSummaries(value: unknown): AssetSummary[] {
  return list(value, 'assets').map(parseAssetSummary);
}

export function parseTag(value: unknown): Tag {
  const fields = object(value, 'tag');
  return {
    id: requiredString(fields, 'id', 'tag'),
    count: numberOrZero(fields, 'count'),
    type: fields.type === 'ai' ? 'ai' : 'user',
  };
}

export function parseTags(value: unknown): Tag[] {
  return list(value, 'tags').map(parseTag);
}

export function parseLibrary(value: unknown): Library {
  const fields = object(value, 'library');
  return {
    id: requiredString(fields, 'id', 'library'),
    name: optionalString(fields, 'name') ?? '',
    assetsCount: numberOrZero(fields, 'assetsCount'),
    photosCount: numberOrZero(fields, 'photosCount'),
    trashCount: numberOrZero(fields, 'trashCount'),
    tags: Array.isArray(fields.tags) ? fields.tags.map(parseTag) : [],
  };
}

export function parseLibraries(value: unknown): Library[] {
  return list(value, 'libraries').map(parseLibrary);
}

/** Parses only the fields of `LibrarySummary`. The tags and the other counts are not checked. */
export function parseLibrarySummary(value: unknown): LibrarySummary {
  const fields = object(value, 'library');
  return {
    id: requiredString(fields, 'id', 'library'),
    name: optionalString(fields, 'name') ?? '',
    assetsCount: numberOrZero(fields, 'assetsCount'),
  };
}

export function parseLibrarySummaries(value: unknown): LibrarySummary[] {
  return list(value, 'libraries').map(parseLibrarySummary);
}

function parseSearchHit(value: unknown): SearchHit {
  const fields = object(value, 'search hit');
  const highlights = isObject(fields.highlights) ? fields.highlights : {};

  return {
    ...parseAsset(fields),
    score: numberOrZero(fields, 'score'),
    highlights: { name: optionalString(highlights, 'name'), tags: strings(highlights.tags) },
  };
}

export function parseSearchResult(value: unknown): SearchResult {
  const fields = object(value, 'search result');
  return {
    hits: list(fields.hits, 'search result.hits').map(parseSearchHit),
    found: numberOrZero(fields, 'found'),
    page: optionalNumber(fields, 'page') ?? 1,
  };
}

export function parseMe(value: unknown): Me {
  const fields = object(value, 'me');
  return {
    organizationId: requiredString(fields, 'organizationId', 'me'),
    organizationName: optionalString(fields, 'organizationName'),
    plan: optionalString(fields, 'plan'),
    libraries: strings(fields.libraries),
  };
}

export function parseAnonymousLibrary(value: unknown): AnonymousLibrary {
  const fields = object(value, 'anonymous library');
  return {
    organizationId: requiredString(fields, 'organizationId', 'anonymous library'),
    libraryId: requiredString(fields, 'libraryId', 'anonymous library'),
    apiKey: requiredString(fields, 'apiKey', 'anonymous library'),
    claimUrl: optionalString(fields, 'claimUrl') ?? '',
    expiresAt: optionalString(fields, 'expiresAt') ?? '',
    emailSent: fields.emailSent === true,
  };
}

export function parseUploadResult(value: unknown): UploadResult {
  const fields = object(value, 'upload result');
  return {
    responseText: optionalString(fields, 'responseText') ?? '',
    assets: parseAssets(fields.assets),
  };
}

export function parseDeleteResult(value: unknown): DeleteResult {
  const fields = object(value, 'delete result');
  return {
    success: fields.success === true,
    message: optionalString(fields, 'message') ?? '',
    ids: strings(fields.ids),
  };
}

export function parseTagResult(value: unknown): TagResult {
  return { taggedCount: requiredNumber(object(value, 'tag result'), 'taggedCount', 'tag result') };
}

export function parseUntagResult(value: unknown): UntagResult {
  return { untaggedCount: requiredNumber(object(value, 'untag result'), 'untaggedCount', 'untag result') };
}

export function parseDescriptionResult(value: unknown): DescriptionResult {
  const fields = object(value, 'description result');
  return {
    assetId: requiredString(fields, 'assetId', 'description result'),
    description: optionalString(fields, 'description') ?? '',
  };
}

export function parseTransferResult(value: unknown): TransferResult {
  const fields = object(value, 'transfer result');
  return {
    transferredCount: requiredNumber(fields, 'transferredCount', 'transfer result'),
    sourceLibraryId: requiredString(fields, 'sourceLibraryId', 'transfer result'),
    targetLibraryId: requiredString(fields, 'targetLibraryId', 'transfer result'),
  };
}
