/** The part of the Raster client the sync engine uses; `RasterClient` provides it. */

import type { AssetSummary, DeleteResult, LibrarySummary, TagResult, UploadResult } from '../api/types';
import type { FilePart } from '../transport';

export interface SyncApi {
  listLibrarySummaries(options: { page: number; pageSize: number; signal?: AbortSignal }): Promise<LibrarySummary[]>;
  listAssetSummaries(libraryId: string, options: { page: number; pageSize: number; tags?: string[]; signal?: AbortSignal }): Promise<AssetSummary[]>;
  uploadAssets(libraryId: string, files: FilePart[], options?: { signal?: AbortSignal }): Promise<UploadResult>;
  tagAssets(libraryId: string, assetIds: string[], tags: string[]): Promise<TagResult>;
  deleteAssets(libraryId: string, assetIds: string[]): Promise<DeleteResult>;
}
