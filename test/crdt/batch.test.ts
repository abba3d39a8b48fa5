// Long transactions: a loop of single array edits inside one transact() must reach Yjs as a
// bounded number of calls. Yjs walks every item inserted earlier in the same transaction on
// each `push` / `insert`, so one call per edit would make the loop quadratic; the binding
// gathers touching inserts into one run per array. These tests count the Yjs calls (no timing).
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { snapshot, transact } from 'tinysync';
import { connectedPair, docValue, replica } from './replicas.js';

/** Counts the edits the binding makes on the Y.Array `y` while `fn` runs. */
function countArrayCalls(y: Y.Array<unknown>, fn: () => void): { insert: number; push: number; delete: number; items: number } {
  const insert = vi.spyOn(Y.Array.prototype, 'insert');
  const push = vi.spyOn(Y.Array.prototype, 'push');
  const del = vi.spyOn(Y.Array.prototype, 'delete');
  try {
    fn();
    // Only calls on `y` itself: Yjs also calls insert when it integrates a nested array.
    const on = (m: { mock: { contexts: unknown[] } }) => m.mock.contexts.map((c, i) => [c, i] as const).filter(([c]) => c === y).map(([, i]) => i);
    const items = on(insert).reduce((n, i) => n + (insert.mock.calls[i]![1] as unknown[]).length, 0);
    return { insert: on(insert).length, push: on(push).length, delete: on(del).length, items };
  } finally {
    vi.restoreAllMocks();
  }
}

const arrayOf = (doc: Y.Doc, key: string) => (doc.getMap('tinysync').get(key) as Y.Array<unknown>);

afterEach(() => vi.restoreAllMocks());

describe('a loop of array edits in one transaction', () => {
  it('5,000 single pushes of objects, interleaved with field sets, are one Y.Array insert', () => {
    const [a, b, done] = connectedPair(() => ({ list: [] as { n: number; tags: string[] }[], count: 0 }));
    try {
      const calls = countArrayCalls(arrayOf(a.doc, 'list'), () =>
        transact(a.state, () => {
          for (let i = 0; i < 5_000; i++) {
            a.state.list.push({ n: i, tags: [] });
            a.state.list[i]!.tags.push(`t${i}`); // inside an item of the pending run
            a.state.count++;
          }
        }),
      );
      // The run is inserted once; the nested tag pushes are inside the converted items.
      expect(calls).toEqual({ insert: 1, push: 0, delete: 0, items: 5_000 });
      expect(a.updates).toHaveLength(1);
      expect(docValue(a.doc)).toEqual(snapshot(a.state));
      expect(snapshot(b.state)).toEqual(snapshot(a.state));
      expect(b.state.list[4_999]).toEqual({ n: 4_999, tags: ['t4999'] });
    } finally {
      done();
    }
  });

  it('20,000 pushes of primitives are one insert, and the work grows with N only through that insert', () => {
    for (const n of [5_000, 20_000]) {
      const [a, b, done] = connectedPair(() => ({ list: [0] }));
      try {
        const calls = countArrayCalls(arrayOf(a.doc, 'list'), () => transact(a.state, () => { for (let i = 1; i <= n; i++) a.state.list.push(i); }));
        expect(calls).toEqual({ insert: 1, push: 0, delete: 0, items: n });
        // One content item on the Y side: nothing left for the cleanup to merge pairwise.
        const y = arrayOf(a.doc, 'list');
        let structs = 0;
        for (let item = y._start; item; item = item.right) structs++;
        expect(structs).toBe(2); // the initial [0] (seed client) and the run
        expect(snapshot(b.state).list).toHaveLength(n + 1);
      } finally {
        done();
      }
    }
  });

  it('edits that touch the run (unshift at its start, splices inside it, pops, index sets) join it', () => {
    const [a, b, done] = connectedPair(() => ({ list: ['x', 'y'] as string[] }));
    try {
      const calls = countArrayCalls(arrayOf(a.doc, 'list'), () =>
        transact(a.state, () => {
          const l = a.state.list;
          for (let i = 0; i < 1_000; i++) {
            l.push(`p${i}`);
            if (i % 10 === 0) l.splice(l.length - 1, 0, `s${i}`); // inside the run
            if (i % 7 === 0) l.pop(); // the run's last item
            if (i % 13 === 0) l[l.length - 1] = `r${i}`; // replaces a run item
            if (i % 17 === 0) l[l.length] = `a${i}`; // index set at length: an append
          }
        }),
      );
      expect(calls.insert).toBe(1);
      expect(calls.delete).toBe(0);
      expect(docValue(a.doc)).toEqual(snapshot(a.state));
      expect(snapshot(b.state)).toEqual(snapshot(a.state));
    } finally {
      done();
    }
  });

  it('an edit the run cannot absorb inserts the run first, in order', () => {
    const [a, b, done] = connectedPair(() => ({ list: ['a', 'b', 'c'] as string[] }));
    try {
      transact(a.state, () => {
        a.state.list.push('d', 'e');
        a.state.list.splice(1, 2); // deletes old items: the run goes in before
        a.state.list.unshift('z'); // a new run at 0
        a.state.list.push('f'); // does not touch the run at 0
        a.state.list.sort(); // reads the Y side: every run goes in before
        a.state.list.push('g');
      });
      expect(snapshot(a.state).list).toEqual(['a', 'd', 'e', 'f', 'z', 'g']);
      expect(docValue(a.doc)).toEqual(snapshot(a.state));
      expect(snapshot(b.state)).toEqual(snapshot(a.state));
    } finally {
      done();
    }
  });

  it('a run into an array that the same transaction removes is dropped with it', () => {
    const [a, b, done] = connectedPair(() => ({ box: { list: [1, 2] as number[] }, other: [] as number[] }));
    try {
      transact(a.state, () => {
        a.state.box.list.push(3, 4);
        a.state.other.push(9);
        a.state.box = { list: [7] };
        a.state.other.push(10);
      });
      expect(snapshot(a.state)).toEqual({ box: { list: [7] }, other: [9, 10] });
      expect(docValue(a.doc)).toEqual(snapshot(a.state));
      expect(snapshot(b.state)).toEqual(snapshot(a.state));
      // Undo of the whole transaction restores the old box and an empty other.
      a.binding.undo();
      expect(snapshot(a.state)).toEqual({ box: { list: [1, 2] }, other: [] });
      expect(snapshot(b.state)).toEqual(snapshot(a.state));
    } finally {
      done();
    }
  });

  it('150,000 items pushed in one transaction reach a peer and a fresh load (no argument-count limit)', () => {
    const n = 150_000;
    const [a, b, done] = connectedPair(() => ({ list: [] as number[] }));
    const c = replica({ list: [] as number[] }, { doc: new Y.Doc() });
    try {
      transact(a.state, () => {
        for (let i = 0; i < n; i++) a.state.list.push(i);
      });
      expect(b.state.list).toHaveLength(n);
      expect(b.state.list[n - 1]).toBe(n - 1);
      // A doc that already holds them wins over c's initial value when loaded.
      c.binding.applyUpdate(Y.encodeStateAsUpdate(a.doc), 'load');
      expect(c.state.list).toHaveLength(n);
      const fresh = new Y.Doc();
      Y.applyUpdate(fresh, Y.encodeStateAsUpdate(a.doc));
      const d = replica({ list: [] as number[] }, { doc: fresh });
      expect(d.state.list).toHaveLength(n);
      expect(snapshot(d.state)).toEqual(snapshot(a.state));
      d.destroy();
    } finally {
      c.destroy();
      done();
    }
  });
});
