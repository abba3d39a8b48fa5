// Options of createSyncServer() and their defaults.
import type { Logger } from './log.js';
import type { Persistence } from './persistence.js';

/** Sizes and counts the server enforces. */
export interface Limits {
  /** Largest accepted WebSocket frame; a larger one closes that client with 1009. Default 1 MiB. */
  maxMessageBytes: number;
  /** Open sync connections in total; more are refused at the upgrade with 503. Default 10,000. */
  maxConnections: number;
  /** Open sync connections on one document; more are refused at the upgrade with 503. Default 1,000. */
  maxConnectionsPerDoc: number;
  /**
   * Most bytes of updates a document holds aside while their history is missing; an update that
   * would pass it is refused (1007) before it is applied. Kept small because Yjs retries what
   * waits on later updates, with work that grows faster than its size. Default 16 KiB.
   */
  maxPendingBytes: number;
}

/** Options of {@link createSyncServer}. Every field is optional. */
export interface SyncServerOptions {
  /** Interface to listen on. Default `127.0.0.1`; use `0.0.0.0` to accept other machines. */
  host?: string;
  /** Port; `0` picks a free one (read it from the returned server). Default 1234. */
  port?: number;
  /** Folder of the SQLite database. Default `./data`. Ignored when `persistence` is given. */
  dataDir?: string;
  /** Another storage backend (see the Persistence interface). Default: SQLite in `dataDir`. */
  persistence?: Persistence;
  /**
   * HS256 secret (≥ 32 characters) that signs access tokens. Without it the server runs
   * open: anyone may read and write every document (logged loudly at start).
   */
  secret?: string;
  /** Enables `POST /register`: a request bearing this key gets a fresh token. */
  adminKey?: string;
  /** Folder served at `/` (e.g. the built demo), with SPA fallback to index.html. */
  static?: string;
  limits?: Partial<Limits>;
  /** Receives one structured record per event. Default: JSON lines on stdout. */
  logger?: Logger;
  /** How long a document stays in memory after its last client left. Default 30 s. */
  idleUnloadMs?: number;
  /** Compact a document's stored log once it holds this many updates. Default 500. */
  compactAfterUpdates?: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerDoc: 1_000,
  maxPendingBytes: 16 * 1024,
};
