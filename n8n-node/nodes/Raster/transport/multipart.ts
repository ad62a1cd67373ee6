import type { FilePart } from '../../../../core/src/transport';

/** A `multipart/form-data` body and the `Content-Type` header that names its boundary. */
export interface MultipartBody {
	contentType: string;
	bytes: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * Encodes files as `multipart/form-data` with one part named `files` per file, in order, as the
 * Raster upload route expects. Only in-memory sources are accepted: the node reads binary data
 * through n8n's helpers before it builds a request.
 */
export function encodeMultipart(files: readonly FilePart[], boundary: string): MultipartBody {
	const chunks: Uint8Array[] = [];

	for (const file of files) {
		if (file.source.kind !== 'bytes') {
			throw new TypeError(`The file ${file.filename} must be passed as bytes, not as a path`);
		}

		const header =
			`--${boundary}\r\n` +
			`Content-Disposition: form-data; name="files"; filename="${quoteFilename(file.filename)}"\r\n` +
			`Content-Type: ${file.contentType}\r\n\r\n`;
		chunks.push(encoder.encode(header), file.source.bytes, encoder.encode('\r\n'));
	}
	chunks.push(encoder.encode(`--${boundary}--\r\n`));

	return {
		contentType: `multipart/form-data; boundary=${boundary}`,
		bytes: concatenate(chunks),
	};
}

/** Returns a boundary that cannot occur in the parts: 32 random hexadecimal digits. */
export function createBoundary(random: () => number = Math.random): string {
	let digits = '';
	for (let index = 0; index < 32; index++) {
		digits += Math.floor(random() * 16).toString(16);
	}
	return `----RasterToolkitBoundary${digits}`;
}

/**
 * Escapes a file name for the quoted `filename` parameter the way browsers do (WHATWG HTML form
 * encoding): `"` as `%22`, CR as `%0D` and LF as `%0A`. Other characters, UTF-8 included, are
 * sent as they are.
 */
function quoteFilename(filename: string): string {
	return filename.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function concatenate(chunks: readonly Uint8Array[]): Uint8Array {
	let length = 0;
	for (const chunk of chunks) {
		length += chunk.byteLength;
	}

	const bytes = new Uint8Array(length);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return bytes;
}
