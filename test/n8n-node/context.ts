/**
 * A stand-in for n8n's execution context: enough of `IExecuteFunctions` and
 * `ILoadOptionsFunctions` to run the Raster node in a test. Its
 * `httpRequestWithAuthentication` signs requests with the credential's own `authenticate`
 * block, sends them over real HTTP and records each one, body bytes included.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { isLoopbackHost } from '@raster-toolkit/core';
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, Workflow } from 'n8n-workflow';

import { RasterApi } from '../../n8n-node/credentials/RasterApi.credentials';
import { Raster } from '../../n8n-node/nodes/Raster/Raster.node';
import { SHARED_IMAGES } from '../support/shared-images';

export const IMAGES = SHARED_IMAGES;

export interface RasterCredentials {
	apiKey: string;
	organizationId?: string;
	baseUrl: string;
}

export interface RecordedRequest {
	method: string;
	url: URL;
	headers: Record<string, string>;
	body: Buffer | undefined;
}

export interface ContextOptions {
	credentials: RasterCredentials;
	/** Parameters for every item; a function may vary them per item. */
	parameters: IDataObject | ((itemIndex: number) => IDataObject);
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	/** Bytes behind the `id` of each binary data entry, as n8n's filesystem mode keeps them. */
	binaryStore?: Map<string, Buffer>;
	/** The signal n8n aborts when the execution is cancelled. */
	cancelSignal?: AbortSignal;
}

export interface TestContext {
	context: IExecuteFunctions & ILoadOptionsFunctions;
	requests: RecordedRequest[];
}

const node: INode = {
	id: '5f0c7a7e-0b4f-4c36-9d4a-2f3f8f6a9a01',
	name: 'Raster',
	type: 'n8n-nodes-raster-toolkit.raster',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** Returns the resource locator value n8n stores for an ID typed into a locator. */
export function byId(value: string): IDataObject {
	return { __rl: true, mode: 'id', value };
}

export function createContext(options: ContextOptions): TestContext {
	const requests: RecordedRequest[] = [];
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	const credential = new RasterApi();
	const description = new Raster().description;

	const parametersOf = (itemIndex: number): IDataObject =>
		typeof options.parameters === 'function' ? options.parameters(itemIndex) : options.parameters;

	const getNodeParameter = (
		name: string,
		itemIndexOrFallback?: unknown,
		fallback?: unknown,
		parameterOptions?: { extractValue?: boolean },
	): unknown => {
		const itemIndex = typeof itemIndexOrFallback === 'number' ? itemIndexOrFallback : 0;
		const parameters = parametersOf(itemIndex);
		let value: unknown = parameters[name];
		if (value === undefined) {
			value = defaultOf(description.properties, parameters, name);
		}
		if (value === undefined) {
			if (fallback !== undefined) {
				return fallback;
			}
			throw new Error(`Could not get parameter "${name}"`);
		}
		if (parameterOptions?.extractValue === true && isLocator(value)) {
			return value.value;
		}
		return value;
	};

	const binaryOf = (itemIndex: number, propertyName: string): IBinaryData => {
		const binary = items[itemIndex]?.binary?.[propertyName];
		if (binary === undefined) {
			throw new NodeOperationError(node, `This operation expects the node's input data to contain a binary file '${propertyName}', but none was found [item ${itemIndex}]`, { itemIndex });
		}
		return binary;
	};

	const httpRequestWithAuthentication = async (
		credentialType: string,
		requestOptions: IHttpRequestOptions,
	): Promise<unknown> => {
		if (credentialType !== credential.name) {
			throw new Error(`Unexpected credential type ${credentialType}`);
		}
		const signed = authenticate(credential, options.credentials, requestOptions);
		return await send(signed, requests);
	};

	const context = {
		getInputData: () => items,
		getNode: () => node,
		getNodeParameter,
		getCurrentNodeParameter: (name: string, parameterOptions?: { extractValue?: boolean }) =>
			getNodeParameter(name, 0, undefined, parameterOptions),
		continueOnFail: () => options.continueOnFail === true,
		getExecutionCancelSignal: () => options.cancelSignal,
		getCredentials: async (type: string) => {
			if (type !== credential.name) {
				throw new Error(`Unexpected credential type ${type}`);
			}
			return { ...options.credentials };
		},
		helpers: {
			httpRequestWithAuthentication,
			assertBinaryData: binaryOf,
			getBinaryDataBuffer: async (itemIndex: number, propertyName: string) => {
				const binary = binaryOf(itemIndex, propertyName);
				const bytes = binary.id === undefined ? undefined : options.binaryStore?.get(binary.id);
				if (bytes === undefined) {
					throw new Error(`No stored bytes for binary data ${binary.id ?? '(no id)'}`);
				}
				return bytes;
			},
		},
	};

	return { context: context as unknown as IExecuteFunctions & ILoadOptionsFunctions, requests };
}

/**
 * Returns the default n8n would use for a parameter the workflow does not set: the first
 * property of that name whose display options match the resource and operation.
 */
function defaultOf(properties: INodeProperties[], parameters: IDataObject, name: string): unknown {
	for (const property of properties) {
		if (property.name !== name) {
			continue;
		}
		const show = property.displayOptions?.show ?? {};
		const matches = Object.entries(show).every(([key, values]) => {
			const current = parameters[key] ?? defaultOf(properties, parameters, key);
			return (values as unknown[]).includes(current);
		});
		if (matches) {
			return property.default;
		}
	}
	return undefined;
}

function isLocator(value: unknown): value is { value: unknown } {
	return typeof value === 'object' && value !== null && '__rl' in value;
}

/** A one-node workflow whose expression engine resolves credential expressions, as n8n's does. */
const expressionWorkflow = new Workflow({
	nodes: [node],
	connections: {},
	active: false,
	nodeTypes: {
		getByName: () => new Raster(),
		getByNameAndVersion: () => new Raster(),
		getKnownTypes: () => ({}),
	},
});

/**
 * Resolves a credential value the way n8n's generic authentication and credential test do: a
 * string that starts with `=` is an expression evaluated by n8n-workflow with `$credentials`,
 * anything else is literal.
 */
export function resolveCredentialValue(template: unknown, credentials: RasterCredentials): string {
	const text = String(template);
	if (!text.startsWith('=')) {
		return text;
	}
	const value = expressionWorkflow.expression.getParameterValue(
		text,
		null,
		0,
		0,
		node.name,
		[],
		'internal',
		{ $credentials: credentials as unknown as IDataObject },
	);
	return String(value ?? '');
}

function authenticate(
	credential: RasterApi,
	credentials: RasterCredentials,
	requestOptions: IHttpRequestOptions,
): IHttpRequestOptions {
	const headers: IDataObject = { ...(requestOptions.headers ?? {}) };
	for (const [name, template] of Object.entries(credential.authenticate.properties.headers ?? {})) {
		headers[name] = resolveCredentialValue(template, credentials);
	}
	return { ...requestOptions, headers };
}

/** Sends a request the way n8n's helper does for the options the node uses. */
async function send(requestOptions: IHttpRequestOptions, requests: RecordedRequest[]): Promise<unknown> {
	const url = new URL(requestOptions.url, requestOptions.baseURL);
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(requestOptions.headers ?? {})) {
		headers[name.toLowerCase()] = String(value);
	}
	const body = toBuffer(requestOptions.body);
	requests.push({ method: requestOptions.method ?? 'GET', url, headers, body });
	// Tests reach only servers on this machine. The request is recorded first, so a test that
	// expects none still sees the attempt.
	if (!isLoopbackHost(url.hostname)) {
		throw new Error(`The test context sends only to loopback hosts, not to ${url.origin}`);
	}

	const response = await fetch(url, {
		method: requestOptions.method ?? 'GET',
		headers,
		...(body === undefined ? {} : { body }),
	});
	const text = await response.text();

	if (!response.ok && requestOptions.ignoreHttpStatusErrors !== true) {
		throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
			httpCode: String(response.status),
		});
	}
	const parsed = requestOptions.json === true || requestOptions.encoding !== 'text' ? safeJson(text) : text;
	if (requestOptions.returnFullResponse === true) {
		return {
			statusCode: response.status,
			headers: Object.fromEntries(response.headers.entries()),
			body: parsed,
		};
	}
	return parsed;
}

function toBuffer(body: IHttpRequestOptions['body']): Buffer | undefined {
	if (body === undefined || body === null) {
		return undefined;
	}
	if (Buffer.isBuffer(body)) {
		return body;
	}
	if (typeof body === 'string') {
		return Buffer.from(body);
	}
	return Buffer.from(JSON.stringify(body));
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

let binaryCount = 0;

/**
 * Reads a sample image and returns an input item whose binary data lives in the store under an
 * id, the way n8n's filesystem mode keeps it: the `data` field contains the mode, not the bytes.
 */
export async function binaryItem(
	store: Map<string, Buffer>,
	files: Record<string, string>,
	json: IDataObject = {},
): Promise<INodeExecutionData> {
	const binary: Record<string, IBinaryData> = {};
	for (const [propertyName, relativePath] of Object.entries(files)) {
		const bytes = await readFile(path.join(IMAGES, relativePath));
		binaryCount += 1;
		const id = `filesystem-v2:workflows/1/executions/1/binary_data/${binaryCount}`;
		store.set(id, bytes);
		const fileName = path.basename(relativePath);
		const extension = path.extname(fileName).slice(1);
		binary[propertyName] = {
			id,
			data: 'filesystem-v2',
			mimeType: MIME_TYPES[extension.toLowerCase()] ?? 'application/octet-stream',
			fileName,
			fileExtension: extension,
			fileSize: `${bytes.length} B`,
		};
	}
	return { json, binary };
}

const MIME_TYPES: Record<string, string> = {
	png: 'image/png',
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	svg: 'image/svg+xml',
	json: 'application/json',
	md: 'text/markdown',
};

export interface MultipartPart {
	name: string;
	filename: string;
	contentType: string;
	bytes: Buffer;
}

/** Splits a recorded `multipart/form-data` body into its parts. */
export function parseMultipart(request: RecordedRequest): MultipartPart[] {
	const boundary = /boundary=(.+)$/.exec(request.headers['content-type'] ?? '')?.[1];
	if (boundary === undefined || request.body === undefined) {
		throw new Error('The request is not multipart/form-data');
	}

	const body = request.body;
	const delimiter = Buffer.from(`--${boundary}`);
	const parts: MultipartPart[] = [];
	let start = body.indexOf(delimiter) + delimiter.length;

	while (start < body.length && body.subarray(start, start + 2).toString() !== '--') {
		const headerEnd = body.indexOf('\r\n\r\n', start);
		const next = body.indexOf(delimiter, headerEnd);
		const headerText = body.subarray(start + 2, headerEnd).toString('utf8');
		const disposition = /name="([^"]*)"; filename="([^"]*)"/.exec(headerText);
		parts.push({
			name: disposition?.[1] ?? '',
			filename: disposition?.[2] ?? '',
			contentType: /Content-Type: (.*)/i.exec(headerText)?.[1]?.trim() ?? '',
			// The part's bytes end with CRLF before the next delimiter.
			bytes: body.subarray(headerEnd + 4, next - 2),
		});
		start = next + delimiter.length;
	}
	return parts;
}

/** Runs the node's `execute` and returns its single output. */
export async function runNode(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const output = await new Raster().execute.call(context);
	return output[0] ?? [];
}
