// The main-thread side of the sync worker: connects one Y.Doc to it. Local updates of the doc
// go to the worker (batched per tick, transferred); updates from elsewhere are applied with a
// non-local origin. No IndexedDB and no WebSocket are touched on this thread.
import * as Comlink from 'comlink';
import * as Y from 'yjs';
import type { TinysyncError } from '../core/index.js';
import { ClosedError, WorkerError, toError } from './errors.js';
import { mergeMany } from './merge.js';
import type { ClientSink, NetStatus, PeerState, SyncOptions, WorkerApi } from './protocol.js';
import { spawnSyncWorker } from './spawn.js';
import { readStashes, stashKey, writeStash } from './stash.js';

/** The largest stash (bytes of updates) written to localStorage when a page hides. */
const MAX_STASH_BYTES = 1 << 20;

/** Origin of the updates the client applies to the doc (they are not sent back). */
export const REMOTE_ORIGIN = 'remote';
/** Origin of the stored state applied when the client opens or is reset. */
export const LOAD_ORIGIN = 'load';

export interface SyncClientOptions {
  /** Keep an IndexedDB log (default true). */
  persist?: boolean;
  /** Server to sync with, or false (default). */
  sync?: SyncOptions | false;
  /** Starts the sync worker; for bundlers that do not handle `new URL(..., import.meta.url)`. */
  worker?: () => Worker;
  /** Compact the IndexedDB log past this many entries (default 500). */
  compactAfter?: number;
  /** Cap of the reconnect backoff in ms (default 2500). */
  maxBackoffMs?: number;
  /** Heartbeat: ping the worker this often (ms, default 5000); declare it dead after 3 missed. */
  heartbeatMs?: number;
  /** Test hook: the next N IndexedDB appends fail with a QuotaExceededError (then succeed). */
  failWrites?: number;
  /** Applies an incoming update to the doc; default `Y.applyUpdate(doc, u, 'remote')`. */
  apply?: (doc: Y.Doc, update: Uint8Array) => void;
}

/** The local changes the server never saw, dropped by `repair()`. */
export interface RepairReport {
  /** True when some local change was dropped. */
  lost: boolean;
  /** A Yjs update with the dropped items; apply it to a scratch `Y.Doc` to inspect them. */
  dropped: Uint8Array;
  inserts: Array<{ client: number; clock: number; length: number }>;
  deletes: Array<{ client: number; clock: number; length: number }>;
}

/** Awareness through the worker: this tab's state, the other peers' states, change events. */
export interface Presence {
  set(state: Record<string, unknown> | null): void;
  others(): PeerState[];
  onChange(cb: (peers: PeerState[]) => void): () => void;
}

type Listener<A> = (a: A) => void;

/**
 * Connects a Y.Doc to a sync worker for store `name`. `doc` should be empty: the stored state
 * is applied to it (origin `'load'`) before `open` resolves.
 *
 * @example
 * const doc = new Y.Doc();
 * const client = await SyncClient.open('todos', doc, { sync: { url: 'ws://localhost:1234/sync', token } });
 * doc.getMap('m').set('a', 1);
 * await client.synced();
 */
export class SyncClient {
  status: NetStatus = 'offline';
  /** Test hook: whether this tab's worker holds the WebSocket of this store name. */
  isLeader = false;
  private pending: Uint8Array[] = [];
  /** The worker answered `open` / was told to `start` (see `startWorker`). */
  private workerOpened = false;
  private workerStarted = false;
  /** Pushes sent to the worker and not yet reported durable (kept for the localStorage stash). */
  private inflight: Array<{ seq: number; updates: Uint8Array[] }> = [];
  private pushSeq = 0;
  /** Whether this tab's stash key holds something. */
  private stashed = false;
  private readonly stashKey: string;
  private applying = false;
  private scheduled = false;
  private held = 0;
  private closed = false;
  private deadError: TinysyncError | null = null;
  private rejectDead!: (e: unknown) => void;
  private readonly dead: Promise<never>;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private peers: PeerState[] = [];
  private unheard: TinysyncError[] = [];
  private readonly statusListeners = new Set<Listener<NetStatus>>();
  private readonly errorListeners = new Set<Listener<TinysyncError>>();
  private readonly resetListeners = new Set<Listener<Y.Doc>>();
  private readonly presenceListeners = new Set<Listener<PeerState[]>>();
  private readonly leaderListeners = new Set<Listener<boolean>>();
  private readonly remote: Comlink.Remote<WorkerApi>;

  /** Presence (awareness) of this store: other tabs and devices. */
  readonly presence: Presence = {
    set: (state) => void this.call(() => this.remote.presence(state)).catch(() => {}),
    others: () => this.peers,
    onChange: (cb) => this.listen(this.presenceListeners, cb),
  };

  private constructor(
    readonly name: string,
    public doc: Y.Doc,
    /** Test hook: the worker (e.g. `terminate()` it to simulate a crash). */
    readonly worker: Worker,
    private readonly opts: SyncClientOptions,
  ) {
    this.dead = new Promise<never>((_, reject) => (this.rejectDead = reject));
    this.dead.catch(() => {});
    this.remote = Comlink.wrap<WorkerApi>(worker);
    this.stashKey = stashKey(name, `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
    worker.addEventListener('error', this.onWorkerError);
    worker.addEventListener('messageerror', this.onWorkerError);
  }

  /** Starts a worker for `name`, loads the stored state into `doc`, and starts syncing. */
  static async open(name: string, doc: Y.Doc, opts: SyncClientOptions = {}): Promise<SyncClient> {
    const worker = (opts.worker ?? spawnSyncWorker)();
    const client = new SyncClient(name, doc, worker, opts);
    const sink: ClientSink = {
      update: (updates) => client.receive(updates),
      status: (s) => client.setStatus(s),
      error: (e) => client.emitError(toError(e, name)),
      presence: (p) => {
        client.peers = p;
        for (const cb of client.presenceListeners) cb(p);
      },
      reset: (state) => client.reset(new Uint8Array(state)),
      leader: (l) => {
        client.isLeader = l;
        for (const cb of client.leaderListeners) cb(l);
      },
      durable: (seq) => client.onDurable(seq),
    };
    // What earlier pages of this store stashed because it was not durable when they went away.
    const persist = opts.persist ?? true;
    const stash = persist ? readStashes(name) : { updates: [], drop: () => {} };
    const online = browserOnline();
    if (stash.updates.length > 0) client.inflight.push({ seq: 0, updates: stash.updates });
    try {
      const result = await client.call(() =>
        client.remote.open(
          {
            name,
            persist: opts.persist ?? true,
            sync: opts.sync ?? false,
            ...(opts.compactAfter !== undefined ? { compactAfter: opts.compactAfter } : {}),
            ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
            ...(opts.failWrites !== undefined ? { failWrites: opts.failWrites } : {}),
            online,
            ...(stash.updates.length > 0 ? { restore: stash.updates.map((u) => u.slice().buffer) } : {}),
          },
          Comlink.proxy(sink),
        ),
      );
      doc.transact(() => {
        for (const p of result.parts) Y.applyUpdate(doc, new Uint8Array(p), LOAD_ORIGIN);
        // A damaged stash entry would throw: the worker checks each one and reports it.
        for (const u of stash.updates) ignoreErrors(() => Y.applyUpdate(doc, u, LOAD_ORIGIN));
      }, LOAD_ORIGIN);
      client.status = result.status;
      // The worker applies its own copy after this thread has loaded (and the caller, in this
      // task, has built on it), so the two do not compete for a core; the first call or push
      // starts it sooner.
      client.workerOpened = true;
      nextTask(() => client.startWorker());
      // The worker holds them now (and this client until they are durable): the keys can go.
      stash.drop();
    } catch (err) {
      client.shutdown();
      throw err;
    }
    client.attach(doc);
    client.startHeartbeat();
    const g = globalThis as { addEventListener?: (t: string, f: () => void) => void };
    g.addEventListener?.('pagehide', client.onPageHide);
    g.addEventListener?.('visibilitychange', client.onVisibility);
    g.addEventListener?.('online', client.onBrowserOnline);
    g.addEventListener?.('offline', client.onBrowserOnline);
    // The browser may have gone offline or online while the worker was opening.
    if (browserOnline() !== online) client.onBrowserOnline();
    return client;
  }

  onStatus(cb: Listener<NetStatus>): () => void {
    return this.listen(this.statusListeners, cb);
  }

  /**
   * Typed errors: storage (quota, blocked), auth refusals, a dead worker. Errors raised while
   * nobody listened (e.g. while loading) are kept (the last 20) and handed to the first listener.
   */
  onError(cb: Listener<TinysyncError>): () => void {
    const unheard = this.unheard;
    this.unheard = [];
    for (const err of unheard) cb(err);
    return this.listen(this.errorListeners, cb);
  }

  /** The doc was replaced (after `repair()`, here or in another tab): rebind to the new one. */
  onReset(cb: Listener<Y.Doc>): () => void {
    return this.listen(this.resetListeners, cb);
  }

  /** Test hook: called when this tab's worker becomes the network leader. */
  onLeader(cb: Listener<boolean>): () => void {
    return this.listen(this.leaderListeners, cb);
  }

  /** Resolves when every change so far (not held) is durable in IndexedDB. */
  async flushed(): Promise<void> {
    this.send();
    const seq = this.pushSeq;
    await this.call(() => this.remote.flushed());
    this.onDurable(seq);
  }

  /** Resolves when the server holds every change so far (not held). */
  async synced(): Promise<void> {
    this.send();
    await this.call(() => this.remote.synced());
  }

  /**
   * Takes the store offline on purpose (`false`: the socket is closed, changes are kept and
   * persisted locally) or back online (`true`: reconnects at once, unless the browser itself is
   * offline). It holds for every tab of this store in this browser profile, which share one
   * connection. Without `sync` it does nothing.
   */
  setOnline(online: boolean): void {
    void this.call(async () => this.remote.setOnline(online, 'app')).catch(() => {});
  }

  /** Suspends persisting and sending local changes; they are kept. Nests. */
  hold(): void {
    this.held++;
  }

  /** Ends a `hold()`; the changes kept meanwhile go out as one batch. */
  unhold(): void {
    if (this.held === 0) return;
    this.held--;
    if (this.held === 0) this.send();
  }

  /**
   * Runs `fn` holding the exclusive cross-tab lock `name` (Web Locks). Inside, the doc has
   * every change the previous holder made; before the lock is released, this tab's changes
   * are durable, so the next holder sees them.
   */
  async lock<R>(name: string, fn: () => Promise<R> | R): Promise<R> {
    this.send();
    const sv = Y.encodeStateVector(this.doc);
    const svBuf = sv.slice().buffer;
    const { ticket, update } = await this.call(() => this.remote.lockAcquire(name, Comlink.transfer(svBuf, [svBuf])));
    try {
      this.applyRemote(new Uint8Array(update));
      return await fn();
    } finally {
      this.send(true);
      await this.call(() => this.remote.lockRelease(ticket));
    }
  }

  /**
   * Replaces the local state with the server's (fetched over HTTP), rebuilding the doc (see
   * `onReset`), and reports the local changes the server never saw.
   */
  async repair(): Promise<RepairReport> {
    this.send(true);
    const info = await this.call(() => this.remote.repair());
    this.reset(new Uint8Array(info.state));
    return {
      lost: info.inserts.length > 0 || info.deletes.length > 0,
      dropped: new Uint8Array(info.dropped),
      inserts: info.inserts,
      deletes: info.deletes,
    };
  }

  /** Sends every pending change (held ones too), closes the worker's log and socket, ends it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.send(true);
    try {
      const durable = await Promise.race([this.call(() => this.remote.close()), new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      this.onDurable(durable);
    } catch {
      // a dead worker has nothing left to close
    }
    // Whatever did not become durable waits in localStorage for the next open.
    this.stash();
    this.shutdown();
  }

  private attach(doc: Y.Doc): void {
    this.doc = doc;
    doc.on('update', this.onLocalUpdate);
  }

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown) => {
    if (this.applying || origin === REMOTE_ORIGIN || origin === LOAD_ORIGIN || this.closed) return;
    this.pending.push(update);
    if (this.scheduled) return;
    this.scheduled = true;
    // Everything changed in one tick crosses in one message and lands in one transaction.
    queueMicrotask(() => {
      this.scheduled = false;
      this.send();
    });
  };

  /** Posts pending local updates to the worker, unless held (or `force`). */
  private send(force = false): void {
    if (this.pending.length === 0 || (this.held > 0 && !force) || this.closed || this.deadError) return;
    const batch = this.pending;
    this.pending = [];
    this.startWorker();
    const seq = ++this.pushSeq;
    if (this.opts.persist ?? true) this.inflight.push({ seq, updates: batch });
    // Not merged here: the worker applies the batch in one transaction, which yields one merged
    // update. Copies cross (transferred): `batch` stays here until it is durable.
    const buffers = batch.map((u) => u.slice().buffer);
    void this.remote.push(Comlink.transfer(buffers, buffers), seq).catch(() => {});
  }

  /** Every push up to `seq` is in IndexedDB: forget it, and clear the stash once nothing is left. */
  private onDurable(seq: number): void {
    let n = 0;
    while (n < this.inflight.length && this.inflight[n]!.seq <= seq) n++;
    if (n > 0) this.inflight.splice(0, n);
    if (this.stashed && this.inflight.length === 0 && this.pending.length === 0) this.stashed = writeStash(this.stashKey, null);
  }

  /**
   * Writes every change not known to be durable (sent or still held) synchronously to
   * localStorage, for the next open of the store to apply (see stash.ts); removes the stash
   * when there is none.
   */
  private stash(): void {
    if (!(this.opts.persist ?? true)) return;
    const updates = this.inflight.flatMap((e) => e.updates).concat(this.pending);
    let bytes = 0;
    for (const u of updates) bytes += u.length;
    // Past the cap, encoding would hold up the page and overflow localStorage's few MB anyway.
    if (updates.length > 0 && bytes <= MAX_STASH_BYTES) this.stashed = writeStash(this.stashKey, mergeMany(updates));
    else if (this.stashed) this.stashed = writeStash(this.stashKey, null);
  }

  private receive(updates: ArrayBuffer[]): void {
    if (this.closed) return;
    for (const u of updates) this.applyRemote(new Uint8Array(u));
  }

  private applyRemote(update: Uint8Array): void {
    // Whatever origin `apply` uses, what it triggers is not a local change.
    this.applying = true;
    try {
      if (this.opts.apply) this.opts.apply(this.doc, update);
      else Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
    } catch (err) {
      this.emitError(toError({ code: 'E_UPDATE', message: `tinysync: an update for "${this.name}" could not be applied: ${String(err)}` }, this.name));
    } finally {
      this.applying = false;
    }
  }

  private reset(state: Uint8Array): void {
    if (this.closed) return;
    this.doc.off('update', this.onLocalUpdate);
    this.pending = [];
    // The log was replaced: what this tab had not persisted is dropped, not to be restored.
    this.inflight = [];
    if (this.stashed) this.stashed = writeStash(this.stashKey, null);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state, LOAD_ORIGIN);
    this.attach(doc);
    for (const cb of this.resetListeners) cb(doc);
  }

  private setStatus(s: NetStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const cb of this.statusListeners) cb(s);
  }

  private emitError(err: TinysyncError): void {
    if (this.errorListeners.size === 0) {
      console.warn(err);
      this.unheard = [...this.unheard.slice(-19), err];
    }
    for (const cb of this.errorListeners) cb(err);
  }

  /** Has the worker apply the loaded state and join the tabs (see `WorkerApi.start`); once. */
  private startWorker(): void {
    if (!this.workerOpened || this.workerStarted || this.closed || this.deadError) return;
    this.workerStarted = true;
    void this.remote.start().catch(() => {});
  }

  /** Runs a worker call, failing it if the worker dies or the client is closed meanwhile. */
  private async call<R>(fn: () => Promise<R>): Promise<R> {
    if (this.closed) throw new ClosedError(this.name);
    if (this.deadError) throw this.deadError;
    // Calls made before the deferred start must find the worker started (messages keep order).
    this.startWorker();
    try {
      return await Promise.race([fn(), this.dead]);
    } catch (err) {
      throw err instanceof Error && !(err instanceof WorkerError) && /^E_[A-Z_]+$/.test(err.name) ? toError({ code: err.name, message: err.message }, this.name) : err;
    }
  }

  private readonly onWorkerError = (event: Event) => {
    // Handled here: keep it from surfacing again as an uncaught page error.
    event.preventDefault();
    const detail = event instanceof ErrorEvent ? event.message : event.type;
    this.die(new WorkerError(`failed (${detail || 'could not load the worker script'})`, this.name));
  };

  private die(err: WorkerError): void {
    if (this.deadError || this.closed) return;
    this.deadError = err;
    this.rejectDead(err);
    this.setStatus('offline');
    this.emitError(err);
    this.stopHeartbeat();
    this.worker.terminate();
  }

  /**
   * Pings the worker every `heartbeatMs`; three pings in a row without an answer mean it is
   * dead. Counting pings (not wall time) keeps a busy main thread, whose timers do not fire,
   * from mistaking its own stall for the worker's.
   */
  private startHeartbeat(): void {
    const every = this.opts.heartbeatMs ?? 5000;
    let unanswered = 0;
    this.heartbeat = setInterval(() => {
      if (unanswered >= 3) {
        this.die(new WorkerError(`stopped answering (3 heartbeats of ${every} ms missed)`, this.name));
        return;
      }
      unanswered++;
      void this.remote.ping().then(() => (unanswered = 0), () => {});
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private readonly onPageHide = () => {
    this.send(true);
    // The worker may be ended with the page before its IndexedDB write commits.
    this.stash();
  };

  /** `online` / `offline` events: the socket of a stalled network may not notice for 30 s. */
  private readonly onBrowserOnline = () => {
    void this.call(async () => this.remote.setOnline(browserOnline(), 'browser')).catch(() => {});
  };

  private readonly onVisibility = () => {
    if ((globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== 'hidden') return;
    this.send();
    // A hidden page may be discarded without a pagehide.
    this.stash();
  };

  private shutdown(): void {
    this.closed = true;
    this.stopHeartbeat();
    this.doc.off('update', this.onLocalUpdate);
    const g = globalThis as { removeEventListener?: (t: string, f: () => void) => void };
    g.removeEventListener?.('pagehide', this.onPageHide);
    g.removeEventListener?.('visibilitychange', this.onVisibility);
    g.removeEventListener?.('online', this.onBrowserOnline);
    g.removeEventListener?.('offline', this.onBrowserOnline);
    this.worker.removeEventListener('error', this.onWorkerError);
    this.worker.removeEventListener('messageerror', this.onWorkerError);
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
    this.rejectDead(new ClosedError(this.name));
  }

  private listen<A>(set: Set<Listener<A>>, cb: Listener<A>): () => void {
    set.add(cb);
    return () => set.delete(cb);
  }
}

/** Runs `fn` in a task of its own soon (a message, which background tabs do not throttle as they do timers). */
function nextTask(fn: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    fn();
  };
  channel.port2.postMessage(null);
}

function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // see the caller
  }
}

/** `navigator.onLine` where there is one (true elsewhere). */
function browserOnline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine ?? true;
}
