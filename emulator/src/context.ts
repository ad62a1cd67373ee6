import type { IncomingMessage } from 'node:http';
import type { EmulatorConfig } from './config';
import type { KeyRecord, LibraryRecord, OrganizationRecord } from './store/records';
import type { Persistence } from './store/persistence';
import type { Store } from './store/store';

/** Shared dependencies of route handlers: state, storage, settings, clock and the emulator's own url. */
export interface Services {
  store: Store;
  persistence: Persistence;
  config: EmulatorConfig;
  /** The emulator's base url without a trailing slash, such as `http://127.0.0.1:4010`. */
  baseUrl(): string;
  now(): number;
}

/** Names of the Raster routes, used for request counts and to target injected faults. */
export type RouteName =
  | 'me'
  | 'create-anonymous-library'
  | 'list-libraries'
  | 'create-library'
  | 'rename-library'
  | 'list-assets'
  | 'get-asset'
  | 'search-assets'
  | 'list-tags'
  | 'upload'
  | 'delete-assets'
  | 'tag-assets'
  | 'untag-assets'
  | 'set-description'
  | 'transfer-assets';

/**
 * Authorization a route needs. `anonymous` needs only `Api-Version` and `key` any valid key
 * (for `/me`). `organization` needs a key of the organization in the path, and
 * `organization-write` such a key with Write on at least one library. `library-read` and
 * `library-write` need that access to the library in the path.
 */
export type RouteAccess =
  | 'anonymous'
  | 'key'
  | 'organization'
  | 'organization-write'
  | 'library-read'
  | 'library-write';

export interface RouteContext {
  request: IncomingMessage;
  services: Services;
  /** Decoded path parameters such as `organizationId`, `libraryId` and `assetId`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The caller's key, set for every route except the anonymous one. */
  key: KeyRecord | null;
  organization: OrganizationRecord | null;
  library: LibraryRecord | null;
}

export interface RouteResult {
  status: number;
  data: unknown;
}

export interface RouteDefinition {
  name: RouteName;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path segments; a segment starting with `:` is a parameter. */
  segments: string[];
  access: RouteAccess;
  handle(context: RouteContext): Promise<RouteResult>;
}

/** Returns the caller's key; the access check sets it for every route but the anonymous one. */
export function requireKey(context: RouteContext): KeyRecord {
  if (context.key === null) {
    throw new Error(`${context.request.method ?? ''} ${context.request.url ?? ''} ran without a key.`);
  }
  return context.key;
}

/** Returns the path's library; the access check sets it for library routes. */
export function requireLibrary(context: RouteContext): LibraryRecord {
  if (context.library === null) {
    throw new Error(`${context.request.method ?? ''} ${context.request.url ?? ''} ran without a library.`);
  }
  return context.library;
}
