import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	RasterApiError,
	RasterNetworkError,
	RasterUsageError,
	type RasterErrorKind,
} from '../../../../core/src/errors';

/** Display names of the node parameters that core validation errors refer to, by core name. */
const PARAMETER_NAMES: Readonly<Record<string, string>> = {
	libraryId: 'Library',
	targetLibraryId: 'Target Library',
	assetId: 'Asset ID',
	assetIds: 'Asset IDs',
	ids: 'Asset IDs',
	tags: 'Tags',
	name: 'Name',
	slug: 'Slug',
	description: 'Description',
	libraries: 'Libraries',
	q: 'Query',
	limit: 'Limit',
};

/** Messages that state what happened, for each kind of API failure. */
const MESSAGES: Partial<Record<RasterErrorKind, string>> = {
	unauthenticated: 'Raster rejected the request because the API key is missing or malformed',
	'invalid-api-key': 'The API key does not belong to the organization',
	'library-not-reachable': 'The library does not exist or the API key cannot reach it',
	'read-only-key': 'The API key has only Read access',
	'organization-not-found': 'The organization does not exist',
	'resource-not-found': 'The asset was not found in the library',
	'bad-input': 'Raster rejected the values sent',
	'payload-too-large': 'A file is larger than Raster accepts',
	'too-many-assets': 'The request holds more files or IDs than Raster accepts at once',
	'no-files': 'The upload held no file',
	'no-ids': 'No asset IDs were sent',
	'library-slug-taken': 'The library slug is already used',
	'plan-limit': 'The Raster plan or the library blocks changes',
	'rate-limited': 'Raster is limiting the rate of requests',
	'server-error': 'Raster failed to process the request',
	'invalid-response': 'Raster sent a response the node cannot read',
};

/** Descriptions that tell the user what to change, for each kind of API failure. */
const DESCRIPTIONS: Partial<Record<RasterErrorKind, string>> = {
	unauthenticated: "Open the Raster credential and enter the API key, which starts with 'pk_'.",
	'invalid-api-key':
		"Check the 'API Key' and 'Organization ID' of the Raster credential, or leave 'Organization ID' empty to read it from the key.",
	'library-not-reachable':
		"Check the 'Library' parameter, and give the API key access to the library in Raster (Write access for changes).",
	'read-only-key': 'Use an API key with Write access to create libraries.',
	'organization-not-found':
		"Check the 'Organization ID' of the Raster credential, or leave it empty to read it from the key.",
	'resource-not-found':
		"Check the 'Asset ID' parameter: the asset may be in another library or in the trash.",
	'payload-too-large': 'Upload smaller files, or split large videos before uploading them.',
	'too-many-assets': 'Send at most 20 files or 100 asset IDs per request.',
	'no-files': "Check that the input items hold the binary fields named in 'Input Binary Fields'.",
	'no-ids': "Enter at least one ID in 'Asset IDs'.",
	'library-slug-taken': "Choose another 'Slug', or leave it empty to derive one from the name.",
	'plan-limit': 'A person must act on the Raster plan or unlock the library before changes succeed again.',
	'rate-limited': 'Wait a moment and run the workflow again, or send fewer items at once.',
	'server-error': "Run the workflow again later, or turn on the node's 'Retry On Fail' setting.",
	'invalid-response': "Check the 'Base URL' of the Raster credential: it must point at the Raster API.",
};

/**
 * Converts an error from the core client into the error n8n shows: `NodeApiError` for what
 * Raster or the network returned, `NodeOperationError` for invalid input. Both carry the item
 * index and a description that names what to change.
 */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
	parameterNames: Readonly<Record<string, string>> = {},
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) {
			error.context.itemIndex = itemIndex;
		}
		return error;
	}

	if (error instanceof RasterApiError) {
		const message = MESSAGES[error.kind] ?? `Raster rejected the request with ${error.code}`;
		const advice = DESCRIPTIONS[error.kind];
		const returned = returnedSentence(error);
		const description = advice === undefined ? returned : `${returned} ${advice}`;

		return new NodeApiError(node, apiErrorBody(error), {
			message: `${message} [item ${itemIndex}]`,
			description,
			httpCode: String(error.status),
			itemIndex,
		});
	}

	if (error instanceof RasterNetworkError) {
		const description = error.ambiguous
			? 'The connection broke after the request was sent, so Raster may have carried it out. Check the library before running the item again, because uploads are not deduplicated.'
			: "Check the 'Base URL' of the Raster credential and the network or proxy settings of n8n.";

		return new NodeApiError(node, { message: error.message, code: error.code ?? null }, {
			message: `The request to Raster failed: ${error.message} [item ${itemIndex}]`,
			description,
			itemIndex,
		});
	}

	if (error instanceof RasterUsageError) {
		// Core names list entries like `assetIds[2]`; the node parameter is the list.
		const coreName = error.parameter.replace(/\[\d+\]$/, '');
		const parameter = parameterNames[coreName] ?? PARAMETER_NAMES[coreName];
		return new NodeOperationError(node, `${error.message} [item ${itemIndex}]`, {
			...(parameter === undefined
				? {}
				: { description: `Change the '${parameter}' parameter and run the node again.` }),
			itemIndex,
		});
	}

	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, `${message} [item ${itemIndex}]`, { itemIndex });
}

/**
 * Converts the rejection of an upload request that contained the files of several items.
 * Raster validates every file of a request before it stores any, so none of its files was
 * stored. `uploadedItems` are the items whose files earlier requests stored.
 */
export function toRejectedUploadError(
	node: INode,
	error: RasterApiError,
	itemIndexes: readonly number[],
	uploadedItems: readonly number[],
): NodeApiError {
	const items = formatItemIndexes(itemIndexes);
	const sentences = [
		returnedSentence(error),
		`The request contained the files of items ${items}, and Raster stores none of a request's files when one of them is invalid.`,
	];
	const advice = DESCRIPTIONS[error.kind];
	if (advice !== undefined) {
		sentences.push(advice);
	}
	sentences.push(
		"Fix or remove the invalid file and run the node again, or set the node's 'On Error' setting to 'Continue' to upload the valid items and output an error item for each invalid one.",
	);
	// An item whose files were split between requests may have some of them stored already.
	const whole = uploadedItems.filter((itemIndex) => !itemIndexes.includes(itemIndex));
	const partly = uploadedItems.filter((itemIndex) => itemIndexes.includes(itemIndex));
	const itemsLabel = (indexes: readonly number[]) => `${indexes.length === 1 ? 'item' : 'items'} ${formatItemIndexes(indexes)}`;
	if (whole.length > 0) {
		const wholeText = `${whole.length === 1 ? 'Item' : 'Items'} ${formatItemIndexes(whole)} ${whole.length === 1 ? 'was' : 'were'} uploaded by earlier requests`;
		const partlyText = partly.length > 0 ? `, and some files of ${itemsLabel(partly)} too` : '';
		sentences.push(`${wholeText}${partlyText}, so running them again creates duplicates.`);
	} else if (partly.length > 0) {
		sentences.push(`Some files of ${itemsLabel(partly)} were uploaded by an earlier request, so running them again creates duplicates.`);
	}

	return new NodeApiError(node, apiErrorBody(error), {
		message: `Raster rejected an upload request and stored none of its files [items ${items}]`,
		description: sentences.join(' '),
		httpCode: String(error.status),
		itemIndex: itemIndexes[0] ?? 0,
	});
}

/** Formats item indexes with runs of consecutive ones as ranges, such as "0 to 3, 7". */
export function formatItemIndexes(itemIndexes: readonly number[]): string {
	const sorted = [...new Set(itemIndexes)].sort((left, right) => left - right);
	const ranges: string[] = [];
	let start = 0;

	while (start < sorted.length) {
		let end = start;
		while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) {
			end += 1;
		}
		ranges.push(end === start ? `${sorted[start]}` : `${sorted[start]} to ${sorted[end]}`);
		start = end + 1;
	}
	return ranges.join(', ');
}

/** States the status, code and message that Raster returned, as one sentence. */
function returnedSentence(error: RasterApiError): string {
	const returned = `Raster returned ${error.status} ${error.code}: ${error.serviceMessage.trim()}`;
	return /[.!?]$/.test(returned) ? returned : `${returned}.`;
}

function apiErrorBody(error: RasterApiError): JsonObject {
	return {
		status: error.status,
		code: error.code,
		message: error.serviceMessage,
		method: error.method,
		path: error.path,
	};
}
