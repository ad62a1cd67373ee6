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
   * Sends one request and resolves with any HTTP status. Rejects with `NetworkError` when no
   * complete response arrived, setting `bodySent` when the request body had been fully written.
   */
  send(request: HttpRequest): Promise<HttpResponse>;
}
