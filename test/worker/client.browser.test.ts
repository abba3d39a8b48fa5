import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SyncClient, WorkerError, type SyncClientOptions } from 'tinysync/browser';
import { uniqueNames, until } from './wait.js';

const uniqueName = uniqueNames('client-test');
const clients: SyncClient[] = [];

async function open(name: string, opts: SyncClientOptions = {}): Promise<SyncClient> {
  const c = await SyncClient.open(name, new Y.Doc(), opts);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) {
    await c.close();
    c.doc.destroy();
  }
});

const m = (c: SyncClient) => c.doc.getMap<unknown>('m');

describe('SyncClient with the real worker (Chromium)', () => {
  it('keeps data across a reload: a new client on the same name reads it', async () => {
    const name = uniqueName();
    const a = await open(name);
    m(a).set('title', 'hello');
    for (let i = 0; i < 100; i++) m(a).set(`k${i}`, i);
    await a.flushed();
    await a.close();
    const b = await open(name);
    expect(m(b).get('title')).toBe('hello');
    expect(m(b).size).toBe(101);
  });

  it('two clients on the same name converge through BroadcastChannel', async () => {
    const name = uniqueName();
    const a = await open(name);
    const b = await open(name);
    m(a).set('a', 1);
    m(b).set('b', 2);
    const arrA = a.doc.getArray<number>('list');
    const arrB = b.doc.getArray<number>('list');
    for (let i = 0; i < 20; i++) (i % 2 ? arrA : arrB).push([i]);
    await until(() => m(a).get('b') === 2 && m(b).get('a') === 1 && arrA.length === 20 && arrB.length === 20, 'convergence');
    expect(arrA.toJSON()).toEqual(arrB.toJSON());
  });

  it('lock() is exclusive across clients and the counter ends at exactly 100', async () => {
    const name = uniqueName();
    const a = await open(name);
    const b = await open(name);
    let inside = 0;
    let maxInside = 0;
    const work = async (c: SyncClient) => {
      for (let i = 0; i < 50; i++) {
        await c.lock('counter', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          m(c).set('n', ((m(c).get('n') as number | undefined) ?? 0) + 1);
          await Promise.resolve();
          inside--;
        });
      }
    };
    await Promise.all([work(a), work(b)]);
    expect(maxInside).toBe(1);
    await until(() => m(a).get('n') === 100 && m(b).get('n') === 100, 'both at 100');
  });

  it('hold() keeps changes out of IndexedDB until unhold()', async () => {
    const name = uniqueName();
    const a = await open(name);
    a.hold();
    m(a).set('held', true);
    await a.flushed();
    const peek = await open(name);
    expect(m(peek).get('held')).toBeUndefined();
    await peek.close();
    a.unhold();
    await a.flushed();
    const after = await open(name);
    expect(m(after).get('held')).toBe(true);
  });

  it('shares presence between clients and drops a closed one', async () => {
    const name = uniqueName();
    const a = await open(name);
    const b = await open(name);
    const seen: number[] = [];
    b.presence.onChange((p) => seen.push(p.length));
    a.presence.set({ user: 'ann', cursor: 3 });
    await until(() => b.presence.others().some((p) => p.state['user'] === 'ann'), 'b to see ann');
    clients.splice(clients.indexOf(a), 1);
    await a.close();
    await until(() => b.presence.others().length === 0, 'ann to leave');
    expect(seen).toContain(1);
  });

  it('rejects pending calls with a WorkerError when the worker dies', async () => {
    const name = uniqueName();
    // An unreachable server keeps synced() pending; then the worker is killed.
    const a = await open(name, { sync: { url: 'ws://127.0.0.1:9/sync' }, heartbeatMs: 50 });
    const errors: unknown[] = [];
    a.onError((e) => errors.push(e));
    m(a).set('x', 1);
    const pending = a.synced();
    a.worker.terminate();
    await expect(pending).rejects.toBeInstanceOf(WorkerError);
    await expect(a.flushed()).rejects.toMatchObject({ code: 'E_WORKER' });
    expect(errors.some((e) => e instanceof WorkerError)).toBe(true);
  });

  it('on pagehide, changes not yet durable go to localStorage; the next open persists them and clears the stash', async () => {
    const name = uniqueName();
    const stashKeys = () => Object.keys(localStorage).filter((k) => k.startsWith(`tinysync:pending:${encodeURIComponent(name)}:`));
    // Every IndexedDB append of this worker fails: nothing it receives becomes durable.
    const a = await open(name, { failWrites: 1_000_000, heartbeatMs: 50 });
    const errors: unknown[] = [];
    a.onError((e) => errors.push(e));
    m(a).set('kept', 'through the stash');
    a.doc.getArray<number>('list').push([1, 2, 3]);
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(stashKeys()).toHaveLength(1);
    // The tab's worker ends with it, its log never got the changes.
    a.worker.terminate();
    await expect(a.flushed()).rejects.toBeInstanceOf(WorkerError);
    clients.splice(clients.indexOf(a), 1);
    await a.close();
    expect(errors.some((e) => e instanceof WorkerError)).toBe(true);

    const b = await open(name);
    expect(m(b).get('kept')).toBe('through the stash');
    expect(b.doc.getArray('list').toJSON()).toEqual([1, 2, 3]);
    expect(stashKeys()).toEqual([]);
    await b.flushed();
    // Everything is durable now: hiding the page stashes nothing.
    window.dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(stashKeys()).toEqual([]);
    clients.splice(clients.indexOf(b), 1);
    await b.close();
    const c = await open(name);
    expect(m(c).get('kept')).toBe('through the stash');
    expect(c.doc.getArray('list').toJSON()).toEqual([1, 2, 3]);
  });

  it('fails open() with a WorkerError when the worker script cannot run', async () => {
    const broken = () => new Worker(URL.createObjectURL(new Blob(['throw new Error("boom")'], { type: 'text/javascript' })), { type: 'module' });
    await expect(SyncClient.open(uniqueName(), new Y.Doc(), { worker: broken, heartbeatMs: 50 })).rejects.toMatchObject({ code: 'E_WORKER' });
  });

  it('opens no IndexedDB database and no WebSocket on the main thread', async () => {
    const calls: string[] = [];
    const realOpen = indexedDB.open.bind(indexedDB);
    const RealWS = globalThis.WebSocket;
    indexedDB.open = (...args: Parameters<typeof indexedDB.open>) => {
      calls.push(`indexedDB.open(${String(args[0])})`);
      return realOpen(...args);
    };
    globalThis.WebSocket = class extends RealWS {
      constructor(url: string | URL, protocols?: string | string[]) {
        calls.push(`WebSocket(${String(url)})`);
        super(url, protocols);
      }
    };
    try {
      const name = uniqueName();
      const a = await open(name, { sync: { url: 'ws://127.0.0.1:9/sync' } });
      m(a).set('x', 1);
      await a.flushed();
      const b = await open(name);
      await until(() => m(b).get('x') === 1, 'b to load x');
    } finally {
      indexedDB.open = realOpen;
      globalThis.WebSocket = RealWS;
    }
    expect(calls).toEqual([]);
  });
});
