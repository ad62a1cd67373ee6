/** Error codes of the Raster REST API, as the `code` field of a failure envelope carries them. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'INVALID_API_KEY'
  | 'API_VERSION_REQUIRED'
  | 'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY'
  | 'API_KEY_READ_ONLY'
  | 'ORGANIZATION_NOT_FOUND'
  | 'RESOURCE_NOT_FOUND'
  | 'ENDPOINT_NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'MAX_ASSETS_EXCEEDED'
  | 'UPLOAD_ERROR_NO_FILES'
  | 'DELETE_ERROR'
  | 'LIBRARY_URL_TAKEN'
  | 'TOO_MANY_REQUESTS'
  | 'REQUEST_TIMEOUT'
  | 'INTERNAL_SERVER_ERROR';

/** A failure that the server sends as `{ error: { code, message } }` with `status`. */
export class ApiError extends Error {
  readonly status: number;
  /** One of `ErrorCode`, or any code an injected fault names. */
  readonly code: ErrorCode | (string & {});

  constructor(status: number, code: ErrorCode | (string & {}), message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function badUserInput(message: string): ApiError {
  return new ApiError(400, 'BAD_USER_INPUT', message);
}

export function resourceNotFound(message = 'Asset not found.'): ApiError {
  return new ApiError(404, 'RESOURCE_NOT_FOUND', message);
}

export function libraryNotAuthorized(libraryId: string): ApiError {
  return new ApiError(
    404,
    'API_KEY_NOT_AUTHORIZED_FOR_LIBRARY',
    `The API key is not authorized for library "${libraryId}", or the library does not exist.`,
  );
}

export function endpointNotFound(method: string, path: string): ApiError {
  return new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint matches ${method} ${path}.`);
}
