/** Records the emulator keeps, in memory and in the data folder's state file. */

export type AccessLevel = 'read' | 'write';

export interface OrganizationRecord {
  id: string;
  name: string | null;
  plan: string | null;
}

export interface LibraryRecord {
  organizationId: string;
  id: string;
  name: string;
}

export interface KeyRecord {
  key: string;
  organizationId: string;
  /** Library id to access level; Write includes Read. */
  libraries: Record<string, AccessLevel>;
}

/** A library created by the anonymous `POST /libraries`, counted against its email. */
export interface AnonymousLibraryRecord {
  email: string;
  organizationId: string;
  libraryId: string;
  claimed: boolean;
  expiresAt: number;
}

export interface AssetRecord {
  id: string;
  organizationId: string;
  libraryId: string;
  name: string;
  description: string | null;
  /** MIME type detected from the file's first bytes. */
  contentType: string;
  /** File name extension matching `contentType`, used in the file url. */
  extension: string;
  size: number;
  /** Dimensions read from the file; exposed only once processing has finished. */
  width: number | null;
  height: number | null;
  /** Unix milliseconds, strictly increasing over all assets of the emulator. */
  created: number;
  /**
   * Unix milliseconds when the upload was stored. `created` runs ahead of the clock in a burst of
   * uploads, so the listing lag and the processing delay count from this time. Absent in state
   * saved before it existed, where `created` is used instead.
   */
  storedAt?: number;
  updated: number;
  tags: string[];
  trashed: boolean;
}

export interface StateSnapshot {
  version: 1;
  seed: SeedValues;
  lastCreated: number;
  organizations: OrganizationRecord[];
  libraries: LibraryRecord[];
  keys: KeyRecord[];
  anonymousLibraries: AnonymousLibraryRecord[];
  assets: AssetRecord[];
}

/** The organization, library and keys created on first start and restored by a reset. */
export interface SeedValues {
  organizationId: string;
  libraryId: string;
  writeKey: string;
  readKey: string;
}
