import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { UpdateLog, databaseName, type LogOptions } from '../../src/worker/log.js';
import { tryLockWith } from '../../src/worker/locks.js';
import type { ErrorInfo } from '../../src/worker/protocol.js';
import { MemoryLocks } from './memory-locks.js';

let seq = 0;
const uniqueName = () => `log-test-${process.pid}-${++seq}`;

/** A doc whose local updates are collected, so each test can append real Yjs updates. */
function writer(clientID?: number) {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  return { doc, updates, map: doc.getMap<number>('m') };
}

function stateOf(parts: Uint8Array[]): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const p of parts) Y.applyUpdate(doc, p);
  const json = doc.getMap('m').toJSON();
  doc.destroy();
  return json;
}

async function rawCount(name: string): Promise<number> {
  const { openDB } = await import('idb');
  const db = await openDB(databaseName(name), 1);
  const n = await db.count('updates');
  db.close();
  return n;
}

const locks = new MemoryLocks();
const base = (name: string, extra: Partial<LogOptions> = {}): LogOptions => ({ name, tryLock: tryLockWith(locks), retryMs: 5, ...extra });

/** Two tabs with the same store open, both loaded. */
async function twoTabs(extra: Partial<LogOptions> = {}) {
  const name = uniqueName();
  const a = new UpdateLog(base(name, extra));
  const b = new UpdateLog(base(name, extra));
  await a.load();
  await b.load();
  return { name, a, b };
}

describe('UpdateLog', () => {
  it('writes updates that arrive together in one transaction and loads them back', async () => {
    const name = uniqueName();
    const log = new UpdateLog(base(name));
    await log.load();
    const w = writer();
    for (let i = 0; i < 10; i++) w.map.set(`k${i}`, i);
    for (const u of w.updates) log.append(u);
    expect(log.pending).toBe(true);
    await log.flushed();
    expect(log.pending).toBe(false);
    expect(await rawCount(name)).toBe(1);
    await log.close();

    const again = new UpdateLog(base(name));
    expect(stateOf(await again.load())).toEqual(w.map.toJSON());
    await again.close();
  });

  it('compacts into one snapshot past the threshold and keeps every change', async () => {
    const name = uniqueName();
    const log = new UpdateLog(base(name, { compactAfter: 5 }));
    await log.load();
    const w = writer();
    for (let i = 0; i < 12; i++) {
      w.map.set(`k${i}`, i);
      log.append(w.updates.at(-1)!);
      await log.flushed();
    }
    await log.compact();
    expect(await rawCount(name)).toBe(0);
    await log.close();
    const again = new UpdateLog(base(name));
    const parts = await again.load();
    expect(parts).toHaveLength(1);
    expect(stateOf(parts)).toEqual(w.map.toJSON());
    await again.close();
  });

  it('loses no update appended by another tab while one tab compacts', async () => {
    const { name, a, b } = await twoTabs({ compactAfter: 1_000_000 });
    const wa = writer(1);
    const wb = writer(2);
    for (let i = 0; i < 20; i++) {
      wa.map.set(`a${i}`, i);
      a.append(wa.updates.at(-1)!);
      await a.flushed();
    }
    // B appends one update per tick while A's compaction runs; both race for the object stores.
    const appends = (async () => {
      for (let i = 0; i < 30; i++) {
        wb.map.set(`b${i}`, i);
        b.append(wb.updates.at(-1)!);
        await new Promise((r) => setTimeout(r, 0));
      }
      await b.flushed();
    })();
    const compactions = (async () => {
      for (let i = 0; i < 5; i++) {
        await a.compact();
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await Promise.all([appends, compactions]);
    const reader = new UpdateLog(base(name));
    const state = stateOf(await reader.load());
    expect(state).toEqual({ ...wa.map.toJSON(), ...wb.map.toJSON() });
    expect(Object.keys(state)).toHaveLength(50);
    await Promise.all([a.close(), b.close(), reader.close()]);
  });

  it('never runs two compactions of one store at once', async () => {
    const { name, a, b } = await twoTabs();
    const w = writer();
    for (let i = 0; i < 5; i++) {
      w.map.set(`k${i}`, i);
      a.append(w.updates.at(-1)!);
      await a.flushed();
    }
    let inside = 0;
    let overlap = false;
    const spy = (inner: LogOptions['tryLock']): LogOptions['tryLock'] => (lockName, fn) =>
      inner(lockName, async (got) => {
        if (got) {
          inside++;
          if (inside > 1) overlap = true;
        }
        try {
          return await fn(got);
        } finally {
          if (got) inside--;
        }
      });
    const shared = tryLockWith(locks);
    const c1 = new UpdateLog(base(name, { tryLock: spy(shared) }));
    const c2 = new UpdateLog(base(name, { tryLock: spy(shared) }));
    await Promise.all([c1.compact(), c2.compact(), c1.compact()]);
    expect(overlap).toBe(false);
    const reader = new UpdateLog(base(name));
    expect(stateOf(await reader.load())).toEqual(w.map.toJSON());
    await Promise.all([a.close(), b.close(), c1.close(), c2.close(), reader.close()]);
  });

  it('reports a quota error, keeps the update, and writes it once the retry succeeds', async () => {
    const name = uniqueName();
    const errors: ErrorInfo[] = [];
    let failures = 3;
    const log = new UpdateLog(
      base(name, {
        onError: (e) => errors.push(e),
        beforeAppend: () => {
          if (failures-- > 0) throw new DOMException('quota', 'QuotaExceededError');
        },
      }),
    );
    await log.load();
    const w = writer();
    w.map.set('x', 1);
    log.append(w.updates[0]!);
    await log.flushed();
    expect(errors.map((e) => e.code)).toEqual(['E_QUOTA', 'E_QUOTA', 'E_QUOTA']);
    await log.close();
    const again = new UpdateLog(base(name));
    expect(stateOf(await again.load())).toEqual({ x: 1 });
    await again.close();
  });

  it('lets a versionchange (database deleted) through and rewrites the whole state after reopening', async () => {
    const name = uniqueName();
    const w = writer();
    const log = new UpdateLog(base(name, { fullState: () => Y.encodeStateAsUpdate(w.doc) }));
    await log.load();
    w.map.set('before', 1);
    log.append(w.updates.at(-1)!);
    await log.flushed();
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(databaseName(name));
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    w.map.set('after', 2);
    log.append(w.updates.at(-1)!);
    await log.flushed();
    await log.close();
    const again = new UpdateLog(base(name));
    expect(stateOf(await again.load())).toEqual({ before: 1, after: 2 });
    await again.close();
  });

  it('catches up with entries and compactions of another tab', async () => {
    const { a, b } = await twoTabs();
    const w = writer();
    w.map.set('one', 1);
    b.append(w.updates.at(-1)!);
    await b.flushed();
    expect(stateOf(await a.catchUp())).toEqual({ one: 1 });
    expect(await a.catchUp()).toEqual([]);
    w.map.set('two', 2);
    b.append(w.updates.at(-1)!);
    await b.flushed();
    await b.compact();
    expect(stateOf(await a.catchUp())).toEqual({ one: 1, two: 2 });
    await Promise.all([a.close(), b.close()]);
  });

  it('replaces the log with one snapshot (repair)', async () => {
    const name = uniqueName();
    const log = new UpdateLog(base(name));
    await log.load();
    const w = writer();
    w.map.set('local', 1);
    log.append(w.updates.at(-1)!);
    await log.flushed();
    const server = writer();
    server.map.set('server', 2);
    await log.replace(Y.encodeStateAsUpdate(server.doc));
    await log.close();
    const again = new UpdateLog(base(name));
    expect(stateOf(await again.load())).toEqual({ server: 2 });
    await again.close();
  });
});
