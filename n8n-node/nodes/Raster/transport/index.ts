import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';

import { RasterNetworkError } from '../../../../core/src/errors';
import type { HttpRequest, HttpResponse, Transport } from '../../../../core/src/transport';
import { createBoundary, encodeMultipart } from './multipart';

/** Name of the credential type whose `authenticate` block signs every request. */
export const CREDENTIAL_TYPE = 'rasterApi';

type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

/** Full response of `httpRequest` with `returnFullResponse: true`. */
interface FullResponse {
	statusCode: number;
	headers: IDataObject;
	body: unknown;
}

/**
 * Error codes that mean the connection was never set up, so no byte of the request reached the
 * service. Any other failure of a request with a body may have happened after it was sent.
 */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_INVALID_URL',
	'CERT_HAS_EXPIRED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/**
 * Creates a transport that sends the core client's requests through
 * `this.helpers.httpRequestWithAuthentication`, so n8n adds the credential's bearer key and
 * `Api-Version`, and applies its proxy settings, SSRF rules and request logging.
 */
export function createN8nTransport(context: RequestContext): Transport {
	return {
		async send(request: HttpRequest): Promise<HttpResponse> {
			const options = toHttpRequestOptions(request);

			// A rejection becomes RasterNetworkError, which the core client retries or not by
			// `bodySent`; the operations turn whatever remains into NodeApiError.
			const outcome = await context.helpers.httpRequestWithAuthentication
				.call(context, CREDENTIAL_TYPE, options)
				.then(
					(response: FullResponse) => ({ response }),
					(error: unknown) => ({ error }),
				);
			if ('error' in outcome) {
				throw toNetworkError(request, outcome.error);
			}

			const { response } = outcome;
			return {
				status: response.statusCode,
				headers: lowerCaseHeaders(response.headers),
				text: bodyText(response.body),
			};
		},
	};
}

function toNetworkError(request: HttpRequest, error: unknown): RasterNetworkError {
	const code = findErrorCode(error);
	return new RasterNetworkError({
		method: request.method,
		path: pathOf(request.url),
		cause: describeFailure(error, code),
		bodySent: request.body !== undefined && !NOT_SENT_CODES.has(code ?? ''),
	});
}

function toHttpRequestOptions(request: HttpRequest): IHttpRequestOptions {
	const headers: IDataObject = {};
	for (const [name, value] of Object.entries(request.headers)) {
		// The credential's `authenticate` block sets both, from the stored key.
		if (name !== 'authorization' && name !== 'api-version') {
			headers[name] = value;
		}
	}
	headers.accept = 'application/json';

	const options: IHttpRequestOptions = {
		method: request.method,
		url: request.url,
		headers,
		json: false,
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};

	if (request.body?.kind === 'json') {
		headers['content-type'] = 'application/json';
		options.body = JSON.stringify(request.body.value);
	} else if (request.body?.kind === 'multipart') {
		const multipart = encodeMultipart(request.body.files, createBoundary());
		headers['content-type'] = multipart.contentType;
		options.body = Buffer.from(
			multipart.bytes.buffer,
			multipart.bytes.byteOffset,
			multipart.bytes.byteLength,
		);
	}

	if (request.signal !== undefined) {
		options.abortSignal = request.signal;
	}
	return options;
}

function lowerCaseHeaders(headers: IDataObject | undefined): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		if (value === undefined || value === null) {
			continue;
		}
		result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return result;
}

function bodyText(body: unknown): string {
	if (typeof body === 'string') {
		return body;
	}
	if (body === undefined || body === null) {
		return '';
	}
	if (body instanceof Uint8Array) {
		return new TextDecoder().decode(body);
	}
	// A helper that parsed JSON despite `json: false` still yields the same text.
	return JSON.stringify(body);
}

function pathOf(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.pathname}${parsed.search}`;
	} catch {
		return url;
	}
}

/** Finds the first string `code` along an error's `cause` chain, such as `ECONNREFUSED`. */
function findErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) {
			return code;
		}
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

/**
 * Copies the message and code of a failed request into a fresh error. n8n's own error keeps the
 * request configuration, headers included, which must not travel further.
 */
function describeFailure(error: unknown, code: string | undefined): Error {
	const message = error instanceof Error ? error.message : String(error);
	const failure = new Error(message) as Error & { code?: string };
	if (code !== undefined) {
		failure.code = code;
	}
	return failure;
}
