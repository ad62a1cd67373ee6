export type * from './api/types';
export type * from './sync/types';
export { canonicalRelativePath } from './sync/paths';
export { ownerTagFor, fingerprintFor, fingerprintTagFor, tagProblem } from './sync/tags';
export { planSync, type LocalFile, type PlanInput, type PlanResult } from './sync/plan';
export { checkGuards, deletionLimit, DEFAULT_DELETION_FLOOR, DEFAULT_DELETION_PERCENT } from './sync/guards';
export { detectMediaType } from './sync/media-type';
