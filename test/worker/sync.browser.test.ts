// createStore against a real tinysync server (started by test/worker/global-setup.ts).
import { afterEach, describe, expect, inject, it } from 'vitest';
import * as Y from 'yjs';
import { AuthError, createStore, type Store } from 'tinysync/browser';
import { uniqueNames, until } from './wait.js';

const server = inject('tinysyncServer');
const uniqueName = uniqueNames(server?.prefix ?? 'x');
const stores: Array<Store<object>> = [];

async function open<T extends object>(name: string, initial: T, opts: Parameters<typeof createStore>[2] = {}): Promise<Store<T>> {
  const s = await createStore(name, initial, opts);
  stores.push(s as Store<object>);
  return s;
}

/** What the server holds for `name`, read over its HTTP endpoint. */
async function serverState(name: string): Promise<unknown> {
  const base = server!.url.replace(/^ws/, 'http').replace(/\/sync$/, '');
  const res = await fetch(`${base}/docs/${encodeURIComponent(name)}/update`, { headers: { Authorization: `Bearer ${server!.writeToken}` } });
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer()));
  const json = doc.getMap('tinysync').toJSON();
  doc.destroy();
  return json;
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe.skipIf(!server)('createStore ⇄ tinysync server (Chromium)', () => {
  it('synced() resolves once the server holds the change; status reaches synced', async () => {
    const name = uniqueName();
    const s = await open(name, { items: [] as string[] }, { sync: { url: server!.url, token: server!.writeToken } });
    s.data.items.push('one', 'two');
    await s.synced();
    expect(await serverState(name)).toEqual({ items: ['one', 'two'] });
    await until(() => s.status === 'synced', 'status synced');
  });

  it('three clients share one socket; closing the leader hands it over and nothing is lost', async () => {
    const name = uniqueName();
    const opts = { sync: { url: server!.url, token: server!.writeToken }, persist: false };
    const all = [await open(name, { log: [] as string[] }, opts), await open(name, { log: [] as string[] }, opts), await open(name, { log: [] as string[] }, opts)];
    await until(() => all.filter((s) => s.client.isLeader).length === 1, 'one leader');
    const leader = all.find((s) => s.client.isLeader)!;
    const rest = all.filter((s) => s !== leader);
    rest[0]!.data.log.push('before');
    await rest[0]!.synced();
    stores.splice(stores.indexOf(leader as Store<object>), 1);
    await leader.close();
    // 'after' goes after 'before' only if this client has seen it (the server's ack of rest[0]
    // does not wait for the channel to reach rest[1]).
    await until(() => rest[1]!.data.log.length === 1, 'rest[1] to see before');
    rest[1]!.data.log.push('after');
    await until(() => rest.some((s) => s.client.isLeader), 'a new leader');
    expect(rest.filter((s) => s.client.isLeader)).toHaveLength(1);
    await rest[1]!.synced();
    expect(await serverState(name)).toEqual({ log: ['before', 'after'] });
    await until(() => rest[0]!.data.log.length === 2, 'the other client to follow');
  });

  it('a read-only token shows the server data and reports an AuthError on write', async () => {
    const name = uniqueName();
    const w = await open(name, { n: 0 }, { sync: { url: server!.url, token: server!.writeToken }, persist: false });
    w.data.n = 7;
    await w.synced();
    await w.close();
    stores.splice(stores.indexOf(w as Store<object>), 1);
    const r = await open(name, { n: 0 }, { sync: { url: server!.url, token: server!.readToken }, persist: false });
    await until(() => r.data.n === 7, 'reader to see 7');
    const errors: unknown[] = [];
    r.onError((e) => errors.push(e));
    r.data.n = 8;
    await until(() => errors.some((e) => e instanceof AuthError), 'AuthError');
    expect(await serverState(name)).toEqual({ n: 7 });
  });

  it('repair() takes the server state and reports the local change it never saw', async () => {
    const name = uniqueName();
    const a = await open(name, { v: 'start' }, { sync: { url: server!.url, token: server!.writeToken } });
    a.data.v = 'server';
    await a.synced();
    await a.close();
    stores.splice(stores.indexOf(a as Store<object>), 1);
    const offline = await open(name, { v: 'start' });
    offline.data.v = 'local-only';
    await offline.flushed();
    await offline.close();
    stores.splice(stores.indexOf(offline as Store<object>), 1);
    // A read token: the socket refuses the local change (4003), the HTTP read still works.
    const b = await open(name, { v: 'start' }, { sync: { url: server!.url, token: server!.readToken } });
    b.onError(() => {});
    expect(b.data.v).toBe('local-only');
    const report = await b.repair();
    expect(report.lost).toBe(true);
    expect(report.before).toEqual({ v: 'local-only' });
    expect(b.data.v).toBe('server');
    // One item written offline ('local-only'), one deletion (of the 'server' value it replaced).
    expect(report.inserts).toHaveLength(1);
    expect(report.deletes).toHaveLength(1);
    // The dropped update holds the lost value; on top of the server state it is readable again.
    const look = new Y.Doc();
    Y.applyUpdate(look, Y.encodeStateAsUpdate(b.client.doc));
    Y.applyUpdate(look, report.dropped);
    expect(look.getMap('tinysync').get('v')).toBe('local-only');
    look.destroy();
  });
});
