import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { REMOTE, openTab, until, type FakeTab } from './harness.js';
import { startYServer, type YServer } from './y-server.js';

let seq = 0;
const uniqueName = () => `engine-test/${process.pid}/${++seq}`;
const open: FakeTab[] = [];
let server: YServer | null = null;

async function tab(opts: Parameters<typeof openTab>[0]): Promise<FakeTab> {
  const t = await openTab(opts);
  open.push(t);
  return t;
}

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  await server?.close();
  server = null;
});

describe('Engine (worker core, in-process)', () => {
  it('relays every change to the other tabs of the same name, and a new tab loads them', async () => {
    const name = uniqueName();
    const a = await tab({ name });
    const b = await tab({ name });
    a.map.set('x', 1);
    b.map.set('y', 2);
    await until(() => a.map.get('y') === 2 && b.map.get('x') === 1, 'tabs to converge');
    await a.engine.flushed();
    await b.engine.flushed();
    const c = await tab({ name });
    expect(c.map.toJSON()).toEqual({ x: 1, y: 2 });
  });

  it('syncs through one leader; the server holds every change once synced() resolves', async () => {
    server = await startYServer();
    const name = uniqueName();
    const a = await tab({ name, sync: { url: server.url } });
    const b = await tab({ name, sync: { url: server.url } });
    await until(() => a.leader || b.leader, 'a leader');
    expect(a.leader && b.leader).toBe(false);
    const follower = a.leader ? b : a;
    follower.map.set('from-follower', 1);
    await follower.engine.synced();
    expect(server.doc(name).getMap('m').get('from-follower')).toBe(1);
    expect(server.open()).toBe(1);
    await until(() => follower.statuses.at(-1) === 'synced', 'follower status synced');
  });

  it('hands the socket to another tab when the leader closes, and loses nothing', async () => {
    server = await startYServer();
    const name = uniqueName();
    const a = await tab({ name, sync: { url: server.url } });
    await until(() => a.leader, 'a leads');
    const b = await tab({ name, sync: { url: server.url } });
    a.map.set('before', 1);
    await a.engine.synced();
    open.splice(open.indexOf(a), 1);
    await a.close();
    b.map.set('after', 2);
    await until(() => b.leader, 'b takes over');
    await b.engine.synced();
    expect(server.doc(name).getMap('m').toJSON()).toEqual({ before: 1, after: 2 });
  });

  it('merges offline edits of two devices on reconnect', async () => {
    server = await startYServer();
    const name = uniqueName();
    // The other "device" writes straight into the server's doc while this one is cut off.
    const a = await tab({ name, sync: { url: server.url } });
    await a.engine.synced();
    server.refuse({ status: 503 });
    server.dropAll();
    await until(() => a.statuses.at(-1) !== 'synced', 'a to notice');
    a.map.set('offline', 1);
    const remote = new Y.Doc();
    remote.getMap('m').set('server-side', 2);
    Y.applyUpdate(server.doc(name), Y.encodeStateAsUpdate(remote));
    remote.destroy();
    server.refuse(null);
    await a.engine.synced();
    await until(() => a.map.get('server-side') === 2, 'server edit to arrive');
    expect(server.doc(name).getMap('m').toJSON()).toEqual({ offline: 1, 'server-side': 2 });
  });

  it('setOnline(false) in any tab closes the one socket at once; the tabs keep talking; setOnline(true) reconnects and sends', async () => {
    const live = (server = await startYServer());
    const name = uniqueName();
    // A long backoff: reconnecting "at once" must not wait for it.
    const a = await tab({ name, sync: { url: server.url }, maxBackoffMs: 60_000 });
    await until(() => a.leader, 'a leads');
    const b = await tab({ name, sync: { url: server.url }, maxBackoffMs: 60_000 });
    await b.engine.synced();
    b.engine.setOnline(false, 'app'); // the follower asks; the leader holds the socket
    await until(() => live.open() === 0 && a.statuses.at(-1) === 'offline' && b.statuses.at(-1) === 'offline', 'both tabs offline, no socket');
    b.map.set('made offline', 1);
    await b.engine.flushed();
    await until(() => a.map.get('made offline') === 1, 'the other tab to see it');
    expect(server.doc(name).getMap('m').get('made offline')).toBeUndefined();
    // A tab opened meanwhile learns that the store is offline.
    const c = await tab({ name, sync: { url: server.url }, maxBackoffMs: 60_000 });
    await until(() => c.statuses.at(-1) === 'offline', 'the new tab offline');
    a.engine.setOnline(true, 'app');
    await c.engine.synced();
    expect(server.doc(name).getMap('m').get('made offline')).toBe(1);
    await until(() => [a, b, c].every((t) => t.statuses.at(-1) === 'synced'), 'every tab synced');
    expect(server.open()).toBe(1);
  });

  it("follows the browser's offline/online events of the leader tab; a store opened offline waits for online", async () => {
    const live = (server = await startYServer());
    const name = uniqueName();
    const a = await tab({ name, sync: { url: server.url }, maxBackoffMs: 60_000, online: false });
    await until(() => a.leader, 'a leads');
    expect(a.statuses.at(-1) ?? 'offline').toBe('offline');
    expect(server.connections).toBe(0);
    a.map.set('before online', 1);
    a.engine.setOnline(true, 'browser');
    await a.engine.synced();
    expect(server.doc(name).getMap('m').get('before online')).toBe(1);
    a.engine.setOnline(false, 'browser');
    await until(() => live.open() === 0 && a.statuses.at(-1) === 'offline', 'a offline');
    // The app asking for online does not override the browser being offline.
    a.engine.setOnline(true, 'app');
    a.map.set('while offline', 2);
    await a.engine.flushed();
    expect(server.open()).toBe(0);
    a.engine.setOnline(true, 'browser');
    await a.engine.synced();
    expect(server.doc(name).getMap('m').toJSON()).toEqual({ 'before online': 1, 'while offline': 2 });
  });

  it('reports an auth refusal (close code 4003) as a typed error and stops reconnecting', async () => {
    server = await startYServer();
    server.refuse({ close: 4003 });
    const name = uniqueName();
    const a = await tab({ name, sync: { url: server.url }, maxBackoffMs: 50 });
    await until(() => a.errors.some((e) => e.code === 'E_AUTH'), 'auth error');
    // y-websocket reconnects only while its `shouldConnect` is on: off means no attempt will come.
    expect(a.engine.refused).toBe(true);
    expect(a.statuses.at(-1)).toBe('offline');
  });

  it('reports an HTTP 401 at the upgrade as a typed error and stops reconnecting', async () => {
    server = await startYServer();
    server.refuse({ status: 401 });
    const name = uniqueName();
    const a = await tab({ name, sync: { url: server.url, token: 'bad' }, maxBackoffMs: 50 });
    await until(() => a.errors.some((e) => e.code === 'E_AUTH'), 'auth error');
    expect(a.errors.find((e) => e.code === 'E_AUTH')?.message).toContain('401');
  });

  it('repair() replaces local state with the server state and lists the dropped local changes', async () => {
    server = await startYServer();
    const name = uniqueName();
    const seed = new Y.Doc();
    seed.getMap('m').set('server', 1);
    Y.applyUpdate(server.doc(name), Y.encodeStateAsUpdate(seed));
    seed.destroy();
    server.refuse({ status: 503 }); // sockets fail, the HTTP endpoint answers 503 too...
    const a = await tab({ name, sync: { url: server.url } });
    const b = await tab({ name, sync: { url: server.url } });
    a.map.set('local-only', 2);
    a.map.delete('nothing');
    await until(() => b.map.get('local-only') === 2, 'b to see the local change');
    server.refuse(null); // ...until repair asks
    const report = await a.engine.repair();
    // One item (the 'local-only' entry); the delete of a key that never existed deletes nothing.
    expect(report.inserts).toHaveLength(1);
    expect(report.deletes).toEqual([]);
    const dropped = new Y.Doc();
    Y.applyUpdate(dropped, report.update);
    expect(dropped.getMap('m').get('local-only')).toBe(2);
    dropped.destroy();
    const after = new Y.Doc();
    Y.applyUpdate(after, report.state);
    expect(after.getMap('m').toJSON()).toEqual({ server: 1 });
    after.destroy();
    await until(() => JSON.stringify(b.map.toJSON()) === JSON.stringify({ server: 1 }), 'b to reload the repaired state');
  });

  it('shares presence between tabs and drops a closed tab', async () => {
    const name = uniqueName();
    const a = await tab({ name });
    const b = await tab({ name });
    a.engine.setPresence({ user: 'ann' });
    await until(() => b.peers.some((p) => p.state['user'] === 'ann'), 'b to see ann');
    open.splice(open.indexOf(a), 1);
    await a.close();
    await until(() => b.peers.length === 0, 'ann to disappear');
  });

  it('lock(): 2 tabs × 50 read-increment-write end at exactly 100', async () => {
    const name = uniqueName();
    const a = await tab({ name });
    const b = await tab({ name });
    const run = async (t: FakeTab) => {
      for (let i = 0; i < 50; i++) {
        const { ticket, update } = await t.engine.lockAcquire('counter', Y.encodeStateVector(t.doc));
        Y.applyUpdate(t.doc, update, REMOTE);
        t.map.set('n', ((t.map.get('n') as number | undefined) ?? 0) + 1);
        await t.engine.lockRelease(ticket);
      }
    };
    await Promise.all([run(a), run(b)]);
    await until(() => a.map.get('n') === 100 && b.map.get('n') === 100, 'both to see 100');
  });
});
