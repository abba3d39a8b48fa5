// The work of merging and persisting long runs of small updates, counted (not timed): every
// `Y.mergeUpdates` and `Y.applyUpdate` call goes through a counting wrapper. A quadratic merge
// shows as one call with thousands of inputs (Y.mergeUpdates re-sorts its inputs per struct
// run) or as a second apply of every update into a scratch doc (where they all go pending).
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { MERGE_FAN, compactState, mergeMany } from '../../src/worker/merge.js';
import { openTab, type FakeTab } from './harness.js';

const work = vi.hoisted(() => ({ merges: [] as number[], applies: 0 }));

vi.mock('yjs', async (importOriginal) => {
  const real = await importOriginal<typeof import('yjs')>();
  return {
    ...real,
    mergeUpdates: (updates: Uint8Array[]) => {
      work.merges.push(updates.length);
      return real.mergeUpdates(updates);
    },
    applyUpdate: (...args: Parameters<typeof real.applyUpdate>) => {
      work.applies++;
      real.applyUpdate(...args);
    },
  };
});

const N = 10_000;
let seq = 0;
const uniqueName = () => `merge-test/${process.pid}/${++seq}`;
const open: FakeTab[] = [];

beforeEach(() => {
  work.merges = [];
  work.applies = 0;
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

/** `n` incremental updates of one client: one map field set each. */
function fieldSets(n: number): Uint8Array[] {
  const doc = new Y.Doc();
  const out: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => out.push(u));
  const m = doc.getMap('m');
  for (let i = 0; i < n; i++) m.set(`k${i}`, i);
  doc.destroy();
  return out;
}

const nextTask = () => new Promise<void>((r) => setImmediate(r));

describe('merging and persisting many small updates (work counted)', () => {
  it('mergeMany merges 10,000 incremental updates with at most MERGE_FAN inputs per merge, ~n inputs in all', () => {
    const updates = fieldSets(N);
    work.merges = [];
    const merged = mergeMany(updates.slice(1)); // without the first: the whole batch depends on outside state
    expect(Math.max(...work.merges)).toBeLessThanOrEqual(MERGE_FAN);
    const inputs = work.merges.reduce((a, b) => a + b, 0);
    expect(inputs).toBeLessThan(N * (MERGE_FAN / (MERGE_FAN - 1)) + MERGE_FAN);
    // Nothing was applied to a scratch doc on the way.
    expect(work.applies).toBe(0);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, updates[0]!);
    Y.applyUpdate(doc, merged);
    expect(doc.getMap('m').size).toBe(N);
    expect(doc.getMap('m').get(`k${N - 1}`)).toBe(N - 1);
    doc.destroy();
  });

  it('compactState keeps every change in two applies (first part, then the rest merged), and drops deleted content', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const m = doc.getMap<string>('m');
    for (let i = 0; i < 1000; i++) m.set('same', `a long value that is overwritten, number ${i}`);
    doc.destroy();
    work.applies = 0;
    const compact = compactState(updates.slice(1).concat(updates.slice(0, 1))); // out of order too
    expect(work.applies).toBe(2);
    expect(compact.length).toBeLessThan(mergeMany(updates).length / 10);
    const back = new Y.Doc();
    Y.applyUpdate(back, compact);
    expect(back.getMap('m').get('same')).toBe('a long value that is overwritten, number 999');
    back.destroy();
  });

  it('10,000 single-op updates pushed one by one, arriving while writes are in flight, are all persisted with linear work', async () => {
    const name = uniqueName();
    const tab = await openTab({ name, compactAfter: 50 });
    open.push(tab);
    work.merges = [];
    work.applies = 0;
    // One push per update; a task boundary every 100 pushes lets writes start, so later
    // updates queue behind a write in flight and form batches that depend on earlier ones.
    for (let i = 0; i < N; i++) {
      tab.map.set(`k${i}`, `v${i}`);
      if (i % 100 === 99) await nextTask();
    }
    await tab.engine.flushed();
    // One apply per pushed update into the worker's doc, plus one per compaction.
    expect(work.applies).toBeLessThan(N + N / 50);
    expect(Math.max(...work.merges)).toBeLessThanOrEqual(MERGE_FAN);
    expect(work.merges.reduce((a, b) => a + b, 0)).toBeLessThan(2 * N);
    open.splice(open.indexOf(tab), 1);
    await tab.close();

    const again = await openTab({ name });
    open.push(again);
    expect(again.map.size).toBe(N);
    expect(again.map.get(`k${N - 1}`)).toBe(`v${N - 1}`);
  });
});
