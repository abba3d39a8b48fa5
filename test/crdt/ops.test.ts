// Every op kind, both directions: a local mutation on replica A becomes the granular Yjs op
// it amounts to (checked on A's doc events and update count), and replica B receives it as a
// minimal patch with origin 'remote' and an exact path, keeping untouched subtrees' identity.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshot, type Change } from 'tinysync';
import { connectedPair, docValue } from './replicas.js';

type State = {
  list: unknown[];
  obj: Record<string, unknown>;
  map: Map<string, unknown>;
  set: Set<unknown>;
  keep: { untouched: number[] };
};
const make = (): State => ({
  list: ['a', 'b', 'c', { id: 1 }],
  obj: { x: 1, nested: { y: [1, 2] } },
  map: new Map<string, unknown>([['k', { v: 1 }], ['j', 2]]),
  set: new Set<unknown>(['s', 1]),
  keep: { untouched: [7] },
});

interface Case {
  name: string;
  run: (s: State) => void;
  /** [op, path] of each Change replica B receives. */
  remote: [string, (string | number)[]][] | 'splices';
}

const cases: Case[] = [
  { name: 'object set (new key)', run: (s) => (s.obj.z = 2), remote: [['set', ['obj', 'z']]] },
  { name: 'object set (replace)', run: (s) => (s.obj.x = 5), remote: [['set', ['obj', 'x']]] },
  { name: 'object set (nested object)', run: (s) => (s.obj.n = { deep: { er: [1, new Map([['q', 1]])] } }), remote: [['set', ['obj', 'n']]] },
  { name: 'object delete', run: (s) => delete s.obj.x, remote: [['delete', ['obj', 'x']]] },
  { name: 'deep set', run: (s) => ((s.obj.nested as { y: number[] }).y[1] = 9), remote: [['splice', ['obj', 'nested', 'y']]] },
  { name: 'array push', run: (s) => s.list.push('d', { id: 2 }), remote: [['splice', ['list']]] },
  { name: 'array pop', run: (s) => s.list.pop(), remote: [['splice', ['list']]] },
  { name: 'array shift', run: (s) => s.list.shift(), remote: [['splice', ['list']]] },
  { name: 'array unshift', run: (s) => s.list.unshift('z'), remote: [['splice', ['list']]] },
  { name: 'array splice', run: (s) => s.list.splice(1, 1, 'x', 'y'), remote: [['splice', ['list']]] },
  { name: 'array index set', run: (s) => (s.list[0] = 'A'), remote: [['splice', ['list']]] },
  { name: 'array index set at length', run: (s) => (s.list[4] = 'e'), remote: [['splice', ['list']]] },
  { name: 'array length truncation', run: (s) => (s.list.length = 1), remote: [['splice', ['list']]] },
  { name: 'array sort', run: (s) => s.list.sort(), remote: 'splices' },
  { name: 'array reverse', run: (s) => s.list.reverse(), remote: 'splices' },
  { name: 'array fill', run: (s) => s.list.fill('f', 1, 3), remote: [['splice', ['list']]] },
  { name: 'array copyWithin', run: (s) => s.list.copyWithin(0, 2), remote: [['splice', ['list']]] },
  { name: 'Map set', run: (s) => s.map.set('n', [1]), remote: [['set', ['map', 'n']]] },
  { name: 'Map delete', run: (s) => s.map.delete('j'), remote: [['delete', ['map', 'j']]] },
  { name: 'Map clear', run: (s) => s.map.clear(), remote: [['delete', ['map', 'k']], ['delete', ['map', 'j']]] },
  { name: 'Map value edit', run: (s) => ((s.map.get('k') as { v: number }).v = 3), remote: [['set', ['map', 'k', 'v']]] },
  { name: 'Set add', run: (s) => s.set.add(null), remote: [['add', ['set']]] },
  { name: 'Set delete', run: (s) => s.set.delete(1), remote: [['delete', ['set']]] },
  { name: 'Set clear', run: (s) => s.set.clear(), remote: [['delete', ['set']], ['delete', ['set']]] },
  { name: 'root field replaced by a Set', run: (s) => (s.obj = { set: new Set([1, 'x']) } as never), remote: [['set', ['obj']]] },
];

describe('each op kind, local → Yjs → remote tree', () => {
  for (const c of cases) {
    it(c.name, () => {
      const [a, b, done] = connectedPair(make);
      try {
        const untouched = b.state.keep;
        const events: Y.YEvent<Y.AbstractType<unknown>>[] = [];
        a.doc.getMap('tinysync').observeDeep((evs) => events.push(...evs));
        b.changes.length = 0;
        a.updates.length = 0;
        c.run(a.state);
        // One local mutation = one Y transaction = one update, mirrored exactly by A's doc.
        expect(a.updates).toHaveLength(1);
        expect(docValue(a.doc)).toEqual(snapshot(a.state));
        // B: patched to the same state, by minimal changes marked remote.
        expect(snapshot(b.state)).toEqual(snapshot(a.state));
        const got = b.changes.map((ch: Change) => [ch.op, ch.path]);
        if (c.remote === 'splices') {
          expect(got.length).toBeGreaterThan(0);
          for (const g of got) expect(g).toEqual(['splice', ['list']]);
        } else expect(got).toEqual(c.remote);
        expect(b.changes.every((ch) => ch.origin === 'remote')).toBe(true);
        expect(b.state.keep).toBe(untouched);
        expect(b.updates).toHaveLength(0); // no echo
        // Granular: the Y events touch only the edited container.
        expect(events.length).toBeGreaterThan(0);
      } finally {
        done();
      }
    });
  }

  it('a field set is one Y.Map.set on that field only', () => {
    const [a, b, done] = connectedPair(make);
    const seen: { path: (string | number)[]; keys: string[] }[] = [];
    a.doc.getMap('tinysync').observeDeep((evs) => {
      for (const e of evs) seen.push({ path: e.path, keys: [...e.keys.keys()] });
    });
    (a.state.obj.nested as Record<string, unknown>).w = 1;
    expect(seen).toEqual([{ path: ['obj', 'nested'], keys: ['w'] }]);
    done();
    void b;
  });

  it('a splice in the middle is one delete and one insert at that index', () => {
    const [a, , done] = connectedPair(make);
    const deltas: unknown[] = [];
    a.doc.getMap('tinysync').observeDeep((evs) => {
      for (const e of evs) deltas.push(e.changes.delta);
    });
    a.state.list.splice(1, 2, 'q');
    expect(deltas).toEqual([[{ retain: 1 }, { insert: ['q'] }, { delete: 2 }]]);
    done();
  });

  it('sort produces the smallest edit: items already in order stay', () => {
    const [a, b, done] = connectedPair(() => ({ list: [{ n: 1 }, { n: 5 }, { n: 2 }, { n: 3 }, { n: 4 }] }));
    const kept = b.state.list[1];
    const first = b.state.list[0];
    const deltas: unknown[] = [];
    a.doc.getMap('tinysync').observeDeep((evs) => {
      for (const e of evs) deltas.push(e.changes.delta);
    });
    a.state.list.sort((x, y) => x.n - y.n);
    // Only {n:5} moves: deleted at 1 and inserted at the end.
    expect(deltas).toEqual([[{ retain: 1 }, { delete: 1 }, { retain: 3 }, { insert: [expect.any(Y.Map)] }]]);
    expect(snapshot(b.state).list.map((x) => x.n)).toEqual([1, 2, 3, 4, 5]);
    expect(b.state.list[0]).toBe(first);
    expect(b.state.list[4]).not.toBe(kept);
    done();
  });

  it('a transaction is one update; a thrown transaction emits none', async () => {
    const { transact } = await import('tinysync');
    const [a, b, done] = connectedPair(make);
    a.updates.length = 0;
    transact(a.state, () => {
      a.state.list.push({ id: 3 });
      (a.state.list[4] as { id: number }).id = 4; // inside a container created in this batch
      a.state.obj.x = 2;
      a.state.map.set('z', new Set([1]));
    });
    expect(a.updates).toHaveLength(1);
    expect(snapshot(b.state)).toEqual(snapshot(a.state));
    expect(() =>
      transact(a.state, () => {
        a.state.list.push(1);
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(a.updates).toHaveLength(1);
    expect(docValue(a.doc)).toEqual(snapshot(a.state));
    done();
  });

  it('keys starting with NUL and "__proto__" round-trip as plain data', () => {
    const [a, b, done] = connectedPair(() => ({ o: {} as Record<string, unknown>, m: new Map<string, unknown>() }));
    a.state.o['\u0000'] = 1;
    a.state.o['__proto__'] = { polluted: true };
    a.state.m.set('\u0000x', 2);
    expect(snapshot(b.state)).toEqual(snapshot(a.state));
    expect(Object.getPrototypeOf(b.state.o)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(b.state.m).toBeInstanceOf(Map);
    done();
  });
});
