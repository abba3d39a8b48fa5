// Every message and call that crosses the main thread ⇄ sync worker boundary. The worker
// exposes `WorkerApi` through comlink; the main thread hands it a `ClientSink` proxy for the
// events flowing back. Yjs updates travel as transferred ArrayBuffers (zero copy).

/** Network state of a store: `offline` (no server, or not connected), `connecting`, `synced`. */
export type NetStatus = 'offline' | 'connecting' | 'synced';

/** An error as it crosses the boundary; the main thread turns it back into a typed error. */
export interface ErrorInfo {
  code: string;
  message: string;
}

/** One other peer's awareness state (another tab or another device). */
export interface PeerState {
  clientId: number;
  state: Record<string, unknown>;
}

/** Where and how a store syncs with a server. */
export interface SyncOptions {
  /** The server's sync base, e.g. `ws://localhost:1234/sync`; the socket goes to `<url>/<name>`. */
  url: string;
  token?: string;
}

/** What the main thread asks the worker to open. */
export interface OpenOptions {
  name: string;
  persist: boolean;
  sync: SyncOptions | false;
  /** Merge the IndexedDB log into one snapshot record once it holds this many entries. */
  compactAfter?: number;
  /** Cap of the reconnect backoff in ms (y-websocket's `maxBackoffTime`). */
  maxBackoffMs?: number;
  /** Test hook: the next N log appends fail with a QuotaExceededError. */
  failWrites?: number;
  /** `navigator.onLine` on the main thread when it opened (default true). */
  online?: boolean;
  /**
   * Local updates that a previous page stashed in localStorage because they were not known to
   * be durable when it went away: applied and persisted as this tab's own; `durable(0)` tells
   * when they are.
   */
  restore?: ArrayBuffer[];
}

/**
 * The worker's answer to `open`: the stored updates (snapshot first, then log entries; the main
 * thread applies them in order) and the network status so far.
 */
export interface OpenResult {
  parts: ArrayBuffer[];
  status: NetStatus;
}

/** What `repair()` found: the local changes the server never saw, before they were dropped. */
export interface RepairInfo {
  /** A Yjs update holding every item the server lacked (apply it to a doc to look at them). */
  dropped: ArrayBuffer;
  /** Items (client, first clock, length) the server never received. */
  inserts: Array<{ client: number; clock: number; length: number }>;
  /** Deletions the server never received. */
  deletes: Array<{ client: number; clock: number; length: number }>;
  /** The server's whole state, which is now the local state. */
  state: ArrayBuffer;
}

/** Events from the worker to the main thread. */
export interface ClientSink {
  /** Updates that came from elsewhere (other tabs, the server, the log); apply as non-local. */
  update(updates: ArrayBuffer[]): void;
  status(status: NetStatus): void;
  error(error: ErrorInfo): void;
  presence(peers: PeerState[]): void;
  /** The whole state was replaced (a `repair()` here or in another tab): rebuild from it. */
  reset(state: ArrayBuffer): void;
  /** Test hook: whether this worker holds the network leadership of its store name. */
  leader(isLeader: boolean): void;
  /** Every update pushed up to `push(…, seq)` (0: the restored ones) is in IndexedDB. */
  durable(seq: number): void;
}

/** The worker's face, driven by the main thread through comlink. */
export interface WorkerApi {
  /** Reads the stored state and returns it; the worker applies it itself in `start()`. */
  open(opts: OpenOptions, sink: ClientSink): Promise<OpenResult>;
  /** Applies the stored state in the worker and joins the other tabs (and the election). */
  start(): void;
  /** Local updates of the main doc, in order; `seq` numbers the pushes (1, 2, …) for `durable`. */
  push(updates: ArrayBuffer[], seq: number): void;
  /** Resolves when every update pushed so far is in IndexedDB. */
  flushed(): Promise<void>;
  /** Resolves when the server holds every update pushed so far. */
  synced(): Promise<void>;
  /**
   * Takes the cross-tab lock `name`, catches up with what the previous holder wrote, and
   * returns a ticket plus what the main doc (state vector `mainSv`) lacks.
   */
  lockAcquire(name: string, mainSv: ArrayBuffer): Promise<{ ticket: number; update: ArrayBuffer }>;
  /** Makes this tab's changes durable and visible, then releases the lock of `ticket`. */
  lockRelease(ticket: number): Promise<void>;
  repair(): Promise<RepairInfo>;
  /** Sets (or with null clears) this tab's awareness state. */
  presence(state: Record<string, unknown> | null): void;
  /**
   * Offline / back online: `browser` for this tab's `offline`/`online` events, `app` for
   * `setOnline()` (which holds for every tab of the store).
   */
  setOnline(online: boolean, source: 'browser' | 'app'): void;
  ping(): number;
  /** Flushes (best effort), then closes; resolves with the last push seq that is durable (-1: none known). */
  close(): Promise<number>;
}
