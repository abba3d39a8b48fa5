// The worker engine against the real tinysync server: tokens, read-only refusal, repair.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createSyncServer, createToken, type SyncServer } from 'tinysync/server';
import { openTab, until, type FakeTab } from './harness.js';


const secret = 'worker-tests-secret-0123456789abcdef-0123456789';
let seq = 0;
const uniqueName = () => `srv-test/${process.pid}/${++seq}`;
let server: SyncServer;
let dataDir: string;
const tabs: FakeTab[] = [];

async function tab(opts: Parameters<typeof openTab>[0]): Promise<FakeTab> {
  const t = await openTab(opts);
  tabs.push(t);
  return t;
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tinysync-worker-'));
  server = await createSyncServer({ host: '127.0.0.1', port: 0, dataDir, secret, logger: () => {} });
});

afterEach(async () => {
  for (const t of tabs.splice(0)) await t.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const token = (doc: string, right: 'read' | 'write') => createToken({ secret, doc, right, sub: 'tester', ttl: '1h' });

describe('worker engine ⇄ tinysync server', () => {
  it('synced() resolves once the server holds the change (read back over HTTP)', async () => {
    const doc = uniqueName();
    const t = await token(doc, 'write');
    const a = await tab({ name: doc, sync: { url: server.url, token: t } });
    a.map.set('a', 1);
    await a.engine.synced();
    await a.close();
    tabs.splice(tabs.indexOf(a), 1);
    const reader = new Y.Doc();
    const res = await fetch(`http://127.0.0.1:${server.port}/docs/${encodeURIComponent(doc)}/update`, { headers: { Authorization: `Bearer ${t}` } });
    Y.applyUpdate(reader, new Uint8Array(await res.arrayBuffer()));
    expect(reader.getMap('m').toJSON()).toEqual({ a: 1 });
    reader.destroy();
  });

  it('a bad token is refused (HTTP 401 at the upgrade) and reported as E_AUTH', async () => {
    const a = await tab({ name: uniqueName(), sync: { url: server.url, token: 'not-a-token' }, maxBackoffMs: 50 });
    await until(() => a.errors.some((e) => e.code === 'E_AUTH'), 'E_AUTH');
    expect(a.statuses.at(-1)).toBe('offline');
  });

  it('a read-only token shows the data and reports E_AUTH on write', async () => {
    const doc = uniqueName();
    const w = await tab({ name: doc, sync: { url: server.url, token: await token(doc, 'write') } });
    w.map.set('shared', 'yes');
    await w.engine.synced();
    await w.close();
    tabs.splice(tabs.indexOf(w), 1);
    // A fresh local store: wipe what the writer persisted, then read through the server.
    await new Promise<void>((r) => {
      const req = indexedDB.deleteDatabase(`tinysync:${doc}`);
      req.onsuccess = req.onerror = () => r();
    });
    const r = await tab({ name: doc, sync: { url: server.url, token: await token(doc, 'read') } });
    await until(() => r.map.get('shared') === 'yes', 'read-only client to get the data');
    r.map.set('mine', 1);
    await until(() => r.errors.some((e) => e.code === 'E_AUTH'), 'E_AUTH on write');
  });

  it('repair() fetches the server state with the token and reports what the server never saw', async () => {
    const doc = uniqueName();
    const t = await token(doc, 'write');
    const a = await tab({ name: doc, sync: { url: server.url, token: t } });
    a.map.set('kept', 1);
    await a.engine.synced();
    await a.close();
    tabs.splice(tabs.indexOf(a), 1);
    // Offline edit: reopen without sync so the change stays local only.
    const offline = await tab({ name: doc });
    offline.map.set('local-only', 2);
    await offline.engine.flushed();
    await offline.close();
    tabs.splice(tabs.indexOf(offline), 1);
    const b = await tab({ name: doc, sync: { url: 'ws://127.0.0.1:9/sync', token: t } });
    expect(b.map.toJSON()).toEqual({ kept: 1, 'local-only': 2 });
    // Point repair at the real server (the socket above never connects).
    const report = await b.engine.repair(((url: string, init?: RequestInit) =>
      fetch(url.replace('127.0.0.1:9', `127.0.0.1:${server.port}`), init)) as typeof fetch);
    const dropped = new Y.Doc();
    Y.applyUpdate(dropped, report.update);
    expect(dropped.getMap('m').get('local-only')).toBe(2);
    expect(report.inserts.length).toBeGreaterThan(0);
    dropped.destroy();
    const state = new Y.Doc();
    Y.applyUpdate(state, report.state);
    expect(state.getMap('m').toJSON()).toEqual({ kept: 1 });
    state.destroy();
  });
});
