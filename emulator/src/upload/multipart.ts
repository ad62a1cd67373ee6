import busboy from 'busboy';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ApiError, badUserInput } from '../api-error';
import { RequestAbortedError } from '../body';
import { DETECTION_HEAD_BYTES } from '../media/detect';

/** Largest file part kept in memory. A larger one is written to a temporary file as it arrives. */
export const MEMORY_PART_BYTES = 1024 * 1024;

/**
 * One file part: in memory (`bytes`) when it is at most `MEMORY_PART_BYTES`, otherwise in the
 * temporary file `tempPath`.
 */
export interface ReceivedFile {
  filename: string;
  tempPath: string | null;
  bytes: Buffer | null;
  size: number;
  /** The file's first bytes, at least `DETECTION_HEAD_BYTES` of them when the file has that many. */
  head: Buffer;
}

export interface ReceiveOptions {
  maxFileSize: number;
  maxFiles: number;
  /** Returns a fresh temporary path for the next file. */
  nextTempPath(): string;
}

/** Name of the only accepted multipart field. */
export const FILES_FIELD = 'files';

/**
 * Parses a `multipart/form-data` request as a stream. A small file part stays in memory, and a
 * larger one goes to a temporary file as it arrives, so memory stays bounded whatever the file
 * sizes. Fails as soon as a rule is broken: a file over `maxFileSize` (413 `PAYLOAD_TOO_LARGE`), more than `maxFiles` files (400
 * `MAX_ASSETS_EXCEEDED`), a part under another field name or a non-file field (400
 * `BAD_USER_INPUT`), or a malformed or truncated body (400 `BAD_USER_INPUT`). On failure every
 * temporary file is removed and the rest of the request body is discarded.
 */
export function receiveFiles(request: IncomingMessage, options: ReceiveOptions): Promise<ReceivedFile[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        defParamCharset: 'utf8',
        // busboy reports the limit once a file reaches `fileSize` bytes, and a file of exactly
        // `maxFileSize` bytes is allowed.
        limits: { fileSize: options.maxFileSize + 1, fieldNameSize: 200, fieldSize: 64 * 1024 },
      });
    } catch {
      reject(badUserInput('The upload must be multipart/form-data with a boundary, one part per file named "files".'));
      return;
    }

    const files: ReceivedFile[] = [];
    const writes: Array<Promise<void>> = [];
    const openStreams = new Set<WriteStream>();
    const sources = new Set<Readable>();
    let failed = false;

    const fail = (error: Error) => {
      if (failed) {
        return;
      }
      failed = true;
      request.unpipe(parser);
      request.off('close', onClose);
      for (const source of sources) {
        source.resume();
      }
      for (const stream of openStreams) {
        stream.destroy();
      }
      // Read and discard the rest of the body so the response can still reach the client.
      request.resume();
      void Promise.allSettled(writes)
        .then(() => Promise.allSettled(files.map((file) => (file.tempPath === null ? undefined : rm(file.tempPath, { force: true })))))
        .finally(() => reject(error));
    };

    const onClose = () => {
      if (!request.complete) {
        fail(new RequestAbortedError());
      }
    };
    request.on('close', onClose);

    parser.on('file', (field, stream, info) => {
      sources.add(stream);
      if (failed) {
        stream.resume();
        return;
      }
      if (field !== FILES_FIELD) {
        fail(badUserInput(`The file part "${field}" must use the field name "${FILES_FIELD}".`));
        return;
      }
      if (files.length >= options.maxFiles) {
        fail(
          new ApiError(400, 'MAX_ASSETS_EXCEEDED', `Too many files: at most ${options.maxFiles} can be uploaded in one request.`),
        );
        return;
      }
      const filename = info.filename ?? '';
      if (filename === '') {
        fail(badUserInput('Every file part needs a filename.'));
        return;
      }

      const file: ReceivedFile = { filename, tempPath: null, bytes: null, size: 0, head: Buffer.alloc(0) };
      files.push(file);
      // The part stays in memory while it is small, and moves to a file past MEMORY_PART_BYTES.
      let memoryChunks: Buffer[] = [];
      let output: WriteStream | null = null;

      const spill = () => {
        const tempPath = options.nextTempPath();
        file.tempPath = tempPath;
        // Open to the emulator's user alone, as the state and the smaller stored files are.
        const stream = createWriteStream(tempPath, { mode: 0o600 });
        output = stream;
        openStreams.add(stream);
        const written = new Promise<void>((resolveWrite, rejectWrite) => {
          stream.on('finish', () => {
            openStreams.delete(stream);
            resolveWrite();
          });
          stream.on('error', (error) => {
            rejectWrite(error);
            fail(error);
          });
          stream.on('close', () => {
            if (!stream.writableFinished) {
              rejectWrite(new Error(`Writing ${tempPath} was stopped.`));
            }
          });
        });
        // The rejection is handled through `fail` and `writes`, so this only keeps it from
        // counting as unhandled meanwhile.
        written.catch(() => undefined);
        writes.push(written);
        const first = Buffer.concat(memoryChunks, file.size);
        // A copy, so that the head does not keep the whole first megabyte in memory.
        file.head = Buffer.from(first.subarray(0, DETECTION_HEAD_BYTES));
        stream.write(first);
        memoryChunks = [];
      };

      stream.on('data', (chunk: Buffer) => {
        file.size += chunk.length;
        if (output === null) {
          memoryChunks.push(chunk);
          if (file.size <= MEMORY_PART_BYTES) {
            return;
          }
          spill();
          return;
        }
        if (!output.write(chunk)) {
          stream.pause();
          output.once('drain', () => stream.resume());
        }
      });
      stream.on('limit', () => {
        fail(
          new ApiError(
            413,
            'PAYLOAD_TOO_LARGE',
            `The file "${filename}" is larger than the per-file limit of ${options.maxFileSize} bytes; nothing was stored.`,
          ),
        );
      });
      stream.on('error', (error: Error) => {
        fail(badUserInput(`Malformed multipart body: ${error.message}.`));
      });
      stream.on('end', () => {
        sources.delete(stream);
        if (output === null) {
          file.bytes = Buffer.concat(memoryChunks, file.size);
          file.head = file.bytes;
          memoryChunks = [];
        } else {
          output.end();
        }
      });
    });

    parser.on('field', (field) => {
      fail(badUserInput(`Unexpected form field "${field}": the upload accepts only file parts named "${FILES_FIELD}".`));
    });
    parser.on('error', (error: Error) => {
      fail(badUserInput(`Malformed multipart body: ${error.message}.`));
    });
    parser.on('close', () => {
      if (failed) {
        return;
      }
      request.off('close', onClose);
      Promise.all(writes).then(
        () => resolve(files),
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });

    request.pipe(parser);
  });
}
