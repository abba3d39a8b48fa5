// The sync server side by side with a bare @y/websocket-server (its setupWSConnection on a
// plain ws server, no persistence, no auth), in one run on loopback:
// - fan-out latency: one writer, 10 / 100 / 500 readers on one document; for every change the
//   time from the writer's send to each reader's receipt: p50 over all deliveries, p99 as the
//   median of the p99s of 5 blocks of rounds (the pooled p99 is kept in results.json).
//   tinysync validates, applies and commits every update to SQLite before relaying it; the
//   bare server only applies and relays.
// - memory per loaded small document (a map of 5 fields and 50 characters of text), heap
//   growth after GC divided by the number of documents loaded.
// Readers, writer and servers share this process (and its two cores), identically for both.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { docs as bareDocs, setupWSConnection } from '@y/websocket-server/utils';
import * as encoding from 'lib0/encoding';
import { createSyncServer } from 'tinysync/server';
import { describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { percentiles, report, type BenchRow } from './harness.js';
import { attackClasses, runClass, type PhaseResult, type ServerKind } from './hostile-load.js';

// vite-plugin-solid makes vitest resolve with the `browser` condition, which maps `ws` to its
// browser stub; load the Node build by file path instead (see test/server/node-ws.ts).
vi.mock('ws', async () => {
  const { createRequire } = await import('node:module');
  const ws = createRequire(import.meta.url)(new URL('../node_modules/ws/index.js', import.meta.url).pathname) as typeof import('ws');
  return { default: ws, WebSocket: ws, WebSocketServer: ws.WebSocketServer };
});

const OURS = 'tinysync' as const;
const BARE = 'bare @y/websocket-server' as const;
const READERS = [10, 100, 500];
const ROUNDS: Record<number, number> = { 10: 2000, 100: 1000, 500: 200 };
const WARMUP = 50;
const BLOCKS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const MEMORY_DOCS = 1000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Target {
  url: string;
  loadedDocs(): number;
  close(): Promise<void>;
}

async function startOurs(dataDir: string): Promise<Target> {
  const server = await createSyncServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logger: () => {},
    idleUnloadMs: 10 * 60_000,
    limits: { maxConnectionsPerDoc: 1000 },
  });
  return { url: server.url, loadedDocs: () => server.stats().docs, close: () => server.close() };
}

async function startBare(): Promise<Target> {
  const http: Server = createServer((_req, res) => res.end('okay'));
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', setupWSConnection);
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/sync`,
    loadedDocs: () => bareDocs.size,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
      for (const doc of bareDocs.values()) doc.destroy();
      bareDocs.clear();
    },
  };
}

function syncMessage(type: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** A raw y-websocket client: opens, sends sync step 1 with an empty state vector, resolves on the reply. */
function rawClient(url: string, onMessage: (data: Buffer) => void = () => {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let ready = false;
    ws.on('error', reject);
    ws.on('open', () => ws.send(syncMessage(0, Y.encodeStateVector(new Y.Doc()))));
    ws.on('message', (data: Buffer) => {
      if (!ready && data[0] === 0 && data[1] === 1) {
        ready = true;
        resolve(ws);
      } else if (ready) onMessage(data);
    });
  });
}

/** One writer and `readers` raw readers on one document of `target`, ready to run rounds. */
async function fanOutSession(target: Target, readers: number) {
  const room = `${target.url}/fanout-${readers}`;
  let sentAt = 0;
  let received = 0;
  let roundDone: () => void = () => {};
  let measuring = false;
  const samples: number[] = [];
  const sockets = await Promise.all(
    Array.from({ length: readers }, () =>
      rawClient(room, (data) => {
        if (data[0] !== 0 || data[1] !== 2) return; // only updates
        if (measuring) samples.push(performance.now() - sentAt);
        if (++received === readers) roundDone();
      }),
    ),
  );
  const writer = await rawClient(room);
  const doc = new Y.Doc();
  let update: Uint8Array = new Uint8Array();
  doc.on('update', (u: Uint8Array) => (update = u));
  return {
    samples,
    /** One change from the writer; resolves when every reader has it. */
    async round(i: number, measure: boolean): Promise<void> {
      measuring = measure;
      doc.getMap('m').set('counter', i);
      const frame = syncMessage(2, update);
      received = 0;
      const done = new Promise<void>((r) => (roundDone = r));
      sentAt = performance.now();
      writer.send(frame);
      await done;
    },
    close(): void {
      for (const ws of [...sockets, writer]) ws.terminate();
      doc.destroy();
    },
  };
}

async function memoryPerDoc(target: Target, count: number): Promise<number> {
  const content = new Y.Doc();
  for (let i = 0; i < 5; i++) content.getMap('m').set(`field${i}`, `value ${i}`);
  content.getText('t').insert(0, 'x'.repeat(50));
  const update = syncMessage(2, Y.encodeStateAsUpdate(content));
  content.destroy();
  const before = target.loadedDocs();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    const ws = await rawClient(`${target.url}/mem-${i}`);
    const gone = new Promise((r) => ws.once('close', r));
    ws.send(update);
    ws.close();
    await gone;
  }
  expect(target.loadedDocs() - before).toBe(count);
  await new Promise((r) => setTimeout(r, 50));
  gc();
  gc();
  return (process.memoryUsage().heapUsed - heap0) / count;
}

describe('server bench', () => {
  it('fan-out latency and memory per document, vs a bare @y/websocket-server', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tinysync-bench-'));
    const rows: BenchRow[] = [];
    try {
      // Both servers run at once and the rounds alternate between them, so that noise from the
      // machine (GC, other processes) falls on both alike.
      const targets = { [BARE]: await startBare(), [OURS]: await startOurs(dataDir) };
      for (const n of READERS) {
        const sessions = { [BARE]: await fanOutSession(targets[BARE], n), [OURS]: await fanOutSession(targets[OURS], n) };
        // BLOCKS blocks of rounds: the p99 reported is the median of the blocks' p99s, so that
        // one burst of load from elsewhere on the machine does not decide the figure.
        const blockP99 = { [BARE]: [] as number[], [OURS]: [] as number[] };
        const perBlock = Math.ceil(ROUNDS[n]! / BLOCKS);
        for (let i = 0; i < WARMUP; i++) for (const subject of [BARE, OURS] as const) await sessions[subject]!.round(i, false);
        for (let b = 0; b < BLOCKS; b++) {
          const from = { [BARE]: sessions[BARE]!.samples.length, [OURS]: sessions[OURS]!.samples.length };
          for (let i = 0; i < perBlock; i++) {
            for (const subject of i % 2 ? ([OURS, BARE] as const) : ([BARE, OURS] as const)) await sessions[subject]!.round(WARMUP + b * perBlock + i, true);
          }
          for (const subject of [BARE, OURS] as const) blockP99[subject].push(percentiles(sessions[subject]!.samples.slice(from[subject])).p99);
        }
        for (const subject of [BARE, OURS] as const) {
          const all = percentiles(sessions[subject]!.samples);
          const p99 = median(blockP99[subject]);
          sessions[subject]!.close();
          const extra = { mean: all.mean, pooledP99: all.p99, blockP99: blockP99[subject].map((v) => +v.toFixed(3)).join(' '), rounds: perBlock * BLOCKS, deliveries: sessions[subject]!.samples.length };
          rows.push({ case: `fan-out ${n} readers p50`, subject, value: all.p50, unit: 'ms', better: 'lower', extra });
          rows.push({ case: `fan-out ${n} readers p99`, subject, value: p99, unit: 'ms', better: 'lower', extra });
        }
      }
      await targets[BARE]!.close();
      await targets[OURS]!.close();
      for (const [subject, start] of [[BARE, startBare], [OURS, () => startOurs(dataDir)]] as const) {
        const target = await start();
        const bytes = await memoryPerDoc(target, MEMORY_DOCS);
        await target.close();
        rows.push({ case: 'heap per loaded small doc', subject, value: bytes, unit: 'bytes', better: 'lower', extra: { docs: MEMORY_DOCS } });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    rows.sort((a, b) => (a.case === b.case ? 0 : rows.findIndex((r) => r.case === a.case) - rows.findIndex((r) => r.case === b.case)));
    report('server: fan-out latency and memory (loopback, one process)', rows, BARE);
  }, 300_000);
});

// Issue 11's hostile-load proof. Each server runs in a child process (bench/hostile-server.mjs),
// so its peak RSS is its own; for each attack class, a fresh server of each kind gets a quiet
// phase, then the same length with the attacker running (it reconnects when closed; every loop
// is bounded by the phase and by a count). Measured meanwhile: a legitimate pair's round trip
// (write on A, seen on B) on the attacked document and on another one, and the time of an HTTP
// request (/health; any path of the bare server). Peak RSS is VmHWM since the process started,
// read at the end of each phase. HOSTILE_CLASSES=1,3 runs only those classes.
const PHASE_MS = 3000;
const MB = 1024 * 1024;

describe('server under attack', () => {
  it('legitimate round trips, HTTP latency and peak RSS per attack class, vs no attacker and vs a bare @y/websocket-server', async () => {
    const only = process.env.HOSTILE_CLASSES?.split(',').map(Number);
    const classes = attackClasses()
      .map((cls, i) => ({ cls, n: i + 1 }))
      .filter(({ n }) => !only || only.includes(n));
    const subjectOf: Record<ServerKind, string> = { tinysync: OURS, bare: BARE };
    const byPhase: BenchRow[] = [];
    const byServer: BenchRow[] = [];
    const summary: string[] = [];
    for (const { cls, n } of classes) {
      const results = {} as Record<ServerKind, { quiet: PhaseResult; attacked: PhaseResult }>;
      for (const kind of ['bare', 'tinysync'] as const) results[kind] = await runClass(kind, cls, n, PHASE_MS);
      const short = `class ${n}`;
      const line: string[] = [cls.name];
      for (const kind of ['tinysync', 'bare'] as const) {
        const figures = (r: PhaseResult) => ({
          'round trip, same doc, p50': [percentiles(r.same).p50, 'ms'],
          'round trip, same doc, p99': [percentiles(r.same).p99, 'ms'],
          'round trip, other doc, p99': [percentiles(r.other).p99, 'ms'],
          'HTTP p99': [percentiles(r.http).p99, 'ms'],
          'server peak RSS': [r.peakRss / MB, 'MB'],
        }) as Record<string, [number, string]>;
        const extra = (r: PhaseResult) => ({
          samples: `${r.same.length}/${r.other.length}/${r.http.length}`,
          maxSameMs: Math.max(...r.same),
          maxHttpMs: Math.max(...r.http),
          legitTimeouts: r.pairs.same.timeouts + r.pairs.other.timeouts,
          legitReconnects: r.pairs.same.reconnects + r.pairs.other.reconnects,
          legitClosedWith: JSON.stringify({ same: r.pairs.same.closes, other: r.pairs.other.closes }),
          peerYjsErrors: r.pairs.same.peerErrors + r.pairs.other.peerErrors,
          serverAlive: String(r.serverAlive),
          attack: r.attack.map((a) => `${a.frames} frames, ${a.connections} conns, ${a.refused} refused, closes ${JSON.stringify(a.closes)}`).join('; '),
        });
        for (const [phase, r] of [['no attacker', results[kind].quiet], ['attacker', results[kind].attacked]] as const) {
          for (const [metric, [value, unit]] of Object.entries(figures(r))) {
            byPhase.push({ case: `${short} · ${metric} · ${kind}`, subject: phase, value, unit, better: 'lower', extra: extra(r) });
            if (phase === 'attacker') byServer.push({ case: `${short} · ${metric}`, subject: subjectOf[kind], value, unit, better: 'lower', extra: extra(r) });
          }
        }
        const q = figures(results[kind].quiet);
        const a = figures(results[kind].attacked);
        const pair = (m: string) => `${q[m]![0].toFixed(1)} → ${a[m]![0].toFixed(1)}`;
        line.push(`${kind}: same p99 ${pair('round trip, same doc, p99')} ms, other p99 ${pair('round trip, other doc, p99')} ms, HTTP p99 ${pair('HTTP p99')} ms, peak RSS ${pair('server peak RSS')} MB; ${extra(results[kind].attacked).attack}; legit timeouts ${extra(results[kind].attacked).legitTimeouts}, legit closed with ${extra(results[kind].attacked).legitClosedWith}, peer Yjs errors ${extra(results[kind].attacked).peerYjsErrors}`);
      }
      summary.push(line.join('\n  '));
      expect(results.tinysync.quiet.same.length).toBeGreaterThan(0);
    }
    report('server under attack: attacked vs no attacker (each server)', byPhase, 'no attacker');
    report('server under attack: tinysync vs bare @y/websocket-server, both attacked', byServer, BARE);
    console.log(`\n## server under attack, no attacker → attacker\n${summary.join('\n')}`);
  }, 600_000);
});
