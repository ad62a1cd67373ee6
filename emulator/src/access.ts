import type { IncomingMessage } from 'node:http';
import { ApiError, badUserInput, libraryNotAuthorized } from './api-error';
import type { RouteAccess, RouteContext } from './context';
import { API_VERSION } from './limits';
import type { AccessLevel, KeyRecord } from './store/records';
import type { Store } from './store/store';

/**
 * Runs the checks that come before a route's own validation, in the API's order: `Api-Version`,
 * then the `Authorization` format, then that the organization exists, then that the key belongs
 * to it, then library access. Fills the context's key, organization and library, or throws the
 * first failure.
 */
export function authorize(access: RouteAccess, context: RouteContext): void {
  const { request, services, params } = context;
  checkApiVersion(request);
  if (access === 'anonymous') {
    return;
  }

  const token = readBearerToken(request);
  const store = services.store;

  if (access === 'key') {
    context.key = findKey(store, token, null);
    return;
  }

  const organizationId = params['organizationId'] ?? '';
  const organization = store.organizations.get(organizationId);
  if (organization === undefined) {
    throw new ApiError(404, 'ORGANIZATION_NOT_FOUND', `Organization "${organizationId}" does not exist.`);
  }
  context.organization = organization;
  const key = findKey(store, token, organizationId);
  context.key = key;

  if (access === 'organization-write') {
    if (!Object.values(key.libraries).includes('write')) {
      throw new ApiError(403, 'API_KEY_READ_ONLY', 'The API key is read-only and cannot create libraries.');
    }
    return;
  }
  if (access === 'library-read' || access === 'library-write') {
    const libraryId = params['libraryId'] ?? '';
    context.library = requireLibraryAccess(store, key, libraryId, access === 'library-write' ? 'write' : 'read');
  }
}

function checkApiVersion(request: IncomingMessage): void {
  const header = request.headers['api-version'];
  const version = Array.isArray(header) ? header.join(',') : header;
  if (version === undefined || version.trim() === '') {
    throw new ApiError(400, 'API_VERSION_REQUIRED', `The Api-Version header is required; send Api-Version: ${API_VERSION}.`);
  }
  if (version.trim() !== API_VERSION) {
    throw badUserInput(`Unsupported Api-Version "${version}"; send Api-Version: ${API_VERSION}.`);
  }
}

function readBearerToken(request: IncomingMessage): string {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (match?.[1] === undefined) {
    throw new ApiError(401, 'UNAUTHENTICATED', 'Send the API key as Authorization: Bearer <API_KEY>.');
  }
  return match[1];
}

function findKey(store: Store, token: string, organizationId: string | null): KeyRecord {
  const key = store.keys.get(token);
  if (key === undefined || (organizationId !== null && key.organizationId !== organizationId)) {
    throw new ApiError(
      401,
      'INVALID_API_KEY',
      organizationId === null ? 'The API key is not valid.' : `The API key is not valid for organization "${organizationId}".`,
    );
  }
  return key;
}

/**
 * Returns the library when the key has at least `level` on it. A missing library, one the key
 * cannot reach and one with only Read for a Write route all give the same 404.
 */
export function requireLibraryAccess(store: Store, key: KeyRecord, libraryId: string, level: AccessLevel) {
  const granted = Object.hasOwn(key.libraries, libraryId) ? key.libraries[libraryId] : undefined;
  const library = store.getLibrary(key.organizationId, libraryId);
  if (library === undefined || granted === undefined || (level === 'write' && granted !== 'write')) {
    throw libraryNotAuthorized(libraryId);
  }
  return library;
}
