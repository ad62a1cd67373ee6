import type { Asset, DeleteResult, Library, TagResult, UploadResult } from '../../../core/src/api/types';
import type { SyncApi } from '../../../core/src/sync/api';
import type { SyncDependencies } from '../../../core/src/sync/engine';
import { assetNameFor } from '../../../core/src/sync/paths';
import type { FilePart } from '../../../core/src/transport';

/** Fault a fake upload applies instead of storing the files and responding normally. */
export type UploadFault =
  | { kind: 'reject'; error: Error }
  /** Store the files, then fail as if the response was lost. */
  | { kind: 'store-then-throw'; error: Error };

/** An in-memory library behind the `SyncApi` seam, for engine tests that need no HTTP. */
export class FakeApi implements SyncApi {
  readonly assets: Asset[] = [];
  readonly calls: string[] = [];
  clock = 1_000;
  uploadFaults: Array<(files: readonly FilePart[]) => UploadFault | undefined> = [];
  tagFault: ((assetIds: readonly string[], tags: readonly string[]) => Error | undefined) | undefined;
  deleteFault: ((assetIds: readonly string[]) => Error | undefined) | undefined;
  /** Called before each asset listing. An error it returns is thrown in place of the listing. */
  listFault: ((options: { page: number; pageSize: number; tags?: string[] }) => Error | undefined) | undefined;
  /** Called when an upload starts; the test may abort a signal here. */
  onUpload: ((files: readonly FilePart[]) => void) | undefined;
  /** Real milliseconds each upload and tag call takes, so that calls overlap. */
  delayMs = 0;
  inFlight = { upload: 0, tag: 0 };
  maxInFlight = { upload: 0, tag: 0 };
  private nextId = 1;

  constructor(readonly libraryId = 'lib') {}

  store(name: string, size: number, tags: string[] = []): Asset {
    const id = `asset-${this.nextId++}`;
    const asset: Asset = {
      id, name, libraryId: this.libraryId, description: null, type: 'main', contentType: 'image/png',
      url: `https://files.test/${id}`, thumbUrl: null, thumbHighUrl: null, thumbUrlBlurred: null, blurhash: null,
      width: null, height: null, size, created: this.clock++, updated: null, tags, views: [], uploadedBy: null,
    };
    this.assets.push(asset);
    return asset;
  }

  async listLibrarySummaries(_options?: { page: number; pageSize: number; signal?: AbortSignal }): Promise<Library[]> {
    this.calls.push('GET /libraries');
    const counts = new Map<string, number>();
    for (const asset of this.assets) for (const tag of asset.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    const tags = [...counts].map(([id, count]) => ({ id, count, type: 'user' as const }));
    return [{ id: this.libraryId, name: 'Library', assetsCount: this.assets.length, photosCount: this.assets.length, trashCount: 0, tags }];
  }

  async listAssetSummaries(_libraryId: string, options: { page: number; pageSize: number; tags?: string[] }): Promise<Asset[]> {
    this.calls.push(`GET /assets${options.tags ? ' tagged' : ''}`);
    const error = this.listFault?.(options);
    if (error) throw error;
    const matching = this.assets
      .filter((asset) => !options.tags || asset.tags.some((tag) => options.tags!.includes(tag)))
      .sort((a, b) => (b.created ?? 0) - (a.created ?? 0));
    const start = (options.page - 1) * options.pageSize;
    return structuredClone(matching.slice(start, start + options.pageSize));
  }

  async uploadAssets(_libraryId: string, files: FilePart[]): Promise<UploadResult> {
    this.calls.push(`POST /assets ${files.length}`);
    this.onUpload?.(files);
    await this.occupy('upload');
    const fault = this.uploadFaults.shift()?.(files);
    if (fault?.kind === 'reject') throw fault.error;

    const stored = files.map((file) => this.store(assetNameFor(file.filename), file.size));
    if (fault?.kind === 'store-then-throw') throw fault.error;
    return { responseText: `Uploaded ${stored.length} assets`, assets: structuredClone(stored) };
  }

  async tagAssets(_libraryId: string, assetIds: string[], tags: string[]): Promise<TagResult> {
    this.calls.push(`POST /assets/tag ${assetIds.length}`);
    await this.occupy('tag');
    const error = this.tagFault?.(assetIds, tags);
    if (error) throw error;
    let taggedCount = 0;
    for (const asset of this.assets.filter((candidate) => assetIds.includes(candidate.id))) {
      for (const tag of tags) {
        if (!asset.tags.includes(tag)) {
          asset.tags.push(tag);
          taggedCount++;
        }
      }
    }
    return { taggedCount };
  }

  async deleteAssets(_libraryId: string, assetIds: string[]): Promise<DeleteResult> {
    this.calls.push(`DELETE /assets ${assetIds.length}`);
    const error = this.deleteFault?.(assetIds);
    if (error) throw error;
    const moved = assetIds.filter((id) => this.assets.some((asset) => asset.id === id));
    for (const id of moved) this.assets.splice(this.assets.findIndex((asset) => asset.id === id), 1);
    return { success: true, message: `Moved ${moved.length} assets to trash`, ids: moved };
  }

  /** Holds one call of `kind` in flight for `delayMs`, counting the most at once. */
  private async occupy(kind: 'upload' | 'tag'): Promise<void> {
    if (this.delayMs === 0) return;
    this.inFlight[kind] += 1;
    this.maxInFlight[kind] = Math.max(this.maxInFlight[kind], this.inFlight[kind]);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.inFlight[kind] -= 1;
  }

  /** Returns the engine's dependencies on this library, its clock and `scan`, with the organization `org`. */
  dependencies(scan: SyncDependencies['scan']): SyncDependencies {
    return {
      api: this,
      resolveOrganization: async () => 'org',
      scan,
      requestCount: () => this.calls.length,
      now: () => this.clock,
      sleep: async (ms) => {
        this.clock += ms;
      },
    };
  }

  count(prefix: string): number {
    return this.calls.filter((call) => call.startsWith(prefix)).length;
  }
}
