// The server connection of the leader tab: a y-websocket provider plus the bookkeeping that
// tells which local changes the server holds (for `synced()`), status, backoff and refusals.
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { Awareness } from 'y-protocols/awareness';
import { encodeAwarenessUpdate } from 'y-protocols/awareness';
import type { ErrorInfo, NetStatus, SyncOptions } from './protocol.js';
import { coverStateVector } from './state-vectors.js';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

/** Close codes after which reconnecting cannot help: token expired, read-only write, 44xx. */
export function isRefusal(code: number): boolean {
  return code === 4001 || code === 4003 || (code >= 4400 && code < 4500);
}

/** The HTTP base of a sync URL: `ws://host:1234/sync` → `http://host:1234`. */
export function httpBase(syncUrl: string): string {
  const url = new URL(syncUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/sync$/, '');
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/**
 * The request for a document's whole state as one Yjs update (the server's snapshot endpoint,
 * `GET <http base>/docs/<name>/update`, token as `Authorization: Bearer`).
 */
export function snapshotRequest(sync: SyncOptions, name: string): { url: string; init: RequestInit } {
  const init: RequestInit = { method: 'GET', cache: 'no-store' };
  if (sync.token) init.headers = { Authorization: `Bearer ${sync.token}` };
  return { url: `${httpBase(sync.url)}/docs/${encodeURIComponent(name)}/update`, init };
}

export interface NetworkOptions {
  name: string;
  sync: SyncOptions;
  maxBackoffMs?: number;
  /** Open the socket at once (default true); otherwise it waits for `resume()`. */
  connect?: boolean;
  /** A WebSocket class for runtimes without one (Node tests pass `ws`). */
  WebSocket?: unknown;
  onStatus: (status: NetStatus) => void;
  /** The server is known to hold at least this state vector. */
  onAcked: (sv: Map<number, number>) => void;
  onError: (error: ErrorInfo) => void;
  /** The socket opened: rejoin presence (runs before any message of the server is read). */
  onOpen?: () => void;
}

/**
 * Connects a doc to the server and keeps track of what the server acknowledged. y-websocket has
 * no acks, but the server answers each sync step 1 with a step 2 after handling every earlier
 * message of the socket; so after the handshake, the state vector of the doc at the moment a
 * step 1 is sent is acknowledged when its step 2 arrives. The server's own step 1 (its state
 * vector) counts too.
 */
export class Network {
  readonly provider: WebsocketProvider;
  status: NetStatus = 'connecting';
  private readonly acked = new Map<number, number>();
  /** One entry per step 1 in flight: the state vector it proves, or null if it proves nothing. */
  private barriers: Array<Map<number, number> | null> = [];
  private handshake = false;
  private barrierTimer: ReturnType<typeof setTimeout> | null = null;
  private opened = false;
  private probing = false;
  private destroyed = false;
  /** The server refused us (auth): only a new store may try again. */
  private refused = false;
  private readonly onOnline = () => {
    if (this.provider.shouldConnect && this.provider.ws === null) this.provider.connect();
  };

  constructor(
    private readonly doc: Y.Doc,
    awareness: Awareness,
    private readonly opts: NetworkOptions,
  ) {
    const params: Record<string, string> = opts.sync.token ? { token: opts.sync.token } : {};
    const providerOpts = {
      awareness,
      params,
      disableBc: true,
      connect: opts.connect ?? true,
      maxBackoffTime: opts.maxBackoffMs ?? 2500,
      shouldReconnect: (e: CloseEvent) => !isRefusal(e.code),
      ...(opts.WebSocket ? { WebSocketPolyfill: opts.WebSocket as typeof WebSocket } : {}),
    };
    this.status = providerOpts.connect ? 'connecting' : 'offline';
    this.provider = new WebsocketProvider(opts.sync.url, encodeURIComponent(opts.name), doc, providerOpts);
    const p = this.provider;
    const original = p.messageHandlers[MESSAGE_SYNC]!;
    p.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, provider, emitSynced, type) => {
      const peek = decoding.clone(decoder);
      const kind = decoding.readVarUint(peek);
      const serverSv = kind === syncProtocol.messageYjsSyncStep1 ? Y.decodeStateVector(decoding.readVarUint8Array(peek)) : null;
      original(encoder, decoder, provider, emitSynced, type);
      if (serverSv) {
        // The server holds its state vector; our step 2 answer (sent right after this handler)
        // gives it everything else we have, so from now on step 1 barriers prove our state.
        this.ack(serverSv);
        this.handshake = true;
        this.requestAck();
      } else if (kind === syncProtocol.messageYjsSyncStep2) {
        const proves = this.barriers.shift();
        if (proves) this.ack(proves);
        this.updateStatus();
      }
    };
    p.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      // y-protocols auth: a permission-denied message carries the reason.
      decoding.readVarUint(decoder);
      const reason = decoding.readVarString(decoder);
      this.opts.onError({ code: 'E_AUTH', message: `tinysync: server refused "${opts.name}": ${reason}` });
    };
    p.on('status', ({ status }) => {
      if (status === 'connecting') {
        this.reset();
        this.opened = false;
        this.setStatus('connecting');
      } else if (status === 'connected') {
        this.opened = true;
        // y-websocket sends its step 1 right after this event: a barrier that proves nothing yet.
        this.barriers.push(null);
        // It only sends this tab's own awareness state (with its old clock): `onOpen` renews it,
        // the relayed tabs' states go too, and the others' states are asked for.
        queueMicrotask(() => {
          this.opts.onOpen?.();
          this.sendRelayedAwareness(awareness);
          this.queryAwareness();
        });
      }
    });
    p.on('connection-close', (event) => {
      this.reset();
      this.setStatus('offline');
      if (!this.opened && event && !isRefusal(event.code)) void this.probe();
    });
    p.on('closed', ({ code, reason }) => {
      this.refused = true;
      this.setStatus('offline');
      this.opts.onError({ code: 'E_AUTH', message: `tinysync: server refused "${opts.name}" (close code ${code}${reason ? `: ${reason}` : ''}); not reconnecting` });
    });
    (globalThis as { addEventListener?: (t: string, f: () => void) => void }).addEventListener?.('online', this.onOnline);
  }

  /** Whether the server is known to hold everything in state vector `sv`. */
  covers(sv: Map<number, number>): boolean {
    return coverStateVector(this.acked, sv);
  }

  /** True once the server refused us: the socket is off for good (y-websocket's `shouldConnect`). */
  get refusedForGood(): boolean {
    return this.refused && !this.provider.shouldConnect;
  }

  /** The state vector the server is known to hold. */
  get ackedStateVector(): Map<number, number> {
    return new Map(this.acked);
  }

  /**
   * Sends a sync step 1 soon, whose answer acknowledges everything sent before it. Called on
   * demand (`synced()` here or in another tab) and after each handshake, not per update: each
   * answer carries the server's whole delete set.
   */
  requestAck(): void {
    if (this.barrierTimer || this.destroyed) return;
    this.barrierTimer = setTimeout(() => {
      this.barrierTimer = null;
      const ws = this.provider.ws;
      if (!this.handshake || !ws || ws.readyState !== 1) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, this.doc);
      this.barriers.push(Y.decodeStateVector(Y.encodeStateVector(this.doc)));
      ws.send(encoding.toUint8Array(encoder));
    }, 0);
  }

  /** Closes the socket and stays offline until `resume()`; local changes wait meanwhile. */
  pause(): void {
    if (this.destroyed) return;
    this.provider.disconnect();
    this.reset();
    this.setStatus('offline');
  }

  /** Reconnects at once after `pause()` (not after the server refused us). */
  resume(): void {
    if (this.destroyed || this.refused || this.provider.shouldConnect) return;
    this.provider.connect();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.barrierTimer) clearTimeout(this.barrierTimer);
    (globalThis as { removeEventListener?: (t: string, f: () => void) => void }).removeEventListener?.('online', this.onOnline);
    this.provider.destroy();
  }

  private ack(sv: Map<number, number>): void {
    let changed = false;
    for (const [client, clock] of sv) {
      if ((this.acked.get(client) ?? 0) < clock) {
        this.acked.set(client, clock);
        changed = true;
      }
    }
    if (changed) this.opts.onAcked(new Map(this.acked));
  }

  private reset(): void {
    this.barriers = [];
    this.handshake = false;
  }

  private updateStatus(): void {
    if (this.handshake && this.provider.synced) this.setStatus('synced');
  }

  private setStatus(status: NetStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.opts.onStatus(status);
  }

  /** Sends the states of the other tabs this one relays (its own went with y-websocket's hello). */
  private sendRelayedAwareness(awareness: Awareness): void {
    const ws = this.provider.ws;
    const clients = [...awareness.getStates().keys()].filter((id) => id !== awareness.clientID);
    if (!ws || ws.readyState !== 1 || clients.length === 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(awareness, clients));
    ws.send(encoding.toUint8Array(encoder));
  }

  /** Asks the server for every peer's awareness state (y-websocket's query-awareness). */
  private queryAwareness(): void {
    const ws = this.provider.ws;
    if (!ws || ws.readyState !== 1) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_QUERY_AWARENESS);
    ws.send(encoding.toUint8Array(encoder));
  }

  /**
   * A socket that closed before opening may be an HTTP 401/403 at the upgrade, which browsers
   * hide (close code 1006). Ask the HTTP endpoint with the same token; a refusal there stops
   * the reconnect loop and is reported.
   */
  private async probe(): Promise<void> {
    if (this.probing || this.destroyed) return;
    this.probing = true;
    try {
      const { url, init } = snapshotRequest(this.opts.sync, this.opts.name);
      // HEAD: the server answers the token check without sending (or even loading) the
      // document; cancelling a GET's body instead shows up as an aborted request.
      const res = await fetch(url, { ...init, method: 'HEAD' });
      if ((res.status === 401 || res.status === 403) && !this.destroyed) {
        this.refused = true;
        this.provider.disconnect();
        this.setStatus('offline');
        this.opts.onError({ code: 'E_AUTH', message: `tinysync: server refused "${this.opts.name}" (HTTP ${res.status}); not reconnecting` });
      }
    } catch {
      // Unreachable: keep retrying the socket with backoff.
    } finally {
      this.probing = false;
    }
  }
}
