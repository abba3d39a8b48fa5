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
   * Open sync connections holding the same token (over all its documents); more are refused at
   * the upgrade with 429, so one leaked or shared token cannot fill a document. Only with a
   * secret (an open server has no tokens). Default 100.
   */
  maxConnectionsPerToken: number;
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
  /**
   * Without a secret, WebSocket upgrades that carry an `Origin` header (browsers always send
   * one) are accepted only from the server's own address and port (127.0.0.1, localhost, [::1],
   * its interfaces) and from these origins (`http://localhost:5173`), or from any with `*`.
   * Clients that send no Origin (Node, native apps) are not affected. Ignored with a secret:
   * tokens decide then.
   */
  allowedOrigins?: string[];
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
  maxConnectionsPerToken: 100,
};
