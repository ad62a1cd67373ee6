/** Node-only parts of the toolkit: the undici transport and a timer-backed sleep. */

export {
  TOOLKIT_USER_AGENT,
  createUndiciTransport,
  sleep,
  type UndiciTransport,
  type UndiciTransportOptions,
} from './undici-transport';
export { FILE_FIELD_NAME, createMultipartBody, type MultipartBody } from './multipart';
export { enableUploadChunkCollection } from './collect-garbage';
export { syncFolder, defaultSyncId } from './sync';
export { scanFolder, DEFAULT_MAX_FILE_SIZE, type ScanOptions, type ScanResult } from './scan';
export { discoverFiles, type DiscoverOptions, type DiscoveredFile, type DiscoveryResult } from './discover';
export { FileJournal, defaultJournalDir, journalFileFor } from './journal';
export { patternProblem, unmatchedPatterns } from './patterns';
export { isInside } from './file-system';
