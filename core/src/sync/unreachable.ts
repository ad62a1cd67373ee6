/** Detection of a Raster API out of reach, after which the engine stops work that cannot succeed. */

import { RasterNetworkError } from '../errors';

/**
 * Tells whether `error` shows that the API could not be reached: no response arrived to any of
 * the client's attempts, as after refused connections or a failed DNS lookup. A GET counts
 * whenever it failed this way, because the client retries it even after the request was sent. A
 * write counts only when it failed before its body was sent: when an upload's connection breaks
 * after that, the service may have stored the files, so the library is checked instead.
 */
export function isApiUnreachable(error: unknown): error is RasterNetworkError {
  return error instanceof RasterNetworkError && (!error.ambiguous || error.method === 'GET');
}
