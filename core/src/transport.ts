/**
 * The seam between the pure API layer and whatever moves bytes. The client builds an
 * `HttpRequest`, a transport sends it and returns the status, headers and raw body text.
 */

/** Bytes of one file to upload. A transport reads `path` sources from disk as a stream. */
export type FileSource =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'path'; path: string };

/** One multipart part named `files`. `size` is the byte count the caller expects to send. */
export interface FilePart {
  filename: string;
  contentType: string;
  size: number;
  source: FileSource;
  /**
   * SHA-256 of the bytes the caller expects to send, as 64 hex digits. The Node transport hashes
   * a `path` source as it reads it and fails the upload with a `RasterUsageError` on
   * `files[i].sha256` before the part's last byte is sent when the bytes differ.
   */
  sha256?: string | undefined;
}

export type RequestBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'multipart'; files: FilePart[] };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute URL, query string included. */
  url: string;
  /** Header names in lower case. The client sets `api-version` and `authorization`. */
  headers: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The response body as text; the client parses the JSON envelope. */
  text: string;
}

export interface Transport {
  /**
   * Sends one request and resolves with any HTTP status. Rejects with `RasterNetworkError`
   * (or any error with a boolean `bodySent`) when no complete response arrived, setting
   * `bodySent` when the request body had been fully written. An error without `bodySent` counts
   * as sent, so an upload that fails that way is never retried blindly. Rejects with the
   * signal's reason when `signal` aborts.
   */
  send(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Waits `ms` milliseconds, rejecting with the signal's reason when it aborts. The client uses
   * it between retries unless its own `sleep` option is given.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}
