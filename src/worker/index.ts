// tinysync/browser — the browser runtime: stores synced through a Web Worker.
export { SyncClient, REMOTE_ORIGIN, LOAD_ORIGIN, type SyncClientOptions, type RepairReport, type Presence } from './client.js';
export { AuthError, ClosedError, NetworkError, StorageError, WorkerError } from './errors.js';
export type { NetStatus, PeerState, SyncOptions } from './protocol.js';
export { spawnSyncWorker } from './spawn.js';
export { createStore, type Store, type StoreOptions, type StoreRepairReport, type StoreStatus } from './store.js';
export { credentialsFor, forgetRegistration, isRegistered, register, type CredentialStorage, type Credentials, type RegisterOptions } from './registration.js';
export { PermissionError } from '../core/index.js';
