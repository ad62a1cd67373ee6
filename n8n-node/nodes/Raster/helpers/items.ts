import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RequestOptions } from '../../../../core/src/client';

import { toNodeError } from './errors';
import { splitList } from './values';

/**
 * Runs `run` once per input item and returns one output item per object it returns, each paired
 * with its input item. A failed item stops the node, or becomes an output item with `error`
 * when the node's "On Error" setting continues. `parameterNames` overrides the display names
 * that invalid-input errors point to, for operations that label a value differently.
 */
export async function forEachItem(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	run: (itemIndex: number) => Promise<IDataObject | IDataObject[]>,
	parameterNames: Readonly<Record<string, string>> = {},
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await run(itemIndex);
			for (const json of Array.isArray(result) ? result : [result]) {
				output.push({ json, pairedItem: { item: itemIndex } });
			}
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error, itemIndex, parameterNames);
			if (!this.continueOnFail()) {
				throw nodeError;
			}
			output.push(errorItem(nodeError, itemIndex));
		}
	}

	return output;
}

/**
 * Builds the output item of a failed input item, for a node that continues on failure. The
 * error's description goes in `details` because n8n 2.41.1 moves an item to the error output of
 * "On Error > Continue (using error output)" by its JSON only when that has no keys besides
 * `error`, `message` and `details`. The item's own `error` property would route it too, but n8n
 * then replaces its JSON with `{ error: message }` and the description is lost.
 */
export function errorItem(
	error: Error & { description?: string | null | undefined },
	itemIndex: number,
): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	if (typeof error.description === 'string' && error.description.length > 0) {
		json.details = error.description;
	}
	return { json, pairedItem: { item: itemIndex } };
}

/** Reads a library ID from a resource locator parameter and fails the item when none is set. */
export function getLibraryId(this: IExecuteFunctions, name: string, itemIndex: number): string {
	const libraryId = String(this.getNodeParameter(name, itemIndex, '', { extractValue: true }) ?? '').trim();
	if (libraryId === '') {
		const displayName = name === 'targetLibrary' ? 'Target Library' : 'Library';
		throw new NodeOperationError(this.getNode(), `No library is selected in '${displayName}' [item ${itemIndex}]`, {
			description: `Choose a library from the list in '${displayName}', or enter its ID.`,
			itemIndex,
		});
	}
	return libraryId;
}

/** Reads a comma-separated list parameter and fails the item when it contains no value. */
export function getRequiredList(
	this: IExecuteFunctions,
	name: string,
	displayName: string,
	itemIndex: number,
): string[] {
	const values = splitList(this.getNodeParameter(name, itemIndex));
	if (values.length === 0) {
		throw new NodeOperationError(this.getNode(), `'${displayName}' is empty [item ${itemIndex}]`, {
			description: `Enter at least one value in '${displayName}', separated by commas.`,
			itemIndex,
		});
	}
	return values;
}

/**
 * Reads the Limit parameter and fails the item unless it is a whole number from 1 to `maximum`.
 * n8n 2.41.1 passes 0 or 2.5 from an expression to the node despite the field's `minValue`.
 */
export function getLimit(this: IExecuteFunctions, itemIndex: number, maximum?: number): number {
	const value: unknown = this.getNodeParameter('limit', itemIndex);
	// An expression can return a number as text, such as a field read from JSON.
	const limit = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
	const valid =
		typeof limit === 'number' &&
		Number.isInteger(limit) &&
		limit >= 1 &&
		(maximum === undefined || limit <= maximum);
	if (!valid) {
		const range = maximum === undefined ? 'at least 1' : `from 1 to ${maximum}`;
		throw new NodeOperationError(this.getNode(), `Invalid 'Limit': ${JSON.stringify(value)} [item ${itemIndex}]`, {
			description: `Set 'Limit' to a whole number ${range}, or turn on 'Return All' to return every result.`,
			itemIndex,
		});
	}
	return limit;
}

/**
 * Returns the options that tie client calls to the execution, so that cancelling the workflow
 * also stops retries and the waits between them.
 */
export function cancelOptions(this: IExecuteFunctions): RequestOptions {
	const signal = this.getExecutionCancelSignal?.();
	return signal === undefined ? {} : { signal };
}
