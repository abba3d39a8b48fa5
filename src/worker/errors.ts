// Errors of the browser runtime. They cross the worker boundary as plain `{ code, message }`
// records (structured clone drops class identity) and are rebuilt here on the main thread.
import { TinysyncError } from '../core/index.js';
import type { ErrorInfo } from './protocol.js';

/** The sync worker died, could not start, or stopped answering; pending calls fail with it. */
export class WorkerError extends TinysyncError {
  override name = 'WorkerError';
  constructor(message: string, name: string, options?: { cause?: unknown }) {
    super('E_WORKER', `tinysync: sync worker of "${name}": ${message}`, [name], options);
  }
}

/** The store was closed; calls made after `close()` fail with this. */
export class ClosedError extends TinysyncError {
  override name = 'ClosedError';
  constructor(name: string) {
    super('E_CLOSED', `tinysync: store "${name}" is closed`, [name]);
  }
}

/**
 * IndexedDB could not be used: `E_QUOTA` (quota exceeded), `E_STORAGE_BLOCKED` (the open was
 * blocked by another connection) or `E_STORAGE` (any other failure). The in-memory store keeps
 * working and the write is retried.
 */
export class StorageError extends TinysyncError {
  override name = 'StorageError';
}

/**
 * The server refused this client: `E_AUTH` (HTTP 401/403 at the upgrade, close code 4001 token
 * expired, 4003 read-only token wrote, or 44xx). Not retried until the store is reopened.
 */
export class AuthError extends TinysyncError {
  override name = 'AuthError';
}

/** The server could not be reached or answered badly (e.g. `repair()`'s HTTP fetch failed). */
export class NetworkError extends TinysyncError {
  override name = 'NetworkError';
}

/** Rebuilds a typed error from the `{ code, message }` record the worker sent. */
export function toError(info: ErrorInfo, name: string): TinysyncError {
  const path = [name];
  if (info.code === 'E_WORKER') return new WorkerError(info.message, name);
  if (info.code === 'E_CLOSED') return new ClosedError(name);
  if (info.code.startsWith('E_AUTH')) return new AuthError(info.code, info.message, path);
  if (info.code === 'E_QUOTA' || info.code.startsWith('E_STORAGE')) return new StorageError(info.code, info.message, path);
  if (info.code.startsWith('E_NET')) return new NetworkError(info.code, info.message, path);
  return new TinysyncError(info.code, info.message, path);
}
