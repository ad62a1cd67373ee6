export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator';
export { EmulatorAdmin, AdminError } from './admin';
export { DataFolderInUseError, LOCK_FILE } from './store/data-lock';
export type { EmulatorConfig } from './config';
export type { FaultKind, FaultSpec, ActiveFault } from './faults';
export type { RouteName } from './context';
export type { RequestLogEntry } from './server';
export type { AccessLevel } from './store/records';
