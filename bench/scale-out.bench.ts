// Scale-out on real engines: instances are child processes (the built dist/server.js) sharing
// one PostgreSQL and one Redis, started here like the tests start them (or from
// TINYSYNC_TEST_POSTGRES_URL / TINYSYNC_TEST_REDIS_URL). Clients run in this process.
// - round trip: a change made by a client on instance A until a client on instance B has it,
//   vs both clients on A (same engines); p50 and p99 over sequential rounds.
// - sustained updates/s: one hot document (6 writers over 3 instances), and many documents
//   (one writer and one reader per document, on different instances), until every reader has
//   every update; and the same many-document load on 1 instance vs 3.
// - memory per idle loaded document, with PostgreSQL + Redis vs SQLite (in this process).
// Everything shares the machine's cores: on 2 cores three instances, PostgreSQL, Redis and the
// clients compete, so "1 → 3 instances" shows the cost of the extra hops more than a gain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSyncServer } from 'tinysync/server';
import { afterAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { listeningPort, startChild, type Child } from '../test/child.js';
import { freePort, testPostgres, testRedis, type Engine } from '../test/server/engines.js';
import { percentiles, report, type BenchRow } from './harness.js';

vi.mock('ws', async () => {
  const { createRequire } = await import('node:module');
  const ws = createRequire(import.meta.url)(new URL('../node_modules/ws/index.js', import.meta.url).pathname) as typeof import('ws');
  return { default: ws, WebSocket: ws, WebSocketServer: ws.WebSocketServer };
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROUNDS = 500;
const HOT_UPDATES = 3000;
const MANY_DOCS = Number(process.env.SCALE_BENCH_DOCS ?? 1000);
const MANY_UPDATES_PER_DOC = 5;
const MEMORY_DOCS = 1000;

const fixture = new URL('../test/server/fixtures/serve-scaled.mjs', import.meta.url);
const serverModule = new URL('../dist/server.js', import.meta.url).pathname;
const children: Child[] = [];
const engines: Engine[] = [];
const providers: { provider: WebsocketProvider; doc: Y.Doc }[] = [];

afterAll(async () => {
  for (const p of providers) {
    p.provider.destroy();
    p.doc.destroy();
  }
  for (const c of children) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  for (const e of engines) await e.stop();
});

async function instances(count: number, pg: string, redis: string): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const child = startChild(fixture, [serverModule, pg, redis, `bench-${children.length}-${i}`, String(await freePort())], {});
      children.push(child);
      return listeningPort(child, 30_000);
    }),
  );
}

function client(port: number, name: string): { provider: WebsocketProvider; doc: Y.Doc } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, name, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true });
  const c = { provider, doc };
  providers.push(c);
  return c;
}

async function until(cond: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('bench: timed out');
    await new Promise((r) => setImmediate(r));
  }
}

async function roundTrips(writerPort: number, readerPort: number, name: string): Promise<number[]> {
  const w = client(writerPort, name);
  const r = client(readerPort, name);
  await until(() => w.provider.synced && r.provider.synced);
  const map = r.doc.getMap<number>('m');
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS + 20; i++) {
    const t0 = performance.now();
    const arrived = new Promise<void>((resolve) => {
      const check = () => {
        if (map.get('i') === i) {
          map.unobserve(check);
          resolve();
        }
      };
      map.observe(check);
    });
    w.doc.getMap<number>('m').set('i', i);
    await arrived;
    if (i >= 20) samples.push(performance.now() - t0);
  }
  return samples;
}

/** Writers send `perWriter` updates each as fast as the socket takes them; resolves when `reader` has all. */
async function sustained(writers: { doc: Y.Doc }[], reader: { doc: Y.Doc }, perWriter: number): Promise<number> {
  const total = writers.length * perWriter;
  const t0 = performance.now();
  for (let i = 0; i < perWriter; i++) for (const [k, w] of writers.entries()) w.doc.getMap<number>('m').set(`w${k}`, i);
  await until(() => writers.every((_, k) => reader.doc.getMap<number>('m').get(`w${k}`) === perWriter - 1));
  return total / ((performance.now() - t0) / 1000);
}

async function manyDocs(ports: number[], tag: string): Promise<number> {
  const pairs = Array.from({ length: MANY_DOCS }, (_, d) => {
    const name = `${tag}-${d}`;
    return { w: client(ports[d % ports.length]!, name), r: client(ports[(d + 1) % ports.length]!, name) };
  });
  await until(() => pairs.every((p) => p.w.provider.synced && p.r.provider.synced));
  const t0 = performance.now();
  for (let i = 0; i < MANY_UPDATES_PER_DOC; i++) for (const p of pairs) p.w.doc.getMap<number>('m').set('v', i);
  await until(() => pairs.every((p) => p.r.doc.getMap<number>('m').get('v') === MANY_UPDATES_PER_DOC - 1));
  const rate = (MANY_DOCS * MANY_UPDATES_PER_DOC) / ((performance.now() - t0) / 1000);
  for (const p of pairs.splice(0)) for (const c of [p.w, p.r]) {
    c.provider.destroy();
    c.doc.destroy();
  }
  return rate;
}

async function heapPerDoc(opts: Parameters<typeof createSyncServer>[0]): Promise<number> {
  const server = await createSyncServer({ host: '127.0.0.1', port: 0, logger: () => {}, idleUnloadMs: 600_000, ...opts });
  const tag = Math.random().toString(36).slice(2);
  await fetch(`http://127.0.0.1:${server.port}/docs/warm-${tag}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < MEMORY_DOCS; i++) await fetch(`http://127.0.0.1:${server.port}/docs/${tag}-${i}`);
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(server.stats().docs).toBe(MEMORY_DOCS + 1);
  await server.close();
  return (after - before) / MEMORY_DOCS;
}

describe('scale-out', () => {
  it('round trips, sustained updates, 1 vs 3 instances, memory per document', async () => {
    const [pgGot, redisGot] = await Promise.all([testPostgres(), testRedis()]);
    if (!('engine' in pgGot) || !('engine' in redisGot)) {
      console.log(`scale bench skipped: ${'skip' in pgGot ? pgGot.skip : ''} ${'skip' in redisGot ? redisGot.skip : ''}`);
      return;
    }
    engines.push(pgGot.engine, redisGot.engine);
    const pg = pgGot.engine.url;
    const redis = redisGot.engine.url;
    const [a, b, c] = await instances(3, pg, redis);
    const rows: BenchRow[] = [];

    const same = percentiles(await roundTrips(a!, a!, 'rt-same'));
    const cross = percentiles(await roundTrips(a!, b!, 'rt-cross'));
    for (const [subject, p] of [['same instance', same], ['A → B (Redis)', cross]] as const) {
      rows.push({ case: 'round trip p50', subject, value: p.p50, unit: 'ms', better: 'lower' });
      rows.push({ case: 'round trip p99', subject, value: p.p99, unit: 'ms', better: 'lower' });
    }

    const hotWriters = [a, a, b, b, c, c].map((port) => client(port!, 'hot'));
    const hotReader = client(c!, 'hot');
    await until(() => [...hotWriters, hotReader].every((x) => x.provider.synced));
    rows.push({ case: 'one hot document', subject: 'A → B (Redis)', value: await sustained(hotWriters, hotReader, HOT_UPDATES / hotWriters.length), unit: 'updates/s', better: 'higher' });
    rows.push({ case: `${MANY_DOCS} documents`, subject: 'A → B (Redis)', value: await manyDocs([a!, b!, c!], 'many3'), unit: 'updates/s', better: 'higher' });
    rows.push({ case: `${MANY_DOCS} documents`, subject: 'same instance', value: await manyDocs([a!], 'many1'), unit: 'updates/s', better: 'higher' });

    const dir = mkdtempSync(join(tmpdir(), 'tinysync-bench-'));
    rows.push({ case: 'heap per idle loaded document', subject: 'same instance', value: await heapPerDoc({ dataDir: dir }), unit: 'bytes', better: 'lower', extra: { storage: 'sqlite' } });
    rows.push({ case: 'heap per idle loaded document', subject: 'A → B (Redis)', value: await heapPerDoc({ postgres: pg, redis }), unit: 'bytes', better: 'lower', extra: { storage: 'postgres + redis' } });
    rmSync(dir, { recursive: true, force: true });
    report('scale-out: instances on PostgreSQL + Redis (child processes, one machine)', rows, 'same instance');
  });
});
