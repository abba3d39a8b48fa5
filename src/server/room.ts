// One loaded document: its Y.Doc, its awareness, its clients, and the rules for changing it.
// Every update a client sends is validated, applied, appended to the stored log, and only then
// broadcast. All work on a room runs through one queue, so with an asynchronous backend no
// client can see state that is not yet stored.
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AwarenessLimitError, AwarenessOwners, decodeAwarenessEntries, encodeAwarenessChunks, encodeAwarenessEntries } from './awareness-guard.js';
import { Outbox } from './backpressure.js';
import { CloseCode } from './close-codes.js';
import { closeConn, sendTo, type Conn } from './connection.js';
import { applyLog, reloadLog } from './doc-reload.js';
import { DocumentUnavailableError, PersistenceError, UpdateRefusedError } from './errors.js';
import { HeldAside } from './held-aside.js';
import { updateIsKnown } from './known-update.js';
import { REMOTE, type FanoutPublisher, type FanoutSink } from './fanout.js';
import type { Logger } from './log.js';
import type { Limits } from './options.js';
import { RequestThrottle, TokenBucket } from './rate-limit.js';
import type { Persistence, StoredLog } from './persistence.js';
import { decodeMessage, encodeAwareness, encodeStep1, encodeStep2, encodeUpdate } from './protocol.js';
import { checkSnapshot } from './snapshot-check.js';
import { forbiddenPath } from './touched-paths.js';
import { checkUpdate, TOO_MUCH_HELD } from './update-check.js';

type Task = () => void | Promise<void>;
/** An update the doc emitted, and the client it came from (it is relayed to every other). */
type Change = { update: Uint8Array; origin: Conn };

/** What a room needs from its server. */
export interface RoomContext {
  persistence: Persistence;
  logger: Logger;
  /** Compact the stored log once it holds this many updates. */
  compactAfterUpdates: number;
  /** The server's limits: pending bytes, awareness and traffic per connection, ... */
  limits: Limits;
  /** Other instances sharing the storage (scale-out): stored updates and presence go there too. */
  fanout?: FanoutPublisher | undefined;
}

export class Room {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly conns = new Set<Conn>();
  /** Which connection owns which awareness client id. */
  private readonly owners: AwarenessOwners<Conn>;
  /** Sync step 1 and query-awareness answers, rate-limited per connection. */
  private readonly throttles = new Map<Conn, RequestThrottle>();
  /** Connections admitted at the upgrade but not yet attached, and HTTP requests reading the doc. */
  holds = 0;
  /** Set when the room stopped serving (persistence failure or unload); it must not be used again. */
  closed = false;
  idleTimer: NodeJS.Timeout | undefined;

  private lastSeq = 0;
  private logLength = 0;
  private compactPending = false;
  /** Parts of updates waiting for history the doc lacks: not stored, not relayed, bounded. */
  private readonly held = new HeldAside<Conn>();
  /** Log length at which to compact next, raised after a snapshot failed its test load. */
  private compactAt = 0;
  private tail: Promise<void> | null = null;
  /** Updates emitted by the doc during the current apply, to be stored then broadcast. */
  private emitted: Uint8Array[] = [];

  private constructor(
    readonly name: string,
    private readonly ctx: RoomContext,
  ) {
    this.awareness.setLocalState(null);
    this.owners = new AwarenessOwners<Conn>(this.awareness, name, ctx.limits, (from, to) => from.sub === to.sub);
    this.doc.on('update', (update: Uint8Array) => this.emitted.push(update));
    this.awareness.on('update', this.onAwareness);
  }

  /**
   * Loads a document from its stored log. Throws DocumentUnavailableError when the log cannot
   * be read or applied; nothing is written in that case, so the stored data stays as it was.
   */
  static async load(name: string, ctx: RoomContext): Promise<Room> {
    const room = new Room(name, ctx);
    try {
      const log = await ctx.persistence.load(name);
      applyLog(room.doc, log.updates);
      room.lastSeq = log.lastSeq;
      room.logLength = log.updates.length;
    } catch (err) {
      room.doc.destroy();
      throw new DocumentUnavailableError(name, { cause: err });
    }
    room.emitted = [];
    if (room.logLength >= ctx.compactAfterUpdates) room.scheduleCompaction();
    return room;
  }

  /** Number of clients plus pending holds: the room may unload only when this is 0. */
  get users(): number {
    return this.conns.size + this.holds;
  }

  /** Runs `task` after every earlier task of this room (synchronously when none is pending). */
  enqueue(task: Task): void {
    if (this.tail) {
      this.settle(this.tail.then(task));
      return;
    }
    try {
      const pending = task();
      if (pending) this.settle(pending);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Like enqueue, for callers that need the result (HTTP reads). */
  run<R>(fn: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) =>
      this.enqueue(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      }),
    );
  }

  /**
   * Attaches a client and opens the sync: our state vector, then who is present (in frames of
   * at most `maxAwarenessFrameBytes`). From here on what waits to be sent to it is bounded and
   * its costly requests are rate-limited.
   */
  attach(conn: Conn): void {
    const { limits, logger } = this.ctx;
    this.conns.add(conn);
    conn.outbox ??= new Outbox(limits.maxBufferedBytes, (buffered) =>
      logger({ level: 'warn', event: 'client-refused', doc: this.name, conn: conn.id, sub: conn.sub, code: CloseCode.SLOW_READER, reason: 'slow reader', buffered }),
    );
    const bucket = new TokenBucket(limits.syncRequestBurst, limits.syncRequestsPerSecond);
    this.throttles.set(conn, new RequestThrottle(bucket, limits.syncRequestBurst, (run) => this.enqueue(() => (conn.closed || this.closed ? undefined : run()))));
    this.enqueue(() => {
      sendTo(conn, encodeStep1(this.doc));
      this.sendPresence(conn);
    });
  }

  /** Detaches a closed client, frees the awareness ids it owned and removes their states. */
  detach(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    this.throttles.get(conn)?.stop();
    this.throttles.delete(conn);
    const owned = [...conn.awarenessIds];
    const handed = this.owners.release(conn, owned);
    if (this.closed) return;
    // A device that reconnected on another connection keeps its presence: its newest state
    // replaces the old one instead of a removal that everyone would see.
    for (const { to, entry } of handed) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries([entry]), to);
    const kept = new Set(handed.map((h) => h.entry.clientID));
    const gone = owned.filter((id) => !kept.has(id));
    if (gone.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, gone, null);
  }

  /** Handles one frame from a client, in order with everything else done to this room. */
  receive(conn: Conn, frame: Uint8Array): void {
    this.enqueue(() => (conn.closed || this.closed ? undefined : this.handle(conn, frame)));
  }

  private handle(conn: Conn, frame: Uint8Array): void | Promise<void> {
    let message;
    try {
      message = decodeMessage(frame);
    } catch (err) {
      return this.refuse(conn, CloseCode.INVALID_MESSAGE, 'invalid message', err);
    }
    switch (message.kind) {
      case 'step1': {
        const { stateVector } = message;
        return this.throttled(conn, () => {
          let reply: Uint8Array;
          try {
            reply = encodeStep2(this.encodeState(stateVector));
          } catch (err) {
            return this.refuse(conn, CloseCode.INVALID_MESSAGE, 'invalid state vector', err);
          }
          sendTo(conn, reply);
        });
      }
      case 'update':
        return conn.right === 'write' ? this.applyFrom(conn, message.update) : this.checkReadOnly(conn, message.update);
      case 'awareness':
        return this.applyAwareness(conn, message.update);
      case 'query-awareness':
        return this.throttled(conn, () => this.sendPresence(conn));
    }
  }

  /**
   * A read client may send updates that hold nothing new (its answer to our sync step 1, or
   * state it got from us before a reconnect). Anything new closes it; nothing is applied. The
   * test reads the state vector and the delete ranges in question, never the whole document.
   */
  private checkReadOnly(conn: Conn, update: Uint8Array): void {
    let known: boolean;
    try {
      known = updateIsKnown(this.doc, update);
    } catch (err) {
      return this.refuse(conn, CloseCode.INVALID_MESSAGE, 'invalid update', err);
    }
    if (!known) this.refuse(conn, CloseCode.READ_ONLY, 'read-only token: update refused, not applied');
  }

  /**
   * Applies a writer's update, then stores and relays what the document took in. The update is
   * checked first (checkUpdate: malformed dependencies, too much held aside), so the document is
   * only touched by updates Yjs can take whole. What waits for missing history is held aside by
   * the room (HeldAside), and retried once that history arrived. Should Y.applyUpdate throw
   * anyway, nothing it took in is stored or relayed: the document is rebuilt from the stored
   * log, which is exactly its state before this update.
   */
  private applyFrom(conn: Conn, update: Uint8Array): void | Promise<void> {
    try {
      const decoded = checkUpdate(this.name, this.doc, update, this.held.bytes, this.ctx.limits.maxPendingBytes);
      // Path rules: the whole update is refused for the first path the token may not write.
      const forbidden = conn.rules ? forbiddenPath(this.doc, decoded, conn.rules) : null;
      if (forbidden !== null) return this.refuse(conn, CloseCode.READ_ONLY, `path not writable: ${forbidden}`);
    } catch (err) {
      // Like an overflow after the apply: what waits is dropped, so a flood cannot pin it.
      if (err instanceof UpdateRefusedError && err.code === 'E_UPDATE_HELD') this.held.clear();
      return this.refuse(conn, CloseCode.INVALID_MESSAGE, err instanceof UpdateRefusedError ? err.reason : 'invalid update', err);
    }
    const changes: Change[] = [];
    try {
      this.applyAndCollect(() => Y.applyUpdate(this.doc, update, conn), conn, changes);
      // Held-aside parts whose history just arrived, each relayed to all but the client that sent
      // it. A retry either integrates something or holds its part again waiting for a clock the
      // doc does not have yet, so the loop ends; the idle count is a guard, not the exit.
      for (let idle = 0; changes.length > 0 && idle <= this.held.size; ) {
        const part = this.held.nextDue(this.doc);
        if (!part) break;
        // Checked again against the doc as it is now: what it would cost to integrate could
        // not be known while its history was missing.
        try {
          checkUpdate(this.name, this.doc, part.update, this.held.bytes, this.ctx.limits.maxPendingBytes, 'v2');
        } catch (err) {
          this.ctx.logger({ level: 'warn', event: 'held-dropped', doc: this.name, conn: part.sender.id, error: err });
          continue;
        }
        const before = changes.length;
        this.applyAndCollect(() => Y.applyUpdateV2(this.doc, part.update, part.sender), part.sender, changes);
        idle = changes.length > before ? 0 : idle + 1;
      }
    } catch (err) {
      this.emitted = [];
      this.held.clear();
      this.refuse(conn, CloseCode.INVALID_MESSAGE, 'update could not be applied', err);
      return this.rebuild(err);
    }
    // The check keeps what waits under the bound; should Yjs hold aside more than it foresaw,
    // all of it is dropped (it was neither stored nor relayed) and the sender closed.
    if (this.held.bytes > this.ctx.limits.maxPendingBytes) {
      this.held.clear();
      this.refuse(conn, CloseCode.INVALID_MESSAGE, TOO_MUCH_HELD, new UpdateRefusedError(this.name, 'E_UPDATE_HELD', TOO_MUCH_HELD));
    }
    // What the doc took in without a throw is whole and integrated: it is stored and relayed.
    return this.store(changes, 0);
  }

  /** Runs one apply, collecting the updates the doc emitted and taking out what it left pending. */
  private applyAndCollect(apply: () => void, sender: Conn, changes: Change[]): void {
    this.emitted = [];
    apply();
    for (const update of this.emitted) changes.push({ update, origin: sender });
    this.emitted = [];
    this.held.take(this.doc, sender);
  }

  /**
   * Loads the document again from its stored log after Y.applyUpdate threw halfway. The room's
   * queue waits for it, so no frame or read sees the broken state; when the log cannot be read
   * the room stops serving (its clients reconnect to a fresh load).
   */
  private rebuild(cause: unknown): void | Promise<void> {
    this.ctx.logger({ level: 'warn', event: 'doc-rebuilt', doc: this.name, error: cause });
    const reload = (log: StoredLog): void => {
      try {
        reloadLog(this.doc, log.updates);
      } catch (err) {
        return this.rebuildFailed(err);
      }
      this.held.clear();
      this.emitted = [];
      this.lastSeq = log.lastSeq;
      this.logLength = log.updates.length;
    };
    let log: StoredLog | Promise<StoredLog>;
    try {
      log = this.ctx.persistence.load(this.name);
    } catch (err) {
      return this.rebuildFailed(err);
    }
    if ('updates' in log) return reload(log);
    return log.then(reload, (err: unknown) => this.rebuildFailed(err));
  }

  private rebuildFailed(err: unknown): void {
    this.ctx.logger({ level: 'error', event: 'rebuild-failed', doc: this.name, error: new DocumentUnavailableError(this.name, { cause: err }) });
    this.shutDown(CloseCode.INTERNAL_ERROR, 'document must be reloaded');
  }

  private store(changes: Change[], from: number): void | Promise<void> {
    for (let i = from; i < changes.length; i++) {
      const { update, origin } = changes[i]!;
      let seq: number | Promise<number>;
      try {
        seq = this.ctx.persistence.append(this.name, update);
      } catch (err) {
        return this.persistFailed(err);
      }
      if (typeof seq !== 'number') {
        return seq.then(
          (s) => {
            this.stored(s, update, origin);
            return this.store(changes, i + 1);
          },
          (err: unknown) => this.persistFailed(err),
        );
      }
      this.stored(seq, update, origin);
    }
  }

  private stored(seq: number, update: Uint8Array, origin: Conn): void {
    this.lastSeq = seq;
    this.logLength++;
    const frame = encodeUpdate(update);
    for (const conn of this.conns) if (conn !== origin) sendTo(conn, frame);
    this.ctx.fanout?.publishUpdate(this.name, seq, update);
    if (this.logLength >= Math.max(this.ctx.compactAfterUpdates, this.compactAt)) this.scheduleCompaction();
  }

  /**
   * What other instances send this room (see fanout.ts): their stored updates and their
   * clients' presence, applied in order with everything else and relayed to this room's
   * clients, never stored or published again. A catch-up reads the stored log again and relays
   * whatever this instance lacked (after a gap in the channel).
   */
  readonly remote: FanoutSink = {
    update: (update, seq) =>
      this.enqueue(() => {
        if (this.closed) return;
        this.relayRemote(() => Y.applyUpdate(this.doc, update, REMOTE));
        this.lastSeq = Math.max(this.lastSeq, seq);
        this.logLength++;
        if (this.logLength >= this.ctx.compactAfterUpdates) this.scheduleCompaction();
      }),
    awareness: (update) =>
      this.enqueue(() => {
        if (!this.closed) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE);
      }),
    presenceWanted: () =>
      this.enqueue(() => {
        const ids = [...this.awareness.getStates().keys()].filter((id) => id !== this.awareness.clientID);
        for (const update of encodeAwarenessChunks(this.awareness, ids, this.ctx.limits.maxAwarenessFrameBytes)) this.ctx.fanout?.publishAwareness(this.name, update);
      }),
    catchUp: () =>
      this.enqueue(async () => {
        if (this.closed) return;
        const log = await this.ctx.persistence.load(this.name);
        if (this.closed) return;
        this.relayRemote(() => this.doc.transact(() => log.updates.forEach((u) => Y.applyUpdate(this.doc, u, REMOTE)), REMOTE));
        this.lastSeq = Math.max(this.lastSeq, log.lastSeq);
        this.logLength = Math.max(this.logLength, log.updates.length);
      }),
  };

  private relayRemote(apply: () => void): void {
    this.emitted = [];
    try {
      apply();
    } catch (err) {
      this.fail(err);
    }
    const changes = this.emitted;
    this.emitted = [];
    for (const update of changes) {
      const frame = encodeUpdate(update);
      for (const conn of this.conns) sendTo(conn, frame);
    }
  }

  /**
   * The doc now holds a change the disk does not: stop serving it. Clients are closed and
   * reconnect to a fresh load of the stored log; their own copies still hold the change.
   */
  private persistFailed(err: unknown): void {
    const error = new PersistenceError(this.name, 'append an update', { cause: err });
    this.ctx.logger({ level: 'error', event: 'persist-failed', doc: this.name, error });
    this.shutDown(CloseCode.INTERNAL_ERROR, 'could not store the update');
  }

  private scheduleCompaction(): void {
    if (this.compactPending) return;
    this.compactPending = true;
    setImmediate(() => this.enqueue(() => this.compactNow()));
  }

  /**
   * Replaces the stored log by one snapshot update (one transaction in the backend). The
   * snapshot is loaded into a scratch doc first: one that throws, leaves anything pending or
   * misses part of the state is never written (the log stays as it is, which still loads) and
   * is logged; the next attempt waits for another `compactAfterUpdates` updates.
   */
  compactNow(): void | Promise<void> {
    this.compactPending = false;
    if (this.closed || this.logLength <= 1) return;
    const upTo = this.lastSeq;
    const before = this.logLength;
    const done = (): void => {
      this.logLength -= before - 1;
      this.compactAt = 0;
      this.ctx.logger({ level: 'info', event: 'compact', doc: this.name, updates: before });
    };
    const failed = (err: unknown): void => {
      this.ctx.logger({ level: 'error', event: 'compact-failed', doc: this.name, error: new PersistenceError(this.name, 'compact the log', { cause: err }) });
    };
    let snapshot: Uint8Array;
    try {
      snapshot = this.encodeState();
      checkSnapshot(this.doc, snapshot);
    } catch (err) {
      this.compactAt = this.logLength + this.ctx.compactAfterUpdates;
      return failed(err);
    }
    try {
      const r = this.ctx.persistence.compact(this.name, snapshot, upTo);
      if (r) return r.then(done, failed);
      done();
    } catch (err) {
      failed(err);
    }
  }

  /**
   * The document (or what `stateVector` lacks of it) as one update: integrated changes only.
   * Between frames the doc holds nothing pending (the room keeps such parts in HeldAside), so
   * no client bytes reach Yjs's update merger here (see yjs issue 687); snapshots, sync replies
   * and /docs/<doc>/update hold what was stored and relayed, nothing else.
   */
  encodeState(stateVector?: Uint8Array): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }

  /** Closes every client with `code` and frees the doc; the room is not used again. */
  shutDown(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const conn of this.conns) closeConn(conn, code, reason);
    this.doc.destroy();
  }

  /** Resolves once every queued task has run. */
  async drain(): Promise<void> {
    while (this.tail) await this.tail;
  }

  private onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void => {
    const conn = this.conns.has(origin as Conn) ? (origin as Conn) : null;
    for (const id of removed) this.owners.removed(id);
    const frames = encodeAwarenessChunks(this.awareness, [...added, ...updated, ...removed], this.ctx.limits.maxAwarenessFrameBytes).map(encodeAwareness);
    for (const c of this.conns) if (c !== conn) for (const frame of frames) sendTo(c, frame);
    if (origin !== REMOTE && this.ctx.fanout) this.ctx.fanout.publishAwareness(this.name, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]));
  };

  /**
   * Applies what a client may change of an awareness update: entries for client ids it owns or
   * that nobody owns (it then owns them); others' entries are dropped. An update past a limit
   * closes it with 4013, one that does not decode with 1007; nothing of either is applied.
   */
  private applyAwareness(conn: Conn, update: Uint8Array): void {
    let checked: Uint8Array;
    try {
      const entries = this.owners.admit(conn, conn.awarenessIds, decodeAwarenessEntries(update, this.name, this.ctx.limits));
      if (entries.length === 0) return;
      checked = encodeAwarenessEntries(entries);
    } catch (err) {
      if (err instanceof AwarenessLimitError) return this.refuse(conn, CloseCode.AWARENESS_LIMIT, 'awareness update over a limit', err);
      return this.refuse(conn, CloseCode.INVALID_MESSAGE, 'invalid awareness update', err);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, checked, conn);
  }

  /** Every present client's state, in bounded frames (the join message, and query-awareness answers). */
  private sendPresence(conn: Conn): void {
    const states = this.awareness.getStates();
    if (states.size === 0) return;
    for (const update of encodeAwarenessChunks(this.awareness, states.keys(), this.ctx.limits.maxAwarenessFrameBytes)) sendTo(conn, encodeAwareness(update));
  }

  /** Answers a costly request at the connection's allowed rate; too many waiting closes it with 4029. */
  private throttled(conn: Conn, answer: () => void): void {
    const throttle = this.throttles.get(conn);
    if (throttle === undefined) return answer();
    if (!throttle.submit(answer)) this.refuse(conn, CloseCode.RATE_LIMITED, 'too many sync requests');
  }

  private refuse(conn: Conn, code: number, reason: string, err?: unknown): void {
    this.ctx.logger({ level: 'warn', event: 'client-refused', doc: this.name, conn: conn.id, sub: conn.sub, code, reason, ...(err === undefined ? {} : { error: err }) });
    closeConn(conn, code, reason);
  }

  private settle(pending: Promise<void>): void {
    const tail: Promise<void> = pending.catch((err: unknown) => this.fail(err)).then(() => {
      if (this.tail === tail) this.tail = null;
    });
    this.tail = tail;
  }

  private fail(err: unknown): void {
    this.ctx.logger({ level: 'error', event: 'room-error', doc: this.name, error: err });
  }
}
