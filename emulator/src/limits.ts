/**
 * Limits and values of the Raster API that the emulator enforces. The documentation leaves most
 * of them open, so these are this project's decisions, kept in one place to change together.
 */

/** The only `Api-Version` value the API accepts. */
export const API_VERSION = '2026-05-20';

export const MAX_UPLOAD_FILES = 20;
/** Per-file upload limit in bytes unless configured: 100 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;
/** Largest JSON request body in bytes: 1 MiB. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Ids per delete, tag, untag and transfer call. */
export const MAX_IDS_PER_CALL = 100;
export const MAX_TAGS_PER_CALL = 20;
export const MAX_FILTER_TAGS = 5;
export const MAX_TAG_LENGTH = 100;
export const RESERVED_TAGS = ['index', 'trash'];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_TAG_LIMIT = 100;
export const MAX_TAG_LIMIT = 1000;

export const MAX_DESCRIPTION_LENGTH = 5000;
export const MAX_LIBRARY_NAME_LENGTH = 100;
export const LIBRARY_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const MAX_UNCLAIMED_LIBRARIES_PER_EMAIL = 3;
/** An anonymous library lives this long unless claimed: 30 days. */
export const ANONYMOUS_LIBRARY_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
