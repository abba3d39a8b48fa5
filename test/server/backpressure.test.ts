// Backpressure and no amplification: a client that does not read is closed (4008) once what
// waits for it passes maxBufferedBytes; sync step 1 and query-awareness are answered at a bounded
// rate per connection (4029 when too many wait). With the server in a child process, a slow
// reader under 200 × 500 KB of updates, and 3,000 step-1 frames from a client that never reads,
// leave its memory bounded.
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloseCode } from 'tinysync/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { startChild, listeningPort, type Child } from '../child.js';
import { buildServer } from './build-fixture.js';
import { message, STEP1 } from './frames.js';
import { attempt, cleanup, closed, connectClient, startServer, tempDir, waitFor } from './helpers.js';

afterEach(cleanup);

const QUERY_AWARENESS = message(3);
const isStep2 = (m: Buffer) => m[0] === 0 && m[1] === 1;

/** `count` updates of `bytes` each, every one replacing the same map entry (so the doc stays small). */
function bigUpdates(count: number, bytes: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < count; i++) {
    doc.transact(() => {
      doc.getMap('m').set('blob', `${i}:${'x'.repeat(bytes)}`);
      doc.getMap('m').set('i', i);
    });
  }
  doc.destroy();
  return updates;
}

/** Sends `frame` and resolves once ws handed it to the kernel (paces a writer). */
function send(ws: WebSocket, frame: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => ws.send(frame, (err) => (err ? reject(err) : resolve())));
}

async function raw(url: string): Promise<{ ws: WebSocket; messages: Buffer[] }> {
  const r = await attempt(url);
  if (r.refused) throw new Error(`refused: ${r.status}`);
  return r;
}

/** Sends step 1 and waits for its answer: every frame sent before it on `conn` has been handled. */
async function roundTrip(conn: { ws: WebSocket; messages: Buffer[] }): Promise<void> {
  const before = conn.messages.filter(isStep2).length;
  conn.ws.send(STEP1);
  await waitFor(() => conn.messages.filter(isStep2).length > before, 'step 2 answer', 60_000);
}

describe('backpressure: a client that does not read', () => {
  it('is closed with 4008 once what waits for it passes maxBufferedBytes; the other clients get everything', async () => {
    const { server, logs } = await startServer({ limits: { maxBufferedBytes: 1024 * 1024 } });
    const reader = await raw(`${server.url}/doc`);
    const watcher = connectClient(server.url, 'doc');
    await waitFor(() => reader.messages.length > 0, 'reader got the server’s step 1');
    reader.ws.pause(); // stops reading its socket: kernel buffers fill, then the server's
    const writer = await raw(`${server.url}/doc`);
    const updates = bigUpdates(100, 200_000);
    for (const u of updates) await send(writer.ws, message(0, 2, u));
    await waitFor(() => watcher.doc.getMap('m').get('i') === 99, 'a reading client receives every update', 30_000);

    const done = closed(reader.ws);
    reader.ws.resume();
    expect((await done).code).toBe(CloseCode.SLOW_READER);
    // It got a part of the updates (what was queued before it was found too slow), not all.
    expect(reader.messages.filter((m) => m[0] === 0 && m[1] === 2).length).toBeLessThan(updates.length);
    expect(logs.some((r) => r.event === 'client-refused' && r.code === CloseCode.SLOW_READER)).toBe(true);
    expect(writer.ws.readyState).toBe(writer.ws.OPEN);
  });
});

describe('rate limits: sync step 1 and query-awareness', () => {
  it('answers a client that awaits each answer (only slowed down), and closes a flooding one with 4029', async () => {
    const { server } = await startServer({ limits: { syncRequestBurst: 5, syncRequestsPerSecond: 20 } });
    const patient = await raw(`${server.url}/doc`);
    for (let i = 0; i < 15; i++) await roundTrip(patient);
    expect(patient.messages.filter(isStep2)).toHaveLength(15);
    expect(patient.ws.readyState).toBe(patient.ws.OPEN);

    for (const [what, frame] of [['step 1', STEP1], ['query-awareness', QUERY_AWARENESS]] as const) {
      const flood = await raw(`${server.url}/doc`);
      const done = closed(flood.ws);
      for (let i = 0; i < 50; i++) flood.ws.send(frame);
      expect((await done).code, what).toBe(CloseCode.RATE_LIMITED);
      // The burst is answered at once; what waited for its turn is dropped with the connection.
      if (frame === STEP1) expect(flood.messages.filter(isStep2).length).toBeLessThanOrEqual(10);
    }
  });
});

/** Resident and peak resident memory of a process, in bytes (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const MB = 1024 * 1024;
/**
 * docs/server/limits.md: the server process grows by less than this. Measured here:
 * ~80 MB with the limits (mostly garbage from taking in 100 MB of updates, not yet collected),
 * ~170 MB without maxBufferedBytes; the 3,000 step-1 frames: ~30 MB (2.4 GB was reported
 * without the limits; not rerun here, it would starve the machine).
 */
const RSS_BOUND = 128 * MB;

describe.runIf(process.platform === 'linux')('server memory under a client that does not read (child process)', () => {
  let built: { server: string; cli: string };
  const children: Child[] = [];
  beforeAll(async () => {
    built = await buildServer();
  }, 60_000);
  afterAll(() => rmSync(dirname(built.server), { recursive: true, force: true }));
  afterEach(() => {
    for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  });

  async function serve(): Promise<{ child: Child; url: string; pid: number }> {
    const fixture = fileURLToPath(new URL('./fixtures/serve-logged.mjs', import.meta.url));
    const child = startChild(pathToFileURL(fixture), [built.server, tempDir()], {});
    children.push(child);
    const port = await listeningPort(child);
    return { child, url: `ws://127.0.0.1:${port}/sync`, pid: child.proc.pid! };
  }

  const refusedWith = (child: Child, code: number) => child.line((l) => l.includes('"client-refused"') && l.includes(`"code":${code}`), 60_000);

  it(`stays within ${RSS_BOUND / MB} MB of growth while a writer pushes 200 × 500 KB past a slow reader`, async () => {
    const { child, url, pid } = await serve();
    const reader = await raw(`${url}/doc`);
    const writer = await raw(`${url}/doc`);
    await waitFor(() => reader.messages.length > 0, 'reader got the server’s step 1');
    reader.ws.pause();
    const updates = bigUpdates(200, 500_000);
    await roundTrip(writer); // the room is loaded and warm
    const before = memory(pid).rss;
    for (const u of updates) await send(writer.ws, message(0, 2, u));
    await roundTrip(writer); // every update was applied, stored and sent on
    const grown = memory(pid).peak - before;
    expect(grown).toBeLessThan(RSS_BOUND);
    await refusedWith(child, CloseCode.SLOW_READER);
  }, 120_000);

  it(`stays within ${RSS_BOUND / MB} MB of growth under 3,000 step-1 frames from a client that never reads`, async () => {
    const { child, url, pid } = await serve();
    const writer = await raw(`${url}/doc`);
    // A 1 MB document: each step 1 asks for all of it.
    const seed = new Y.Doc();
    seed.getMap('m').set('a', 'a'.repeat(500_000));
    seed.getMap('m').set('b', 'b'.repeat(500_000));
    await send(writer.ws, message(0, 2, Y.encodeStateAsUpdate(seed)));
    seed.destroy();
    await roundTrip(writer);
    const before = memory(pid).rss;
    const attacker = await raw(`${url}/doc`);
    attacker.ws.pause();
    for (let i = 0; i < 3000; i++) attacker.ws.send(STEP1);
    await send(attacker.ws, STEP1);
    const line = await Promise.race([refusedWith(child, CloseCode.SLOW_READER), refusedWith(child, CloseCode.RATE_LIMITED)]);
    await roundTrip(writer); // still answering
    const grown = memory(pid).peak - before;
    expect(line).toMatch(/"code":40(08|29)/);
    expect(grown).toBeLessThan(RSS_BOUND);
  }, 120_000);
});
