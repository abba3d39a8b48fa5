// The clients of the hostile-load benchmark: a legitimate writer/reader pair whose round trips
// are timed, an HTTP pinger, attackers that reconnect when the server closes them, and the
// server child process's memory.
import { readFileSync } from 'node:fs';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { awarenessFrame, message, STEP1 } from './hostile-frames.js';

/** A round trip that takes longer counts as this (and as a timeout). */
export const ROUND_TIMEOUT_MS = 15_000;

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident and peak resident memory of a process, in bytes (Linux /proc). */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Opens a socket and does the y-websocket handshake (step 1 out, step 2 back); rejects on close or timeout. */
export function handshake(url: string, onMessage: (data: Buffer) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let ready = false;
    const timer = setTimeout(() => fail(new Error('handshake timed out')), ROUND_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on('error', (err) => !ready && fail(err));
    ws.on('close', () => !ready && fail(new Error('closed during the handshake')));
    ws.on('open', () => ws.send(STEP1));
    ws.on('message', (data: Buffer) => {
      if (!ready && data[0] === 0 && data[1] === 1) {
        ready = true;
        clearTimeout(timer);
        resolve(ws);
      }
      onMessage(data);
    });
  });
}

/** What a pair saw besides its round trips. */
export interface PairStats {
  /** Round trips that did not complete within ROUND_TIMEOUT_MS. */
  timeouts: number;
  /** Times the pair had to reconnect (closed by the server). */
  reconnects: number;
  /** Close codes the server closed A or B with, with their counts. */
  closes: Record<number, number>;
  /** Updates the reader's own Yjs document could not apply (what a real peer would throw on). */
  peerErrors: number;
}

/**
 * A legitimate writer A and reader B on one document: A sets a map entry to a unique marker, B
 * waits for a frame holding the marker's bytes (so a reader whose Yjs state is broken by relayed
 * garbage still times the server). B also applies every update to its own Y.Doc and counts throws.
 */
export class LegitPair {
  readonly samples: number[] = [];
  readonly stats: PairStats = { timeouts: 0, reconnects: 0, peerErrors: 0, closes: {} };
  private a?: WebSocket;
  private b?: WebSocket;
  private readonly doc = new Y.Doc();
  private readonly seen = new Y.Doc();
  private last: Uint8Array = new Uint8Array();
  private waiting: { marker: Buffer; done: () => void } | undefined;
  private dropped: (() => void) | undefined;
  private round = 0;

  constructor(
    private readonly urlA: string,
    private readonly urlB: string,
    private readonly tag: string,
  ) {
    this.doc.on('update', (u: Uint8Array) => (this.last = u));
  }

  /** The awareness client ids this pair announces (what an attacker may try to take over). */
  get awarenessIds(): number[] {
    return [this.doc.clientID, this.seen.clientID];
  }

  async connect(): Promise<void> {
    for (const ws of [this.a, this.b]) {
      ws?.removeAllListeners('close');
      ws?.terminate();
    }
    this.b = await handshake(this.urlB, (data) => this.onB(data));
    this.a = await handshake(this.urlA, () => {});
    for (const ws of [this.a, this.b]) {
      ws.on('close', (code) => {
        this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1;
        this.dropped?.();
      });
    }
    this.a.send(awarenessFrame([{ id: this.doc.clientID, clock: ++this.round, state: { user: `${this.tag} A` } }]));
    this.b.send(awarenessFrame([{ id: this.seen.clientID, clock: this.round, state: { user: `${this.tag} B` } }]));
  }

  private onB(data: Buffer): void {
    if (data[0] === 0 && (data[1] === 1 || data[1] === 2)) {
      try {
        const d = decoding.createDecoder(data);
        decoding.readVarUint(d);
        decoding.readVarUint(d);
        Y.applyUpdate(this.seen, decoding.readVarUint8Array(d));
      } catch {
        this.stats.peerErrors++;
      }
    }
    if (this.waiting && data.indexOf(this.waiting.marker) >= 0) this.waiting.done();
  }

  /**
   * One write on A; resolves with the ms until B received it. When the server closes A or B
   * meanwhile, the pair reconnects and A sends its state again, as a y-websocket client would (the
   * time until B has the write counts); ROUND_TIMEOUT_MS when it did not arrive in that time.
   */
  async roundTrip(): Promise<number> {
    const open = (ws?: WebSocket) => ws?.readyState === WebSocket.OPEN;
    const value = `rt-${this.tag}-${++this.round}-${Math.random().toString(36).slice(2)}`;
    this.doc.getMap('rt').set('v', value);
    let arrived = false;
    let wake = () => {};
    this.waiting = { marker: Buffer.from(value), done: () => ((arrived = true), wake()) };
    this.dropped = () => wake();
    const t0 = performance.now();
    const left = () => ROUND_TIMEOUT_MS - (performance.now() - t0);
    let update: Uint8Array | undefined = this.last;
    try {
      while (!arrived && left() > 0) {
        if (!open(this.a) || !open(this.b)) {
          this.stats.reconnects++;
          update = Y.encodeStateAsUpdate(this.doc);
          await this.connect().catch(() => tick(100)); // B's handshake may already bring the write
          continue;
        }
        const woken = new Promise<void>((r) => (wake = r));
        if (update) this.a!.send(message(0, 2, update));
        update = undefined;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise((r) => (timer = setTimeout(r, left())))]);
        clearTimeout(timer);
      }
    } finally {
      this.waiting = undefined;
      this.dropped = undefined;
    }
    if (!arrived) return this.timedOut();
    const ms = performance.now() - t0;
    this.samples.push(ms);
    return ms;
  }

  private timedOut(): number {
    this.stats.timeouts++;
    this.samples.push(ROUND_TIMEOUT_MS);
    return ROUND_TIMEOUT_MS;
  }

  close(): void {
    this.a?.terminate();
    this.b?.terminate();
    this.doc.destroy();
    this.seen.destroy();
  }
}

/** Time of one HTTP GET (ROUND_TIMEOUT_MS when it fails or times out). */
export async function ping(url: string): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(ROUND_TIMEOUT_MS) });
    await res.arrayBuffer();
    return performance.now() - t0;
  } catch {
    return ROUND_TIMEOUT_MS;
  }
}

/** What an attacker did, and how the server answered it. */
export interface AttackStats {
  frames: number;
  connections: number;
  /** Upgrades the server refused (HTTP status), or sockets that failed. */
  refused: number;
  /** Close codes the server sent, with their counts. */
  closes: Record<number, number>;
}

/**
 * One attacker socket that reconnects whenever the server closed it: `send` waits until a socket
 * is open (at most `maxConnections` opened in all), sends, and resolves once ws wrote the frame.
 * `paused` sockets never read (what the server sends them piles up in its buffers); like a real
 * client that does not read, they do not see the server's close frame either, and keep sending.
 */
export class Attacker {
  readonly stats: AttackStats = { frames: 0, connections: 0, refused: 0, closes: {} };
  private ws: WebSocket | undefined;

  constructor(
    private readonly url: string,
    private readonly opts: { paused?: boolean; maxConnections?: number } = {},
  ) {}

  private async socket(): Promise<WebSocket | undefined> {
    while (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      if (this.stats.connections + this.stats.refused >= (this.opts.maxConnections ?? 500)) return undefined;
      this.ws = await new Promise<WebSocket | undefined>((resolve) => {
        const ws = new WebSocket(this.url);
        ws.on('open', () => {
          this.stats.connections++;
          if (this.opts.paused) ws.pause();
          resolve(ws);
        });
        ws.on('error', () => {
          this.stats.refused++;
          resolve(undefined);
        });
        ws.on('close', (code) => (this.stats.closes[code] = (this.stats.closes[code] ?? 0) + 1));
      });
    }
    return this.ws;
  }

  /** Sends `frame` (reconnecting first if closed); false once no more connections may be opened. */
  async send(frame: Uint8Array): Promise<boolean> {
    const ws = await this.socket();
    if (!ws) return false;
    await new Promise<void>((resolve) => ws.send(frame, () => resolve()));
    this.stats.frames++;
    return true;
  }

  close(): void {
    this.ws?.terminate();
  }
}
