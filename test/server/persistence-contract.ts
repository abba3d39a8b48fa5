// The Persistence contract, as tests any backend must pass (SQLite and PostgreSQL run them).
import type { Persistence } from 'tinysync/server';
import { expect, it } from 'vitest';
import * as Y from 'yjs';

/** How the contract opens a backend: `reopen` gives a new handle on the same stored data. */
export interface Backend {
  open(): Promise<Persistence> | Persistence;
  /** A fresh document name per test (backends may share one database between tests). */
  doc(name: string): string;
}

/** One change made by its own client: a real Yjs update, as the server stores. */
export function edit(key: string, value: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('m').set(key, value);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** The content that applying `updates` in order gives. */
export function contentOf(updates: Uint8Array[]): Record<string, unknown> {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  const json = doc.getMap('m').toJSON();
  doc.destroy();
  return json;
}

/** Registers the contract's tests (call inside a describe). */
export function persistenceContract(backend: Backend): void {
  it('keeps one ordered log per document, across reopen', async () => {
    const [a, b] = [backend.doc('a'), backend.doc('b')];
    const store = await backend.open();
    expect(await store.load(a)).toEqual({ updates: [], lastSeq: 0 });
    const u1 = edit('x', '1');
    const u2 = edit('y', '2');
    const s1 = await store.append(a, u1);
    await store.append(b, edit('z', '9'));
    const s2 = await store.append(a, u2);
    expect(s2).toBeGreaterThan(s1);
    await store.close();
    const again = await backend.open();
    const log = await again.load(a);
    expect(log.updates.map((u) => [...u])).toEqual([[...u1], [...u2]]);
    expect(log.lastSeq).toBe(s2);
    expect(contentOf((await again.load(b)).updates)).toEqual({ z: '9' });
    await again.close();
  });

  it('compacts atomically: entries up to the mark become one snapshot, later ones stay after it', async () => {
    const a = backend.doc('a');
    const store = await backend.open();
    const updates = [edit('x', '1'), edit('y', '2'), edit('z', '3')];
    await store.append(a, updates[0]!);
    const mark = await store.append(a, updates[1]!);
    await store.append(a, updates[2]!);
    const snapshot = Y.mergeUpdates(updates.slice(0, 2));
    await store.compact(a, snapshot, mark);
    const log = await store.load(a);
    expect(log.updates).toHaveLength(2);
    expect(contentOf(log.updates.slice(0, 1))).toEqual({ x: '1', y: '2' });
    expect([...log.updates[1]!]).toEqual([...updates[2]!]);
    expect(contentOf(log.updates)).toEqual({ x: '1', y: '2', z: '3' });
    await store.close();
  });

  it('refuses a compaction with nothing to replace and leaves the log as it was', async () => {
    const none = backend.doc('none');
    const store = await backend.open();
    await expect(Promise.resolve().then(() => store.compact(none, edit('x', '1'), 10))).rejects.toThrow(/no stored update/);
    expect((await store.load(none)).updates).toEqual([]);
    await store.close();
  });
}
