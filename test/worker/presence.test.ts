// Presence (awareness) of the worker engine across reconnects, against the real tinysync
// server: a device that goes offline and back is seen again at once, and sees the others.
// The other device is a bare y-websocket provider, as any y-protocols peer would be.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { createSyncServer, createToken, type SyncServer } from 'tinysync/server';
import { holdLock } from '../../src/worker/locks.js';
import { lifetimeLockName } from '../../src/worker/tab-lifetimes.js';
import { locks, openTab, until, type FakeTab } from './harness.js';

const secret = 'presence-tests-secret-0123456789abcdef-0123456789';
let seq = 0;
const uniqueName = () => `presence-test/${process.pid}/${++seq}`;
let server: SyncServer;
let dataDir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tinysync-presence-'));
  server = await createSyncServer({ host: '127.0.0.1', port: 0, dataDir, secret, logger: () => {} });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function tab(name: string, token: string): Promise<FakeTab> {
  const t = await openTab({ name, sync: { url: server.url, token }, maxBackoffMs: 300 });
  cleanups.push(() => t.close());
  return t;
}

/** Another device: a bare y-websocket provider with an awareness state of its own. */
function device(name: string, token: string, state: Record<string, unknown>): { peers: () => unknown[] } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(server.url, encodeURIComponent(name), doc, {
    params: { token },
    disableBc: true,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  provider.awareness.setLocalState(state);
  cleanups.push(() => {
    provider.awareness.destroy();
    provider.destroy();
    doc.destroy();
  });
  return {
    peers: () => [...provider.awareness.getStates()].filter(([id, s]) => id !== doc.clientID && s).map(([, s]) => s),
  };
}

const users = (peers: Array<{ state: Record<string, unknown> }>) => peers.map((p) => p.state['user']).sort();
const has = (peers: unknown[], user: string) => peers.some((p) => (p as { user?: unknown }).user === user);

describe('presence across reconnects', () => {
  it('after setOnline(false) / setOnline(true) the device and the other device see each other again within 1.5 s, both ways', async () => {
    const name = uniqueName();
    const token = await createToken({ secret, doc: name, right: 'write', sub: 'tester', ttl: '1h' });
    const a = await tab(name, token);
    a.engine.setPresence({ user: 'ann' });
    const b = device(name, token, { user: 'bob' });
    await until(() => users(a.peers).includes('bob') && has(b.peers(), 'ann'), 'both to see each other');

    a.engine.setOnline(false, 'app');
    await until(() => !has(b.peers(), 'ann') && a.peers.length === 0, 'ann gone from bob, bob gone from ann');
    const t0 = Date.now();
    a.engine.setOnline(true, 'app');
    // y-protocols renews a state every 15 s: without a re-announce this takes up to 15 s.
    await until(() => has(b.peers(), 'ann'), 'bob to see ann again', 5000);
    await until(() => users(a.peers).includes('bob'), 'ann to see bob again', 5000);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a second tab of the device is seen again after the reconnect, and sees the other device again', async () => {
    const name = uniqueName();
    const token = await createToken({ secret, doc: name, right: 'write', sub: 'tester', ttl: '1h' });
    const a1 = await tab(name, token);
    await until(() => a1.leader, 'a1 leads');
    const a2 = await tab(name, token);
    a1.engine.setPresence({ user: 'ann-1' });
    a2.engine.setPresence({ user: 'ann-2' });
    const b = device(name, token, { user: 'bob' });
    await until(() => has(b.peers(), 'ann-2') && users(a2.peers).includes('bob'), 'the follower and bob to see each other');

    a2.engine.setOnline(false, 'app');
    await until(() => !has(b.peers(), 'ann-1') && !has(b.peers(), 'ann-2'), 'both tabs gone from bob');
    await until(() => !users(a2.peers).includes('bob'), 'bob gone from the follower');
    const t0 = Date.now();
    a2.engine.setOnline(true, 'app');
    await until(() => has(b.peers(), 'ann-1') && has(b.peers(), 'ann-2'), 'bob to see both tabs again', 5000);
    await until(() => users(a2.peers).includes('bob') && users(a1.peers).includes('bob'), 'both tabs to see bob again', 5000);
    expect(Date.now() - t0).toBeLessThan(1500);
    // The tabs still see each other.
    expect(users(a1.peers)).toEqual(['ann-2', 'bob']);
    expect(users(a2.peers)).toEqual(['ann-1', 'bob']);
  });

  it('a tab closed after an offline spell leaves the other device at once (the server owns its re-announced state)', async () => {
    const name = uniqueName();
    const token = await createToken({ secret, doc: name, right: 'write', sub: 'tester', ttl: '1h' });
    const a = await openTab({ name, sync: { url: server.url, token }, maxBackoffMs: 300 });
    a.engine.setPresence({ user: 'ann' });
    const b = device(name, token, { user: 'bob' });
    await until(() => has(b.peers(), 'ann'), 'bob to see ann');
    a.engine.setOnline(false, 'app');
    await until(() => !has(b.peers(), 'ann'), 'ann gone');
    a.engine.setOnline(true, 'app');
    await until(() => has(b.peers(), 'ann'), 'ann back', 5000);
    // Gone without a goodbye: the socket drops for good (as when the tab's process ends).
    const { provider } = (a.engine as unknown as { network: { provider: { ws: WebSocket; shouldConnect: boolean } } }).network;
    provider.shouldConnect = false;
    const t0 = Date.now();
    provider.ws.terminate();
    await until(() => !has(b.peers(), 'ann'), 'ann gone from bob', 5000);
    expect(Date.now() - t0).toBeLessThan(1500);
    await a.close();
  });
});

describe('presence of closed tabs', () => {
  it('a tab gone without a goodbye (its worker ended: its lifetime lock is released) leaves the other device within 1.5 s', async () => {
    const name = uniqueName();
    const token = await createToken({ secret, doc: name, right: 'write', sub: 'tester', ttl: '1h' });
    const a = await tab(name, token);
    await until(() => a.leader, 'a leads');
    a.engine.setPresence({ user: 'ann-1' });
    const b = device(name, token, { user: 'bob' });
    // A second tab of the device, speaking the tabs' protocol by hand, so that it can die
    // without a word: it holds its lifetime lock, says who it is, and shows a state.
    const id = 'tab-that-dies';
    const channel = new BroadcastChannel(`tinysync:${name}`);
    cleanups.push(() => channel.close());
    const life = holdLock(locks, lifetimeLockName(name, id));
    await life.acquired;
    const awareness = new Awareness(new Y.Doc());
    cleanups.push(() => awareness.destroy());
    awareness.setLocalState({ user: 'ann-2' });
    channel.postMessage({ t: 'here', from: id, client: awareness.clientID });
    channel.postMessage({ t: 'awareness', from: id, u: encodeAwarenessUpdate(awareness, [awareness.clientID]) });
    await until(() => has(b.peers(), 'ann-2') && users(a.peers).includes('ann-2'), 'bob and the leader to see the second tab');

    const t0 = Date.now();
    life.release();
    channel.close();
    await until(() => !has(b.peers(), 'ann-2') && !users(a.peers).includes('ann-2'), 'the second tab gone', 5000);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(has(b.peers(), 'ann-1')).toBe(true);
  });
});
