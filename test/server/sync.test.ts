// Convergence, isolation, awareness, unload/reload and compaction through real sockets.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { cleanup, connectClient, startServer, synced, waitFor } from './helpers.js';


afterEach(cleanup);

function storedRows(dataDir: string, doc: string): number {
  const db = new Database(join(dataDir, 'tinysync.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM updates WHERE doc = ?').get(doc) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sync server: convergence', () => {
  it('two clients editing the same document converge', async () => {
    const { server } = await startServer();
    const a = connectClient(server.url, 'shared');
    const b = connectClient(server.url, 'shared');
    await Promise.all([synced(a), synced(b)]);
    a.doc.getMap('m').set('from', 'a');
    b.doc.getMap('m').set('other', 'b');
    a.doc.getArray<number>('list').push([1, 2]);
    b.doc.getText('t').insert(0, 'hello');
    const view = (c: typeof a) => JSON.stringify([[...c.doc.getMap('m').entries()].sort(), c.doc.getArray('list').toJSON(), c.doc.getText('t').toString()]);
    await waitFor(() => view(a) === view(b) && b.doc.getArray('list').length === 2 && a.doc.getText('t').toString() === 'hello', 'convergence');
    expect(a.doc.getMap('m').toJSON()).toEqual({ from: 'a', other: 'b' });
    expect(b.doc.getMap('m').toJSON()).toEqual({ from: 'a', other: 'b' });
  });

  it('twenty clients writing concurrently converge on every change', async () => {
    const { server } = await startServer();
    // Each Node provider adds a process 'exit' listener; twenty exceed the default warning level.
    const maxListeners = process.getMaxListeners();
    process.setMaxListeners(maxListeners + 25);
    onTestFinished(() => {
      process.setMaxListeners(maxListeners);
    });
    const clients = Array.from({ length: 20 }, () => connectClient(server.url, 'crowd'));
    await Promise.all(clients.map(synced));
    clients.forEach((c, i) => {
      for (let k = 0; k < 5; k++) c.doc.getMap('m').set(`c${i}-${k}`, i * 100 + k);
      c.doc.getArray<number>('log').push([i]);
    });
    await waitFor(() => clients.every((c) => c.doc.getMap('m').size === 100 && c.doc.getArray('log').length === 20), 'all 100 keys everywhere', 20_000);
    const first = JSON.stringify(clients[0]!.doc.getArray('log').toJSON());
    for (const c of clients) expect(JSON.stringify(c.doc.getArray('log').toJSON())).toBe(first);
  });

  it('clients on different documents never see each other\'s data', async () => {
    const { server } = await startServer();
    const a1 = connectClient(server.url, 'doc-a');
    const a2 = connectClient(server.url, 'doc-a');
    const b1 = connectClient(server.url, 'doc-b');
    await Promise.all([synced(a1), synced(a2), synced(b1)]);
    a1.doc.getMap('m').set('secret', 'only a');
    b1.doc.getMap('m').set('mine', 'only b');
    await waitFor(() => a2.doc.getMap('m').get('secret') === 'only a', 'a2 got a1');
    // b1 syncs a marker through its own doc, so anything misrouted would have arrived before it.
    const b2 = connectClient(server.url, 'doc-b');
    await synced(b2);
    await waitFor(() => b2.doc.getMap('m').get('mine') === 'only b', 'b2 got b1');
    expect(b1.doc.getMap('m').has('secret')).toBe(false);
    expect(b2.doc.getMap('m').has('secret')).toBe(false);
    expect(a2.doc.getMap('m').has('mine')).toBe(false);
  });

  it('relays awareness (presence) between clients of a document', async () => {
    const { server } = await startServer();
    const a = connectClient(server.url, 'presence');
    const b = connectClient(server.url, 'presence');
    await Promise.all([synced(a), synced(b)]);
    a.provider.awareness.setLocalStateField('user', { name: 'alice' });
    await waitFor(() => (b.provider.awareness.getStates().get(a.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === 'alice', 'b sees alice');
    a.destroy();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), 'alice gone from b');
  });

  it('accepts percent-encoded document names, including an encoded "/"', async () => {
    const { server, http } = await startServer();
    const name = 'team a/board ü';
    const a = connectClient(server.url, encodeURIComponent(name));
    await synced(a);
    a.doc.getMap('m').set('x', 1);
    await waitFor(() => server.stats().docs === 1, 'doc loaded');
    await waitFor(() => server.stats().clients === 1, 'client counted');
    const b = connectClient(server.url, encodeURIComponent(name));
    await waitFor(() => b.doc.getMap('m').get('x') === 1, 'b got the change under the same name');
    const res = await fetch(`${http}/docs/${encodeURIComponent(name)}`);
    expect(await res.json()).toEqual({ m: { x: 1 } });
  });
});

describe('sync server: documents in memory and on disk', () => {
  it('unloads an idle document and serves it again from the stored log', async () => {
    const { server } = await startServer({ idleUnloadMs: 20 });
    const a = connectClient(server.url, 'idle');
    await synced(a);
    a.doc.getMap('m').set('kept', 'yes');
    a.doc.getText('t').insert(0, 'text');
    await waitFor(() => server.stats().docs === 1, 'loaded');
    const b = connectClient(server.url, 'idle');
    await waitFor(() => b.doc.getText('t').toString() === 'text', 'b synced');
    a.destroy();
    b.destroy();
    await waitFor(() => server.stats().docs === 0, 'unloaded after idle delay');
    const c = connectClient(server.url, 'idle');
    await waitFor(() => c.doc.getMap('m').get('kept') === 'yes' && c.doc.getText('t').toString() === 'text', 'reloaded from disk');
  });

  it('compacts a long log into one snapshot without losing anything', async () => {
    const { server, dataDir } = await startServer({ compactAfterUpdates: 10 });
    const a = connectClient(server.url, 'long');
    await synced(a);
    for (let i = 0; i < 35; i++) a.doc.getArray<number>('n').push([i]);
    const b = connectClient(server.url, 'long');
    await waitFor(() => b.doc.getArray('n').length === 35, 'b has all 35');
    await waitFor(() => storedRows(dataDir, 'long') < 10, 'log compacted');
    const c = new Y.Doc();
    for (const u of (await server.persistence.load('long')).updates) Y.applyUpdate(c, u);
    expect(c.getArray('n').toJSON()).toEqual(Array.from({ length: 35 }, (_, i) => i));
    c.destroy();
  });
});
