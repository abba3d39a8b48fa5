// The whole scale-out under faults, with real processes: 3 server instances (child processes)
// on one PostgreSQL and one Redis, 30 clients (tracked trees bound to Yjs, and plain y-websocket
// providers) spread over them making random edits, `kill -9` of one instance at a time (its
// clients move to another instance, keeping their unsent changes), Redis restarted once. At the
// end every client, every instance's GET /docs/<doc> and PostgreSQL hold the same content, and
// every change that a client saw acknowledged (another client received it) is in PostgreSQL.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { track, snapshot } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { PostgresPersistence } from 'tinysync/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { listeningPort, startChild, type Child } from '../child.js';
import { buildServer } from './build-fixture.js';
import { freePort, testEngines } from './engines.js';
import { waitFor } from './helpers.js';

const { pg, redis, stop: stopEngines } = await testEngines('scale-out integration test');

let built: { server: string; cli: string } | undefined;
beforeAll(async () => {
  if (pg && redis) built = await buildServer();
}, 60_000);
interface Instance {
  id: string;
  port: number;
  child: Child | undefined;
  /** Listening (started and not killed since). */
  up: boolean;
}
const instances: Instance[] = [];
afterAll(async () => {
  for (const i of instances) i.child?.proc.kill('SIGKILL');
  await Promise.all(instances.map((i) => i.child?.exited));
  await stopEngines();
  if (built) rmSync(dirname(built.server), { recursive: true, force: true });
});

// Every y-websocket provider adds a process 'exit' listener; 30 clients are expected here.
process.setMaxListeners(64);
const fixture = fileURLToPath(new URL('./fixtures/serve-scaled.mjs', import.meta.url));
const DOC = 'board';
const CLIENTS = 30;
const EDIT_MS = 12_000;

async function start(instance: Instance): Promise<void> {
  const child = startChild(pathToFileURL(fixture), [built!.server, pg!.url, redis!.url, instance.id, String(instance.port)], {});
  instance.child = child;
  await listeningPort(child, 20_000);
  instance.up = true;
}

interface TestClient {
  name: string;
  doc: Y.Doc;
  /** The tracked tree bound to the doc (half the clients), or none (plain y-websocket). */
  tree: Record<string, number> | undefined;
  provider: WebsocketProvider;
  instance: number;
  content(): Record<string, unknown>;
  edit(key: string, value: number): void;
}

function connect(client: Pick<TestClient, 'doc'>, port: number): WebsocketProvider {
  return new WebsocketProvider(`ws://127.0.0.1:${port}/sync`, DOC, client.doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
  });
}

describe.skipIf(!pg || !redis || !redis.restart)('scale-out under faults (3 instances, 30 clients, kill -9, Redis restart)', () => {
  it('converges everywhere and keeps every acknowledged change in PostgreSQL', async () => {
    for (let i = 0; i < 3; i++) instances.push({ id: `node-${i}`, port: await freePort(), child: undefined, up: false });
    await Promise.all(instances.map(start));

    const clients: TestClient[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const doc = new Y.Doc();
      const tracked = c % 2 === 0;
      const tree = tracked ? track({} as Record<string, number>) : undefined;
      if (tree) bind(tree, doc);
      const instance = c % 3;
      clients.push({
        name: `c${c}`,
        doc,
        tree,
        instance,
        provider: connect({ doc }, instances[instance]!.port),
        content: () => (tree ? (snapshot(tree) as Record<string, unknown>) : doc.getMap('tinysync').toJSON()),
        edit: (key, value) => (tree ? (tree[key] = value) : doc.getMap('tinysync').set(key, value)),
      });
    }
    await waitFor(() => clients.every((c) => c.provider.synced), 'every client synced', 20_000);

    // A change is acknowledged once another client has it (the server relays stored changes
    // only). Each change is known by its Yjs id: its client and the clock after it.
    let made: { by: TestClient; client: number; clock: number }[] = [];
    const acknowledged: { client: number; clock: number }[] = [];
    const checkAcks = () => {
      made = made.filter((m) => {
        if (!clients.some((c) => c !== m.by && Y.getState(c.doc.store, m.client) >= m.clock)) return true;
        acknowledged.push({ client: m.client, clock: m.clock });
        return false;
      });
    };
    const moveClients = (from: number) => {
      for (const c of clients.filter((x) => x.instance === from)) {
        c.provider.destroy();
        c.instance = (from + 1 + Math.floor(Math.random() * 2)) % 3;
        c.provider = connect(c, instances[c.instance]!.port);
      }
    };

    let n = 0;
    const started = Date.now();
    const dead = () => instances.filter((i) => !i.up);
    async function kill(index: number): Promise<void> {
      instances[index]!.up = false;
      const child = instances[index]!.child!;
      child.proc.kill('SIGKILL');
      await child.exited;
      moveClients(index);
    }
    // The faults, in order, on a schedule while the clients edit: one instance down at a time
    // (the next is killed only once the previous is back), Redis restarted once in between.
    const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, started + ms - Date.now())));
    const killed: string[] = [];
    const chaos = (async () => {
      for (const step of [2_000, 5_000]) {
        await at(step);
        const victim = Math.floor(Math.random() * 3);
        killed.push(instances[victim]!.id);
        await kill(victim);
        if (step === 5_000) {
          await at(6_500);
          await redis!.restart!();
        }
        await at(step + 2_500);
        await Promise.all(dead().map(start));
      }
    })();
    while (Date.now() - started < EDIT_MS) {
      for (let i = 0; i < 5; i++) {
        const by = clients[Math.floor(Math.random() * CLIENTS)]!;
        const key = `k${n % 200}`;
        const value = ++n;
        by.edit(key, value);
        made.push({ by, client: by.doc.clientID, clock: Y.getState(by.doc.store, by.doc.clientID) });
      }
      checkAcks();
      await new Promise((r) => setTimeout(r, 25));
    }
    await chaos;
    expect(killed).toHaveLength(2);

    // Every client ends with the same content ...
    await waitFor(
      () => {
        const first = clients[0]!.content();
        return clients.every((c) => isDeepStrictEqual(c.content(), first));
      },
      'every client converged',
      30_000,
    );
    const final = clients[0]!.content();
    // ... every instance serves it ...
    for (const instance of instances) {
      let json: unknown;
      const deadline = Date.now() + 20_000;
      do {
        json = await (await fetch(`http://127.0.0.1:${instance.port}/docs/${DOC}`)).json();
        if (isDeepStrictEqual((json as { tinysync?: unknown }).tinysync, final)) break;
        await new Promise((r) => setTimeout(r, 50));
      } while (Date.now() < deadline);
      expect((json as { tinysync?: unknown }).tinysync).toEqual(final);
    }
    // ... and PostgreSQL holds it, including every change a client saw acknowledged.
    const store = new PostgresPersistence(pg!.url);
    const stored = new Y.Doc();
    for (const u of (await store.load(DOC)).updates) Y.applyUpdate(stored, u);
    await store.close();
    const inPostgres = stored.getMap('tinysync').toJSON();
    expect(inPostgres).toEqual(final);
    // Acknowledged changes seen while editing (later ones may have replaced their values, so
    // this compares Yjs ids): every one of them is in PostgreSQL.
    expect(acknowledged.length).toBeGreaterThan(100);
    const missing = acknowledged.filter((a) => Y.getState(stored.store, a.client) < a.clock);
    expect(missing).toEqual([]);
    // And in the end nothing any client made is missing there either.
    for (const c of clients) {
      for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(c.doc))) expect(Y.getState(stored.store, client)).toBeGreaterThanOrEqual(clock);
    }
    stored.destroy();
    for (const c of clients) {
      c.provider.destroy();
      c.doc.destroy();
    }
  }, 120_000);
});
