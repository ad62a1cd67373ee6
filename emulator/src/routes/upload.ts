import { rm } from 'node:fs/promises';
import { ApiError, badUserInput } from '../api-error';
import { requireLibrary, type RouteDefinition } from '../context';
import { MAX_UPLOAD_FILES } from '../limits';
import { DETECTION_HEAD_BYTES, detectType, type DetectedType } from '../media/detect';
import { readDimensions } from '../media/dimensions';
import { generateAssetId } from '../random';
import { toApiAsset } from '../serialize';
import type { AssetRecord } from '../store/records';
import { FILES_FIELD, receiveFiles, type ReceivedFile } from '../upload/multipart';
import { assetNameFromFilename } from '../validation';

/** Checks every received file before any is stored, so one bad file fails the whole batch. */
function validateFiles(files: ReceivedFile[]): DetectedType[] {
  if (files.length === 0) {
    throw new ApiError(400, 'UPLOAD_ERROR_NO_FILES', `No files were uploaded; send one part named "${FILES_FIELD}" per file.`);
  }
  return files.map((file) => {
    if (file.size === 0) {
      throw badUserInput(`The file "${file.filename}" is empty; nothing was stored.`);
    }
    // Only the first bytes count, whether the file was kept in memory or written to disk.
    const type = detectType(file.head.subarray(0, DETECTION_HEAD_BYTES));
    if (type === null) {
      throw badUserInput(
        `The file "${file.filename}" is not a supported type (JPEG, PNG, GIF, WebP, AVIF, HEIC, HEIF, TIFF, BMP, SVG, MP4, QuickTime or WebM); nothing was stored.`,
      );
    }
    return type;
  });
}

export const uploadRoutes: RouteDefinition[] = [
  {
    name: 'upload',
    method: 'POST',
    segments: ['organizations', ':organizationId', 'libraries', ':libraryId', 'assets'],
    access: 'library-write',
    async handle(context) {
      const library = requireLibrary(context);
      const { services } = context;
      const { persistence, store } = services;

      const files = await receiveFiles(context.request, {
        maxFileSize: services.config.maxFileSize,
        maxFiles: MAX_UPLOAD_FILES,
        nextTempPath: () => persistence.tempPath(),
      });

      const ids = files.map(() => generateAssetId());
      const assets: AssetRecord[] = [];
      try {
        const types = validateFiles(files);
        const dimensions = await Promise.all(
          files.map((file, index) => readDimensions({ path: file.tempPath, size: file.size, head: file.head }, types[index]?.contentType ?? '')),
        );
        // Every store settles before a failure is raised, so the cleanup below runs after the last one.
        const stored = await Promise.allSettled(files.map((file, index) => persistence.storeBlob(file, ids[index] ?? '')));
        const storeFailure = stored.find((result) => result.status === 'rejected');
        if (storeFailure !== undefined) {
          throw storeFailure.reason;
        }
        await persistence.syncFiles();

        // Timestamps are taken in part order, so the last part is the newest asset.
        for (const [index, file] of files.entries()) {
          const type = types[index];
          const id = ids[index];
          if (type === undefined || id === undefined) {
            continue;
          }
          const storedAt = services.now();
          const created = store.nextCreated(storedAt);
          assets.push({
            id,
            storedAt,
            organizationId: library.organizationId,
            libraryId: library.id,
            name: assetNameFromFilename(file.filename),
            description: null,
            contentType: type.contentType,
            extension: type.extension,
            size: file.size,
            width: dimensions[index]?.width ?? null,
            height: dimensions[index]?.height ?? null,
            created,
            updated: created,
            tags: [],
            trashed: false,
          });
        }
      } catch (error) {
        await Promise.allSettled(files.map((file) => (file.tempPath === null ? undefined : rm(file.tempPath, { force: true }))));
        await Promise.allSettled(ids.map((id) => persistence.removeBlob(id)));
        throw error;
      }

      for (const asset of assets) {
        store.assets.set(asset.id, asset);
      }
      await persistence.save();

      return {
        status: 200,
        data: {
          responseText: `Uploaded ${assets.length} ${assets.length === 1 ? 'asset' : 'assets'}`,
          assets: assets.map((asset) => toApiAsset(asset, services)),
        },
      };
    },
  },
];
