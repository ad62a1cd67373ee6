/** Objects of the Raster REST API, as the `data` field of a success envelope carries them. */

/** A non-destructive crop or edit of an asset. */
export interface AssetView {
  id: string;
  parentId: string;
  name: string | null;
  url: string | null;
  thumbUrl: string | null;
  width: number | null;
  height: number | null;
  type: string | null;
  metadata: unknown;
}

/**
 * An image or video in a library. Processing fields (`thumbUrl`, `thumbHighUrl`,
 * `thumbUrlBlurred`, `blurhash`, `width`, `height`) stay null until Raster has processed the file.
 * Timestamps are unix milliseconds.
 */
export interface Asset {
  id: string;
  name: string | null;
  libraryId: string | null;
  description: string | null;
  type: string | null;
  contentType: string | null;
  url: string | null;
  thumbUrl: string | null;
  thumbHighUrl: string | null;
  thumbUrlBlurred: string | null;
  blurhash: string | null;
  width: number | null;
  height: number | null;
  size: number | null;
  created: number | null;
  updated: number | null;
  tags: string[];
  views: AssetView[];
  uploadedBy: { name: string | null } | null;
}

/**
 * The fields of an asset that the folder sync reads, as `listAssetSummaries` returns them. A sync
 * lists every asset it owns and keeps them until the end of the run.
 */
export type AssetSummary = Pick<Asset, 'id' | 'name' | 'url' | 'thumbUrl' | 'size' | 'created' | 'tags'>;

/** A tag and the number of assets that carry it; `id` is the tag text. */
export interface Tag {
  id: string;
  count: number;
  type: 'user' | 'ai';
}

export interface Library {
  id: string;
  name: string;
  assetsCount: number;
  photosCount: number;
  trashCount: number;
  tags: Tag[];
}

/** The fields of a library that the folder sync reads, as `listLibrarySummaries` returns them. */
export type LibrarySummary = Pick<Library, 'id' | 'name' | 'assetsCount'>;

export interface SearchHit extends Asset {
  score: number;
  highlights: { name: string | null; tags: string[] };
}

export interface SearchResult {
  hits: SearchHit[];
  /** Total number of matches over all pages. */
  found: number;
  /** The resolved 1-based page. */
  page: number;
}

export interface Me {
  organizationId: string;
  organizationName: string | null;
  plan: string | null;
  libraries: string[];
}

/** Result of the anonymous `POST /libraries`; `expiresAt` is an ISO-8601 string. */
export interface AnonymousLibrary {
  organizationId: string;
  libraryId: string;
  apiKey: string;
  claimUrl: string;
  expiresAt: string;
  emailSent: boolean;
}

export interface UploadResult {
  responseText: string;
  assets: Asset[];
}

export interface DeleteResult {
  success: boolean;
  message: string;
  /** Ids actually moved to the trash; ids already trashed or unknown are left out. */
  ids: string[];
}

export interface TagResult {
  taggedCount: number;
}

export interface UntagResult {
  untaggedCount: number;
}

export interface DescriptionResult {
  assetId: string;
  description: string;
}

export interface TransferResult {
  transferredCount: number;
  sourceLibraryId: string;
  targetLibraryId: string;
}
