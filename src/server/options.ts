// Options of createSyncServer() and their defaults.
import { OptionError } from './errors.js';
import type { PoolConfig } from 'pg';
import type { Authenticate } from './authenticate.js';
import type { Logger } from './log.js';
import type { Persistence } from './persistence.js';

// Awareness and traffic limits (issue 11: presence belongs to its connection; backpressure).

/** What one connection may put into a document's awareness (presence). */
export interface AwarenessLimits {
  /** Awareness client ids one connection may own (a tab leader relays its other tabs). Default 16. */
  maxAwarenessIds: number;
  /** Bytes of JSON all states owned by one connection may hold together. Default 32 KiB. */
  maxAwarenessBytes: number;
  /** Largest awareness payload accepted from a client; joins are sent in frames of at most this. Default 64 KiB. */
  maxAwarenessFrameBytes: number;
}

/** How much a connection may make the server send. */
export interface TrafficLimits {
  /** Bytes waiting to be sent to one client (beyond its largest pending frame) before it is closed with 4008. Default 8 MiB. */
  maxBufferedBytes: number;
  /** Sync step 1 and query-awareness requests answered per second and connection, after the burst. Default 5. */
  syncRequestsPerSecond: number;
  /** Requests answered at once; as many more wait their turn, and one beyond those closes the client with 4029. Default 20. */
  syncRequestBurst: number;
}

const DEFAULT_AWARENESS_LIMITS: AwarenessLimits = {
  maxAwarenessIds: 16,
  maxAwarenessBytes: 32 * 1024,
  maxAwarenessFrameBytes: 64 * 1024,
};

const DEFAULT_TRAFFIC_LIMITS: TrafficLimits = {
  maxBufferedBytes: 8 * 1024 * 1024,
  syncRequestsPerSecond: 5,
  syncRequestBurst: 20,
};

/**
 * Throws OptionError when an awareness or traffic limit is not a positive number, or when one
 * connection's states could not fit in one awareness frame (a newcomer must be able to receive,
 * and a y-websocket client to echo back, every state).
 */
export function checkTrafficLimits(limits: AwarenessLimits & TrafficLimits): void {
  const keys = ['maxAwarenessIds', 'maxAwarenessBytes', 'maxAwarenessFrameBytes', 'maxBufferedBytes', 'syncRequestsPerSecond', 'syncRequestBurst'] as const;
  for (const key of keys) {
    const value = limits[key];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new OptionError(`limits.${key}`, `expected a positive number, got ${String(value)}`);
  }
  if (limits.maxAwarenessBytes + 64 > limits.maxAwarenessFrameBytes) {
    throw new OptionError('limits.maxAwarenessBytes', `must be at most maxAwarenessFrameBytes - 64 (${limits.maxAwarenessFrameBytes - 64})`);
  }
}

/** Sizes and counts the server enforces. */
export interface Limits extends AwarenessLimits, TrafficLimits {
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
   * Store documents in PostgreSQL (`postgres://user:pass@host:5432/db`, or a `pg` pool config)
   * instead of SQLite, so several instances share them. Needs the `pg` package installed.
   */
  postgres?: string | PoolConfig;
  /**
   * Distribute updates and presence to the other instances through Redis
   * (`redis://host:6379`). Needs `postgres` (the instances must share their storage) and the
   * `ioredis` package.
   */
  redis?: string;
  /** This instance's name in `/health` and logs. Default: a random UUID per start. */
  instanceId?: string;
  /**
   * Decide access from the request (your app's session cookie or header) instead of tokens:
   * return `{ doc | prefix, right, sub? }`, or null for 401. Checked at every WebSocket upgrade
   * and `/docs` read; browsers' Origin is then checked as on an open server (`allowedOrigins`).
   */
  authenticate?: Authenticate;
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
  ...DEFAULT_AWARENESS_LIMITS,
  ...DEFAULT_TRAFFIC_LIMITS,
  maxMessageBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerDoc: 1_000,
  maxConnectionsPerToken: 100,
  maxPendingBytes: 16 * 1024,
};
