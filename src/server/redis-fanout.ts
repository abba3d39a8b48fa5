// Fan-out over Redis Streams: one stream per document. An instance publishes each update it
// stored (after the storage committed it) and its clients' awareness; every instance holding
// the document reads the stream and hands what others published to its room. Redis is a
// channel, never the truth: entries carry a per-document sequence number, and a gap (trimmed
// entries, a lost publish, a restarted Redis) makes the room read the stored log again.
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type { Logger } from './log.js';
import type { Fanout, FanoutLink, FanoutSink } from './fanout.js';
import type { DependencyState } from './postgres.js';

/** Options of {@link RedisFanout}. */
export interface RedisFanoutOptions {
  /** This instance's id: its own entries are skipped when read back. */
  instance: string;
  logger: Logger;
  /** Entries a stream keeps (approximately); older ones are already in the storage. Default 1000. */
  maxStreamLength?: number;
  /** A stream (and its counter) left unused this long is deleted by Redis, in ms. Default 1 h. */
  idleExpiryMs?: number;
  /** Key prefix, to share one Redis between applications. Default `tinysync:`. */
  prefix?: string;
}

// Appends one entry with the next sequence number of the document (updates only), trims the
// stream, and renews both keys' expiry: one round trip, atomic.
const PUBLISH = `
local n = 0
if ARGV[1] == 'u' or ARGV[1] == 'g' then
  n = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 't', ARGV[1], 'i', ARGV[2], 'n', n, 's', ARGV[6], 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return n
`;

/** How long one blocking read waits before the followed set is read again, in ms. */
const BLOCK_MS = 200;

interface Followed {
  doc: string;
  key: string;
  counter: string;
  /** Last stream entry id read (or the position taken when following began). */
  lastId: string;
  /** Last update sequence number seen; a jump past lastN + 1 is a gap. */
  lastN: number;
  /** Position known (false while Redis is unreachable). */
  positioned: boolean;
  positioning: boolean;
  /** The room may have missed entries while there was no position: catch up once there is one. */
  needsCatchUp: boolean;
  ready: Promise<void>;
  resolveReady: () => void;
  sink: FanoutSink | undefined;
  /** Messages that arrived before the room was there to take them. */
  early: { kind: 'u' | 'a' | 'gap'; data?: Uint8Array | undefined; seq?: number | undefined }[];
}

/**
 * The Redis implementation of the fan-out seam. Two connections: one for publishing (fails fast
 * while Redis is away: the update is stored already, the others catch up later) and one that
 * blocks on XREAD over the streams of every loaded document. After Redis comes back every
 * followed document is read again from the storage ("catch up"), so nothing acknowledged is
 * missed even though Redis lost everything.
 */
export class RedisFanout implements Fanout {
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;
  private readonly followed = new Map<string, Followed>();
  private readonly byKey = new Map<string, Followed>();
  private readonly prefix: string;
  private readonly maxLen: number;
  private readonly expiryMs: number;
  private closed = false;
  /** Documents whose update could not be published: once Redis is back, the others are told to catch up. */
  private readonly missed = new Set<string>();
  private wasDown = false;
  private readonly loop: Promise<void>;

  private constructor(
    Redis: new (url: string, opts: RedisOptions) => RedisClient,
    url: string,
    private readonly opts: RedisFanoutOptions,
  ) {
    this.prefix = opts.prefix ?? 'tinysync:';
    this.maxLen = opts.maxStreamLength ?? 1000;
    this.expiryMs = opts.idleExpiryMs ?? 3_600_000;
    const common: RedisOptions = { protocol: 2, lazyConnect: false, retryStrategy: (times) => Math.min(100 * times, 1000) };
    this.pub = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.sub = new Redis(url, { ...common, maxRetriesPerRequest: null });
    for (const client of [this.pub, this.sub]) {
      client.on('error', () => {}); // reported through `state` and the logs of state changes
      client.on('close', () => this.down());
      client.on('ready', () => this.up());
    }
    this.pub.defineCommand('tinysyncPublish', { numberOfKeys: 2, lua: PUBLISH });
    this.loop = this.readLoop();
  }

  /**
   * Connects to `url` (`redis://host:6379`), waiting up to `waitMs` for Redis to answer (an
   * instance that starts while Redis is away serves its own clients and catches up later).
   * `ioredis` is loaded here, only by those who use Redis.
   */
  static async connect(url: string, opts: RedisFanoutOptions, waitMs = 5000): Promise<RedisFanout> {
    const { Redis } = await import('ioredis');
    const fanout = new RedisFanout(Redis as unknown as new (url: string, opts: RedisOptions) => RedisClient, url, opts);
    const deadline = Date.now() + waitMs;
    while (fanout.state !== 'up' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return fanout;
  }

  get state(): DependencyState {
    return this.pub.status === 'ready' && this.sub.status === 'ready' ? 'up' : 'down';
  }

  follow(doc: string): FanoutLink {
    let resolveReady!: () => void;
    const ready = new Promise<void>((r) => (resolveReady = r));
    const f: Followed = {
      doc,
      key: `${this.prefix}doc:${doc}`,
      counter: `${this.prefix}seq:${doc}`,
      lastId: '$',
      lastN: 0,
      positioned: false,
      positioning: false,
      needsCatchUp: false,
      ready,
      resolveReady,
      sink: undefined,
      early: [],
    };
    this.followed.set(doc, f);
    this.byKey.set(f.key, f);
    this.reposition(f);
    return {
      ready,
      deliverTo: (sink) => {
        f.sink = sink;
        for (const m of f.early.splice(0)) this.deliver(f, m.kind, m.data, m.seq);
        // Presence is not stored: ask the instances that hold the document for theirs.
        this.publish(doc, 'q', new Uint8Array(0), 0);
      },
      stop: () => {
        if (this.followed.get(doc) === f) this.followed.delete(doc);
        if (this.byKey.get(f.key) === f) this.byKey.delete(f.key);
        f.sink = undefined;
      },
    };
  }

  publishUpdate(doc: string, seq: number, update: Uint8Array): void {
    this.publish(doc, 'u', update, seq);
  }

  publishAwareness(doc: string, update: Uint8Array): void {
    this.publish(doc, 'a', update, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sub.disconnect();
    await this.loop;
    await this.pub.quit().catch(() => this.pub.disconnect());
  }

  private publish(doc: string, kind: 'u' | 'a' | 'g' | 'q', data: Uint8Array, seq: number): void {
    const key = `${this.prefix}doc:${doc}`;
    const counter = `${this.prefix}seq:${doc}`;
    const call = (this.pub as unknown as { tinysyncPublish(...args: (string | Buffer | number)[]): Promise<unknown> }).tinysyncPublish;
    call
      .call(this.pub, key, counter, kind, this.opts.instance, Buffer.from(data.buffer, data.byteOffset, data.byteLength), this.maxLen, this.expiryMs, seq)
      .catch((error: unknown) => {
        // The update is stored: the other instances find it when they catch up (Redis back).
        if (kind === 'a' || kind === 'q') return;
        this.missed.add(doc);
        this.opts.logger({ level: 'warn', event: 'fanout-publish-failed', doc, seq, error });
      });
  }

  /** Takes the current end of the stream and the counter, atomically, as where reading starts. */
  private async position(f: Followed): Promise<void> {
    const res = await this.pub.multi().xrevrange(f.key, '+', '-', 'COUNT', 1).get(f.counter).exec();
    if (!res) throw new Error('transaction aborted');
    const [[e1, last], [e2, counter]] = res as [[Error | null, [string, string[]][]], [Error | null, string | null]];
    if (e1 || e2) throw e1 ?? e2;
    f.lastId = last[0]?.[0] ?? '0-0';
    f.lastN = Number(counter ?? 0);
    f.positioned = true;
    f.resolveReady();
  }

  /**
   * Takes a position for `f` when the connections are up. While Redis is away the document
   * loads anyway (ready resolves) and is caught up from the storage once a position is taken.
   */
  private reposition(f: Followed): void {
    if (f.positioning || f.positioned) return;
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') {
      f.needsCatchUp = true;
      f.resolveReady();
      return;
    }
    f.positioning = true;
    this.position(f).then(
      () => {
        f.positioning = false;
        if (this.followed.get(f.doc) !== f) return;
        if (f.needsCatchUp) {
          f.needsCatchUp = false;
          this.deliver(f, 'gap');
          if (f.sink) this.publish(f.doc, 'q', new Uint8Array(0), 0);
        }
      },
      () => {
        f.positioning = false;
        f.needsCatchUp = true;
        f.resolveReady();
      },
    );
  }

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      for (const f of this.followed.values()) this.reposition(f);
      const streams = [...this.followed.values()].filter((f) => f.positioned);
      if (streams.length === 0 || this.sub.status !== 'ready') {
        await new Promise((r) => setTimeout(r, BLOCK_MS));
        continue;
      }
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await this.sub.xreadBuffer('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', ...streams.map((f) => f.key), ...streams.map((f) => f.lastId))) as typeof reply;
      } catch {
        if (!this.closed) await new Promise((r) => setTimeout(r, BLOCK_MS));
        continue;
      }
      for (const [keyBuf, entries] of reply ?? []) {
        const f = this.byKey.get(keyBuf.toString());
        if (!f) continue;
        for (const [id, fields] of entries) {
          f.lastId = id.toString();
          this.entry(f, fields);
        }
      }
    }
  }

  private entry(f: Followed, fields: Buffer[]): void {
    const get = (name: string) => {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]!.toString() === name) return fields[i + 1]!;
      return undefined;
    };
    const kind = get('t')?.toString();
    const from = get('i')?.toString();
    const data = get('d');
    if (kind === 'u' || kind === 'g') {
      const n = Number(get('n')?.toString());
      const gap = !(n === f.lastN + 1);
      f.lastN = n;
      if (gap || (kind === 'g' && from !== this.opts.instance)) this.deliver(f, 'gap');
      else if (from !== this.opts.instance && data) this.deliver(f, 'u', new Uint8Array(data), Number(get('s')?.toString()));
      return;
    }
    if (from === this.opts.instance) return;
    if (kind === 'a' && data) this.deliver(f, 'a', new Uint8Array(data));
    else if (kind === 'q') f.sink?.presenceWanted();
  }

  private deliver(f: Followed, kind: 'u' | 'a' | 'gap', data?: Uint8Array, seq?: number): void {
    const sink = f.sink;
    if (!sink) {
      if (kind !== 'a') f.early.push({ kind, data, seq });
      return;
    }
    if (kind === 'gap') sink.catchUp();
    else if (kind === 'u') sink.update(data!, seq ?? 0);
    else sink.awareness(data!);
  }

  private down(): void {
    // Entries may be lost from here on (Redis restarting empty): every document catches up later.
    for (const f of this.followed.values()) {
      f.positioned = false;
      f.needsCatchUp = true;
    }
    if (this.closed || this.wasDown) return;
    this.wasDown = true;
    this.opts.logger({ level: 'error', event: 'dependency', dependency: 'redis', state: 'down' });
  }

  /** A connection is back: the read loop takes new positions (and catches up); missed publishes are announced. */
  private up(): void {
    if (this.closed || this.state !== 'up') return;
    for (const doc of this.missed) this.publish(doc, 'g', new Uint8Array(0), 0);
    this.missed.clear();
    if (!this.wasDown) return;
    this.wasDown = false;
    this.opts.logger({ level: 'info', event: 'dependency', dependency: 'redis', state: 'up' });
  }
}
