import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { DEFAULT_UPLOAD_BATCH_BYTES, MAX_FILES_PER_UPLOAD } from '../../../../../core/src/api/limits';
import type { Asset } from '../../../../../core/src/api/types';
import type { RasterClient, RequestOptions } from '../../../../../core/src/client';
import { RasterApiError } from '../../../../../core/src/errors';
import type { FilePart } from '../../../../../core/src/transport';
import { toNodeError, toRejectedUploadError } from '../../helpers/errors';
import { cancelOptions, errorItem, getLibraryId, getRequiredList } from '../../helpers/items';
import { assetData } from '../../helpers/values';
import { libraryLocator, simplifyField } from '../common.descriptions';

const properties: INodeProperties[] = [
	libraryLocator({ description: 'The library to upload the files to' }),
	{
		displayName: 'Input Binary Fields',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		placeholder: 'e.g. data, attachment_0',
		hint: 'The names of the input binary fields that hold the files, separated by commas',
		description:
			'Every listed binary field of every input item is uploaded as one asset. Raster accepts images and videos.',
	},
	simplifyField,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. hero-banner.png',
				description:
					'File name to send instead of the one in the binary data. Raster names the asset after it, without the extension.',
			},
			{
				displayName: 'MIME Type',
				name: 'mimeType',
				type: 'string',
				default: '',
				placeholder: 'e.g. image/png',
				description:
					'MIME type to send instead of the one in the binary data. Raster still detects the type from the file content.',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['asset'], operation: ['upload'] } },
	properties,
);

/** One file to upload: where it comes from and how it is sent. */
interface PendingFile {
	itemIndex: number;
	libraryId: string;
	propertyName: string;
	filename: string;
	contentType: string;
}

interface LoadedFile extends PendingFile {
	bytes: Uint8Array;
}

/**
 * Uploads the binary fields of every input item as assets, one output item per asset, paired
 * with the input item of its file. Files of consecutive items going to the same library share
 * requests of at most 20 files and 64 MiB. Bytes are read through n8n's binary helpers just
 * before their request, so filesystem and database binary modes work and memory contains about one
 * request's files at a time. When Raster rejects a shared request for its files, the node stops
 * at once unless "On Error" continues, so that no other item of that request is stored by a run
 * that fails anyway.
 */
export async function execute(
	this: IExecuteFunctions,
	client: RasterClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const outputByItem = new Map<number, INodeExecutionData[]>();
	const failedItems = new Set<number>();
	const simplify = new Map<number, boolean>();

	const output = (itemIndex: number, data: INodeExecutionData): void => {
		const list = outputByItem.get(itemIndex) ?? [];
		list.push(data);
		outputByItem.set(itemIndex, list);
	};

	const fail = (itemIndex: number, error: unknown): void => {
		const nodeError = toNodeError(this.getNode(), error, itemIndex);
		if (!this.continueOnFail()) {
			throw nodeError;
		}
		failedItems.add(itemIndex);
		output(itemIndex, errorItem(nodeError, itemIndex));
	};

	const pending: PendingFile[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			simplify.set(itemIndex, this.getNodeParameter('simplify', itemIndex) as boolean);
			pending.push(...describeFiles.call(this, itemIndex));
		} catch (error) {
			fail(itemIndex, error);
		}
	}

	const stopAtRejectedRequest = (itemIndexes: number[], error: RasterApiError): never => {
		throw toRejectedUploadError(this.getNode(), error, itemIndexes, [...outputByItem.keys()]);
	};

	const send = async (batch: LoadedFile[]): Promise<void> => {
		await sendBatch(client, batch, cancelOptions.call(this), {
			onAssets: (file, asset) =>
				output(file.itemIndex, {
					json: assetData(asset, simplify.get(file.itemIndex) ?? true),
					pairedItem: { item: file.itemIndex },
				}),
			onFailure: (itemIndex, error) => {
				if (!failedItems.has(itemIndex)) {
					fail(itemIndex, error);
				}
			},
			...(this.continueOnFail() ? {} : { onRejectedRequest: stopAtRejectedRequest }),
		});
	};

	let batch: LoadedFile[] = [];
	let batchBytes = 0;
	for (const file of pending) {
		if (failedItems.has(file.itemIndex)) {
			continue;
		}

		let bytes: Uint8Array;
		try {
			bytes = await this.helpers.getBinaryDataBuffer(file.itemIndex, file.propertyName);
		} catch (error) {
			fail(file.itemIndex, error);
			// Files of the failed item already waiting in the batch stay out of Raster too.
			batch = batch.filter((waiting) => waiting.itemIndex !== file.itemIndex);
			batchBytes = batch.reduce((sum, waiting) => sum + waiting.bytes.byteLength, 0);
			continue;
		}

		const first = batch[0];
		const full =
			first !== undefined &&
			(batch.length >= MAX_FILES_PER_UPLOAD ||
				first.libraryId !== file.libraryId ||
				batchBytes + bytes.byteLength > DEFAULT_UPLOAD_BATCH_BYTES);
		if (full) {
			await send(batch);
			batch = [];
			batchBytes = 0;
		}
		batch.push({ ...file, bytes });
		batchBytes += bytes.byteLength;
	}
	if (batch.length > 0) {
		await send(batch);
	}

	const result: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		result.push(...(outputByItem.get(itemIndex) ?? []));
	}
	return result;
}

/** Reads the library, the binary field names and the file metadata of one item, no bytes yet. */
function describeFiles(this: IExecuteFunctions, itemIndex: number): PendingFile[] {
	const libraryId = getLibraryId.call(this, 'library', itemIndex);
	const propertyNames = getRequiredList.call(this, 'binaryPropertyName', 'Input Binary Fields', itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as {
		fileName?: string;
		mimeType?: string;
	};

	return propertyNames.map((propertyName) => {
		// Throws a NodeOperationError naming the field when the item has no such binary data.
		const binaryData = this.helpers.assertBinaryData(itemIndex, propertyName);
		const extension = binaryData.fileExtension === undefined ? '' : `.${binaryData.fileExtension}`;

		return {
			itemIndex,
			libraryId,
			propertyName,
			filename: nonEmpty(options.fileName) ?? nonEmpty(binaryData.fileName) ?? `${propertyName}${extension}`,
			contentType: nonEmpty(options.mimeType) ?? nonEmpty(binaryData.mimeType) ?? 'application/octet-stream',
		};
	});
}

interface BatchHandlers {
	onAssets: (file: LoadedFile, asset: Asset) => void;
	onFailure: (itemIndex: number, error: unknown) => void;
	/**
	 * Handles a request with the files of several items that Raster rejected for its files. When
	 * it is not set, each item of the request is sent again on its own.
	 */
	onRejectedRequest?: (itemIndexes: number[], error: RasterApiError) => void;
}

/**
 * Sends one upload request. Raster validates every file before it stores any, so a request
 * rejected for its content stored nothing. When such a request contained files of several
 * items, `onRejectedRequest` handles it, or each item is sent again on its own so that only the
 * item with the invalid file fails.
 */
async function sendBatch(
	client: RasterClient,
	batch: LoadedFile[],
	request: RequestOptions,
	handlers: BatchHandlers,
): Promise<void> {
	const itemIndexes = [...new Set(batch.map((file) => file.itemIndex))];

	try {
		const result = await client.uploadAssets(batch[0]!.libraryId, batch.map(toFilePart), request);
		batch.forEach((file, index) => {
			const asset = result.assets[index];
			if (asset === undefined) {
				handlers.onFailure(
					file.itemIndex,
					new Error(
						`Raster returned ${result.assets.length} assets for ${batch.length} files, none for ${file.filename}`,
					),
				);
				return;
			}
			handlers.onAssets(file, asset);
		});
		return;
	} catch (error) {
		if (itemIndexes.length > 1 && isRejectedContent(error)) {
			if (handlers.onRejectedRequest !== undefined) {
				handlers.onRejectedRequest(itemIndexes, error);
				return;
			}
			for (const itemIndex of itemIndexes) {
				await sendBatch(
					client,
					batch.filter((file) => file.itemIndex === itemIndex),
					request,
					handlers,
				);
			}
			return;
		}
		for (const itemIndex of itemIndexes) {
			handlers.onFailure(itemIndex, error);
		}
	}
}

/** True when Raster rejected the files themselves (type, size), which stores nothing. */
function isRejectedContent(error: unknown): error is RasterApiError {
	return error instanceof RasterApiError && (error.kind === 'bad-input' || error.kind === 'payload-too-large');
}

function toFilePart(file: LoadedFile): FilePart {
	return {
		filename: file.filename,
		contentType: file.contentType,
		size: file.bytes.byteLength,
		source: { kind: 'bytes', bytes: file.bytes },
	};
}

function nonEmpty(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
