/**
 * Limits and constants of the Raster REST API. Values marked "Decision" are this project's
 * reading of what the public documentation leaves open. They live here, so one edit follows the
 * service when it publishes the real value.
 */

/** Default base URL of the service. */
export const DEFAULT_BASE_URL = 'https://api.raster.app';

/** Sent as `Api-Version` on every request; the path carries no version. */
export const API_VERSION = '2026-05-20';

/** Maximum files in one upload request; more gives 400 `MAX_ASSETS_EXCEEDED`. */
export const MAX_FILES_PER_UPLOAD = 20;

/** Maximum asset ids in one delete, tag, untag or transfer request. */
export const MAX_IDS_PER_REQUEST = 100;

/** Maximum tags in one tag or untag request. */
export const MAX_TAGS_PER_REQUEST = 20;

/** Maximum tags in the `tags` filter of an asset listing; more gives 400 `BAD_USER_INPUT`. */
export const MAX_TAG_FILTERS = 5;

/** Decision: default and maximum `pageSize` of paginated listings. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Decision: default and maximum `limit` of the tag listing. */
export const DEFAULT_TAG_LIMIT = 100;
export const MAX_TAG_LIMIT = 1000;

/** Decision: maximum size of one uploaded file (100 MiB); the real limit is unpublished. */
export const MAX_FILE_SIZE = 100 * 1024 * 1024;

/**
 * Default byte budget of one upload request built by `batchFileParts`. A client-side choice,
 * not an API limit: it bounds how much a failed request has to send again.
 */
export const DEFAULT_UPLOAD_BATCH_BYTES = 64 * 1024 * 1024;

/**
 * Decision: organization and library slugs.
 * NOTE: the service publishes no slug rule. This is the rule for new library slugs, and the
 * client applies it to organization ids too, so an unusual existing slug would be rejected.
 */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Decision: library names are 1 to 100 characters. */
export const MAX_LIBRARY_NAME_LENGTH = 100;

/** Decision: a tag is 1 to 100 characters after trimming. */
export const MAX_TAG_LENGTH = 100;

/** Tags the service reserves; tagging with them gives 400 `BAD_USER_INPUT`. */
export const RESERVED_TAGS: readonly string[] = ['index', 'trash'];

/** Decision: maximum length of an asset description. */
export const MAX_DESCRIPTION_LENGTH = 5000;
