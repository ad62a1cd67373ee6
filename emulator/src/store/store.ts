import type {
  AnonymousLibraryRecord,
  AssetRecord,
  KeyRecord,
  LibraryRecord,
  OrganizationRecord,
  SeedValues,
  StateSnapshot,
} from './records';

function libraryKey(organizationId: string, libraryId: string): string {
  return `${organizationId}/${libraryId}`;
}

/**
 * The emulator's state in memory. Maps keep insertion order, which is creation order for
 * organizations and libraries. Callers persist after each change through `Persistence`.
 */
export class Store {
  readonly organizations = new Map<string, OrganizationRecord>();
  readonly keys = new Map<string, KeyRecord>();
  readonly assets = new Map<string, AssetRecord>();
  anonymousLibraries: AnonymousLibraryRecord[] = [];
  seed: SeedValues;
  private readonly libraries = new Map<string, LibraryRecord>();
  private lastCreated = 0;

  constructor(seed: SeedValues) {
    this.seed = seed;
  }

  static fromSnapshot(snapshot: StateSnapshot): Store {
    const store = new Store(snapshot.seed);
    store.lastCreated = snapshot.lastCreated;
    store.anonymousLibraries = snapshot.anonymousLibraries;
    for (const organization of snapshot.organizations) {
      store.organizations.set(organization.id, organization);
    }
    for (const library of snapshot.libraries) {
      store.addLibrary(library);
    }
    for (const key of snapshot.keys) {
      store.keys.set(key.key, key);
    }
    for (const asset of snapshot.assets) {
      store.assets.set(asset.id, asset);
    }
    return store;
  }

  toSnapshot(): StateSnapshot {
    return {
      version: 1,
      seed: this.seed,
      lastCreated: this.lastCreated,
      organizations: [...this.organizations.values()],
      libraries: [...this.libraries.values()],
      keys: [...this.keys.values()],
      anonymousLibraries: this.anonymousLibraries,
      assets: [...this.assets.values()],
    };
  }

  /** Empties the store and creates the seed organization, library and keys again. */
  resetToSeed(): void {
    this.organizations.clear();
    this.libraries.clear();
    this.keys.clear();
    this.assets.clear();
    this.anonymousLibraries = [];

    const { organizationId, libraryId, writeKey, readKey } = this.seed;
    this.organizations.set(organizationId, { id: organizationId, name: 'Demo Organization', plan: null });
    this.addLibrary({ organizationId, id: libraryId, name: 'Demo Library' });
    this.keys.set(writeKey, { key: writeKey, organizationId, libraries: { [libraryId]: 'write' } });
    this.keys.set(readKey, { key: readKey, organizationId, libraries: { [libraryId]: 'read' } });
  }

  /**
   * Returns a creation timestamp in unix milliseconds that is strictly greater than every one
   * handed out before, so that "newest first" never ties.
   */
  nextCreated(now: number): number {
    this.lastCreated = Math.max(now, this.lastCreated + 1);
    return this.lastCreated;
  }

  addLibrary(library: LibraryRecord): void {
    this.libraries.set(libraryKey(library.organizationId, library.id), library);
  }

  getLibrary(organizationId: string, libraryId: string): LibraryRecord | undefined {
    return this.libraries.get(libraryKey(organizationId, libraryId));
  }

  /** Libraries of an organization in creation order. */
  librariesOf(organizationId: string): LibraryRecord[] {
    return [...this.libraries.values()].filter((library) => library.organizationId === organizationId);
  }

  /** Assets of a library, trashed ones included, in no particular order. */
  assetsOf(organizationId: string, libraryId: string): AssetRecord[] {
    const result: AssetRecord[] = [];
    for (const asset of this.assets.values()) {
      if (asset.organizationId === organizationId && asset.libraryId === libraryId) {
        result.push(asset);
      }
    }
    return result;
  }

  /** Returns the asset when it is in the library and not trashed. */
  findLiveAsset(organizationId: string, libraryId: string, assetId: string): AssetRecord | undefined {
    const asset = this.assets.get(assetId);
    if (
      asset === undefined ||
      asset.trashed ||
      asset.organizationId !== organizationId ||
      asset.libraryId !== libraryId
    ) {
      return undefined;
    }
    return asset;
  }
}
