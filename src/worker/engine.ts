// The sync worker's core, free of comlink so Node tests can run it in-process: a replica of
// the main thread's Y.Doc wired to the IndexedDB log, the other tabs and (in the leader) the
// server.
import * as Y from 'yjs';
import { holdLock, tryLockWith, webLocks, type LockManagerLike } from './locks.js';
import { UpdateLog } from './log.js';
import { mergeMany } from './merge.js';
import { Network, snapshotRequest } from './network.js';
import { Presence } from './presence.js';
import type { ClientSink, ErrorInfo, NetStatus, OpenOptions, PeerState } from './protocol.js';
import { droppedChanges, type Dropped } from './repair.js';
import { coverStateVector, mergeStateVectors } from './state-vectors.js';
import { TabLifetimes } from './tab-lifetimes.js';
import { Tabs, type TabMessage } from './tabs.js';

/** Update origins inside the worker's doc. */
const FROM_MAIN = Symbol('tinysync:main');
const FROM_TAB = Symbol('tinysync:tab');
const FROM_LOG = Symbol('tinysync:log');

/** What the engine needs from its runtime; Node tests pass stand-ins. */
export interface EngineDeps {
  locks?: LockManagerLike | undefined;
  /** WebSocket class where there is no global one (Node). */
  WebSocket?: unknown;
}

/** Updates smaller than this hold nothing (an empty Yjs update is 2 bytes). */
const EMPTY_UPDATE = 2;

/** What `open()` returns inside the worker: the stored updates (snapshot first) and the status. */
export interface EngineOpenResult {
  parts: Uint8Array[];
  status: NetStatus;
}

/** What `repair()` returns inside the worker. */
export interface RepairOutcome extends Dropped {
  state: Uint8Array;
}

/**
 * One store inside the sync worker. Updates are routed by where they came from:
 * - from the main thread: persisted, posted to the other tabs (and sent to the server by the
 *   leader's provider, which listens to the doc);
 * - from another tab: handed to the main thread (the tab that made them persists them);
 * - from the server (leader only): persisted, posted to the other tabs, handed to main.
 */
export class Engine {
  private doc = new Y.Doc();
  private log: UpdateLog | null = null;
  private tabs: Tabs | null = null;
  /** This tab's lifetime lock and the watch on the other tabs' (needs Web Locks). */
  private lifetimes: TabLifetimes | null = null;
  private network: Network | null = null;
  private presence: Presence;
  private leader = false;
  private status: NetStatus;
  private acked = new Map<number, number>();
  private syncWaiters: Array<{ sv: Map<number, number>; resolve: () => void }> = [];
  private toMain: Uint8Array[] = [];
  private toMainScheduled = false;
  private tickets = new Map<number, () => void>();
  private nextTicket = 1;
  private closed = false;
  /** What this tab's main thread last saw of `navigator.onLine` (online/offline events). */
  private browserOnline: boolean;
  /** The app took the store offline (`setOnline(false)`), in this tab or another one. */
  private appOffline = false;
  /** The last `push` seq, and whether a `durable` report for it is on its way. */
  private pushedSeq = -1;
  private watchingDurable = false;
  /** What `open()` read from the log, until `start()` applies it. */
  private loaded: Uint8Array[] = [];
  private started = false;
  private readonly locks: LockManagerLike | undefined;

  constructor(
    private readonly opts: OpenOptions,
    private readonly sink: ClientSink,
    private readonly deps: EngineDeps = {},
  ) {
    this.locks = 'locks' in deps ? deps.locks : webLocks();
    this.browserOnline = opts.online ?? true;
    this.status = opts.sync && this.browserOnline ? 'connecting' : 'offline';
    this.presence = this.newPresence();
  }

  /**
   * Reads the log and returns what it holds, without applying it here yet: a cold load of a big
   * store is mostly applying the state, so the main thread applies its copy first and this
   * worker its own afterwards, in `start()`, off the path to readable data.
   */
  async open(): Promise<EngineOpenResult> {
    if (this.opts.persist) {
      this.log = new UpdateLog({
        name: this.opts.name,
        tryLock: tryLockWith(this.locks),
        fullState: () => Y.encodeStateAsUpdate(this.doc),
        onError: (e) => this.sink.error(e),
        ...(this.opts.compactAfter !== undefined ? { compactAfter: this.opts.compactAfter } : {}),
        ...(this.opts.failWrites ? { beforeAppend: failingWrites(this.opts.failWrites) } : {}),
      });
      try {
        this.loaded = await this.log.load();
      } catch (err) {
        // Keep going in memory; the log retries on the next write.
        this.sink.error({ code: 'E_STORAGE', message: `tinysync: could not load "${this.opts.name}" from IndexedDB: ${String(err)}` });
      }
    }
    return { parts: this.loaded, status: this.status };
  }

  /**
   * Applies the state `open()` read to this worker's doc, then joins the tabs (state exchange,
   * presence) and, with `sync`, the leader election. Synchronous, so calls that arrive later
   * find the engine started.
   */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const parts = this.loaded;
    this.loaded = [];
    try {
      this.doc.transact(() => {
        for (const p of parts) Y.applyUpdate(this.doc, p, FROM_LOG);
      }, FROM_LOG);
    } catch (err) {
      this.sink.error({ code: 'E_STORAGE', message: `tinysync: the IndexedDB log of "${this.opts.name}" could not be applied: ${String(err)}` });
    }
    this.doc.on('update', this.onDocUpdate);
    this.tabs = new Tabs(this.opts.name, this.onTab);
    if (this.locks) {
      this.lifetimes = new TabLifetimes(this.locks, this.opts.name, this.tabs.id, (clientId) => this.presence.remove([clientId]));
      void this.lifetimes.held.then(() => this.announceHere());
    }
    if (this.opts.restore) this.restore(this.opts.restore);
    this.tabs.post({ t: 'hello', sv: Y.encodeStateVector(this.doc) });
    if (this.opts.sync) {
      if (this.locks) this.tabs.elect(this.locks, () => this.becomeLeader());
      else this.becomeLeader();
      this.tabs.post({ t: 'net?' });
    }
  }

  /**
   * Local updates of the main thread's doc; `seq` numbers the pushes, and `durable(seq)` tells
   * the main thread once they are in IndexedDB (until then it keeps them, to stash them in
   * localStorage if the page goes away).
   */
  push(updates: Uint8Array[], seq?: number): void {
    if (this.closed) return;
    // One transaction: one 'update' event, one log entry, one message to the tabs.
    this.doc.transact(() => {
      for (const u of updates) Y.applyUpdate(this.doc, u, FROM_MAIN);
    }, FROM_MAIN);
    const store = this.doc.store;
    if (store.pendingStructs || store.pendingDs) {
      // Parts wait for state this doc lacks; once it arrives they integrate in a transaction of
      // another origin, which this tab would not persist. Persist them as they are meanwhile.
      for (const u of updates) this.log?.append(u);
    }
    if (seq !== undefined) this.reportDurable(seq);
  }

  flushed(): Promise<void> {
    return this.log ? this.log.flushed() : Promise.resolve();
  }

  /** Resolves once the server is known to hold everything this doc holds now. */
  synced(): Promise<void> {
    if (!this.opts.sync) return Promise.reject(codeError('E_NO_SYNC', `tinysync: store "${this.opts.name}" has no server (sync: false)`));
    const sv = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    if (coverStateVector(this.acked, sv)) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push({ sv, resolve });
      this.askAck();
    });
  }

  /**
   * Takes the cross-tab lock, then reads what other tabs persisted meanwhile (the previous
   * holder flushed before releasing) and returns what the main doc (state vector `mainSv`)
   * lacks, so that reads inside the lock see the previous holder's writes. The answer carries
   * the update itself: events on the sink port are not ordered with call results.
   */
  async lockAcquire(name: string, mainSv: Uint8Array): Promise<{ ticket: number; update: Uint8Array }> {
    if (!this.locks) throw codeError('E_NO_LOCKS', 'tinysync: this runtime has no Web Locks (navigator.locks)');
    const held = holdLock(this.locks, `tinysync:lock:${this.opts.name}:${name}`);
    await held.acquired;
    const ticket = this.nextTicket++;
    this.tickets.set(ticket, held.release);
    if (this.log) {
      try {
        const parts = await this.log.catchUp();
        for (const p of parts) Y.applyUpdate(this.doc, p, FROM_LOG);
      } catch (err) {
        this.sink.error({ code: 'E_STORAGE', message: `tinysync: lock "${name}": could not read IndexedDB: ${String(err)}` });
      }
    }
    return { ticket, update: Y.encodeStateAsUpdate(this.doc, mainSv) };
  }

  /** Makes this tab's changes durable (so the next holder reads them), then releases. */
  async lockRelease(ticket: number): Promise<void> {
    const release = this.tickets.get(ticket);
    if (!release) return;
    this.tickets.delete(ticket);
    try {
      await this.flushed();
    } finally {
      release();
    }
  }

  /**
   * Fetches the server's whole state, reports the local changes it lacks, replaces the log
   * and this doc with it, and tells the other tabs to reload.
   */
  async repair(fetchImpl: typeof fetch = fetch): Promise<RepairOutcome> {
    const sync = this.opts.sync;
    if (!sync) throw codeError('E_NO_SYNC', `tinysync: store "${this.opts.name}" has no server to repair from (sync: false)`);
    const { url, init } = snapshotRequest(sync, this.opts.name);
    let res: Response;
    try {
      res = await fetchImpl(url, init);
    } catch (err) {
      throw codeError('E_NETWORK', `tinysync: repair of "${this.opts.name}": ${String(err)}`);
    }
    if (res.status === 401 || res.status === 403) throw codeError('E_AUTH', `tinysync: repair of "${this.opts.name}": HTTP ${res.status}`);
    if (!res.ok) throw codeError('E_NETWORK', `tinysync: repair of "${this.opts.name}": HTTP ${res.status}`);
    const state = new Uint8Array(await res.arrayBuffer());
    const dropped = droppedChanges(this.doc, state);
    await this.log?.replace(state);
    this.replaceDoc(state);
    this.tabs?.post({ t: 'reset' });
    return { ...dropped, state: Y.encodeStateAsUpdate(this.doc) };
  }

  /**
   * Goes offline or back online. `browser`: this tab's main thread saw an `offline`/`online`
   * event (Chromium's offline emulation stalls an open socket without closing it, so waiting for
   * the socket to notice takes y-websocket's 30 s timeout). `app`: the app asked
   * (`store.setOnline`); that holds for every tab of the store, which share one connection.
   * Offline, the leader closes its socket and local changes keep going to the log; online, it
   * reconnects at once.
   */
  setOnline(online: boolean, source: 'browser' | 'app'): void {
    if (this.closed) return;
    if (source === 'browser') {
      this.browserOnline = online;
    } else {
      this.appOffline = !online;
      this.tabs?.post({ t: 'offline', on: !online });
    }
    this.applyConnectivity();
  }

  /** Sets (null clears) this tab's presence state. */
  setPresence(state: Record<string, unknown> | null): void {
    this.presence.set(state);
  }

  /** Other peers' presence states. */
  others(): PeerState[] {
    return this.presence.others();
  }

  /** Whether this worker holds the WebSocket for its store name. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Whether the server refused this store's token, so that no reconnect will be attempted. */
  get refused(): boolean {
    return this.network?.refusedForGood ?? false;
  }

  /** Flushes (best effort, see `UpdateLog.close`) and closes; returns the last push seq known durable, or -1. */
  async close(): Promise<number> {
    if (this.closed) return -1;
    this.closed = true;
    this.presence.destroy();
    // After the removal above went out: the others' watches fire too, harmlessly.
    this.lifetimes?.close();
    for (const release of this.tickets.values()) release();
    this.tickets.clear();
    await this.log?.close();
    const durable = this.log && !this.log.pending ? this.pushedSeq : -1;
    this.network?.destroy();
    this.network = null;
    this.tabs?.close();
    this.doc.off('update', this.onDocUpdate);
    this.doc.destroy();
    return durable;
  }

  /** Applies and persists updates a previous page stashed (see `OpenOptions.restore`). */
  private restore(buffers: ArrayBuffer[]): void {
    const updates: Uint8Array[] = [];
    for (const b of buffers) {
      const u = new Uint8Array(b);
      // Checked one by one in a scratch doc: a damaged stash must not take the others down.
      const scratch = new Y.Doc();
      try {
        Y.applyUpdate(scratch, u);
        updates.push(u);
      } catch {
        this.sink.error({ code: 'E_UPDATE', message: `tinysync: a stashed update of "${this.opts.name}" could not be read; skipped` });
      } finally {
        scratch.destroy();
      }
    }
    this.push(updates, 0);
  }

  /** Sends `durable(seq)` once the log holds every update pushed so far (one report in flight). */
  private reportDurable(seq: number): void {
    if (!this.log) return;
    this.pushedSeq = seq;
    if (this.watchingDurable) return;
    this.watchingDurable = true;
    void this.flushed().then(() => {
      this.watchingDurable = false;
      if (this.closed) return;
      this.sink.durable(seq);
      if (this.pushedSeq !== seq) this.reportDurable(this.pushedSeq);
    });
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_MAIN) {
      this.log?.append(update);
      this.tabs?.post({ t: 'update', u: update });
    } else if (origin === FROM_TAB || origin === FROM_LOG) {
      this.sendToMain(update);
    } else if (this.network && origin === this.network.provider) {
      this.log?.append(update);
      this.tabs?.post({ t: 'update', u: update });
      this.sendToMain(update);
    }
  };

  private readonly onTab = (msg: TabMessage) => {
    if (this.closed) return;
    switch (msg.t) {
      case 'update':
        Y.applyUpdate(this.doc, msg.u, FROM_TAB);
        break;
      case 'hello': {
        const u = Y.encodeStateAsUpdate(this.doc, msg.sv);
        this.tabs?.post({ t: 'state', to: msg.from, u, sv: Y.encodeStateVector(this.doc) });
        const mine = this.presence.encodeLocal();
        if (mine) this.tabs?.post({ t: 'awareness', u: mine });
        this.announceHere();
        break;
      }
      case 'state': {
        Y.applyUpdate(this.doc, msg.u, FROM_TAB);
        // What this tab has that the other lacks (e.g. loaded from the log before it wrote).
        const missing = Y.encodeStateAsUpdate(this.doc, msg.sv);
        if (missing.length > EMPTY_UPDATE && hasContent(missing)) this.tabs?.post({ t: 'update', u: missing });
        break;
      }
      case 'awareness':
        this.presence.receive(msg.u);
        break;
      case 'here':
        if (typeof msg.from === 'string' && Number.isSafeInteger(msg.client)) this.lifetimes?.seen(msg.from, msg.client);
        break;
      case 'rejoin':
        this.presence.rejoin();
        break;
      case 'net':
        if (this.leader) break;
        if (msg.acked) this.onAcked(Y.decodeStateVector(msg.acked));
        this.appOffline = msg.offline;
        this.setStatus(msg.status);
        break;
      case 'offline':
        this.appOffline = msg.on;
        this.applyConnectivity();
        break;
      case 'net?':
        if (this.leader) {
          this.announceNet();
          this.network?.requestAck();
        }
        break;
      case 'reset':
        void this.reload();
        break;
    }
  };

  private becomeLeader(): void {
    if (this.closed || !this.opts.sync) return;
    this.leader = true;
    this.sink.leader(true);
    this.connect();
  }

  /** Whether the leader should hold a connection: the browser is online and the app wants it. */
  private get wanted(): boolean {
    return this.browserOnline && !this.appOffline;
  }

  /** The leader connects or disconnects to match `wanted`. */
  private applyConnectivity(): void {
    if (this.leader && this.network) {
      if (this.wanted) this.network.resume();
      else this.network.pause();
    }
    this.announceNet();
  }

  private connect(): void {
    if (!this.opts.sync) return;
    this.network = new Network(this.doc, this.presence.awareness, {
      name: this.opts.name,
      sync: this.opts.sync,
      connect: this.wanted,
      ...(this.opts.maxBackoffMs !== undefined ? { maxBackoffMs: this.opts.maxBackoffMs } : {}),
      ...(this.deps.WebSocket ? { WebSocket: this.deps.WebSocket } : {}),
      onStatus: (s) => {
        this.setStatus(s);
        this.announceNet();
      },
      onAcked: (sv) => {
        this.onAcked(sv);
        this.announceNet();
      },
      onError: (e) => this.sink.error(e),
      onOpen: () => {
        // Before the server's first message is read: see Presence.rejoin. The other tabs too.
        this.presence.rejoin();
        this.tabs?.post({ t: 'rejoin' });
      },
    });
    this.setStatus(this.network.status);
    this.announceNet();
  }

  /** Tells the other tabs this tab's awareness client id, once they may watch its lifetime lock. */
  private announceHere(): void {
    if (this.closed || !this.lifetimes?.holding) return;
    this.tabs?.post({ t: 'here', client: this.presence.clientId });
  }

  private announceNet(): void {
    if (!this.leader) return;
    this.tabs?.post({ t: 'net', status: this.status, acked: this.acked.size > 0 ? encodeSv(this.acked) : null, offline: this.appOffline });
  }

  private onAcked(sv: Map<number, number>): void {
    this.acked = mergeStateVectors(this.acked, sv);
    const ready = this.syncWaiters.filter((w) => coverStateVector(this.acked, w.sv));
    this.syncWaiters = this.syncWaiters.filter((w) => !coverStateVector(this.acked, w.sv));
    for (const w of ready) w.resolve();
  }

  private askAck(): void {
    if (this.leader) this.network?.requestAck();
    else this.tabs?.post({ t: 'net?' });
  }

  private setStatus(status: NetStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.sink.status(status);
  }

  private sendToMain(update: Uint8Array): void {
    this.toMain.push(update);
    if (this.toMainScheduled) return;
    this.toMainScheduled = true;
    queueMicrotask(() => {
      this.toMainScheduled = false;
      const batch = this.toMain;
      this.toMain = [];
      if (!this.closed) this.sink.update(batch.map((u) => toBuffer(u)));
    });
  }

  private newPresence(): Presence {
    return new Presence(
      this.doc,
      (u) => this.tabs?.post({ t: 'awareness', u }),
      (peers) => this.sink.presence(peers),
    );
  }

  /** Swaps in a doc holding exactly `state` (repair): new client id, provider and awareness. */
  private replaceDoc(state: Uint8Array): void {
    const local = this.presence.awareness.getLocalState() as Record<string, unknown> | null;
    const wasConnected = this.network !== null;
    this.network?.destroy();
    this.network = null;
    this.presence.destroy();
    this.doc.off('update', this.onDocUpdate);
    this.doc.destroy();
    this.doc = new Y.Doc();
    Y.applyUpdate(this.doc, state, FROM_LOG);
    this.doc.on('update', this.onDocUpdate);
    this.presence = this.newPresence();
    this.presence.set(local);
    this.announceHere();
    this.acked = new Map();
    if (wasConnected) this.connect();
  }

  /** Another tab repaired: take the log's (new) content as the whole state. */
  private async reload(): Promise<void> {
    if (!this.log) return;
    const parts = await this.log.load();
    const state = parts.length > 0 ? mergeMany(parts) : Y.encodeStateAsUpdate(new Y.Doc());
    this.replaceDoc(state);
    this.sink.reset(toBuffer(Y.encodeStateAsUpdate(this.doc)));
  }
}

/** Test hook: a `beforeAppend` that throws a QuotaExceededError `n` times. */
function failingWrites(n: number): () => void {
  let left = n;
  return () => {
    if (left-- > 0) throw new DOMException('simulated (failWrites test hook)', 'QuotaExceededError');
  };
}

/** A copy of the bytes in a buffer of their own, safe to transfer. */
function toBuffer(u: Uint8Array): ArrayBuffer {
  return u.slice().buffer;
}

function encodeSv(sv: Map<number, number>): Uint8Array {
  // Y has no public "encode this map" helper; a state vector is varuint count, then pairs.
  const out: number[] = [];
  const writeVar = (n: number) => {
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
  };
  writeVar(sv.size);
  for (const [client, clock] of sv) {
    writeVar(client);
    writeVar(clock);
  }
  return Uint8Array.from(out);
}

function hasContent(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length > 0 || ds.clients.size > 0;
}

/**
 * An error for the main thread. comlink serializes errors as `{ name, message }`, so the code
 * travels in `name`; the client rebuilds the typed error from it.
 */
export function codeError(code: string, message: string): Error {
  const err = new Error(message);
  err.name = code;
  return err;
}

export type { ErrorInfo };
