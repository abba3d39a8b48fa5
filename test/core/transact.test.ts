// transact(): all or nothing. Changes inside are delivered once, in order, when the function
// returns; a throw rolls every one of them back and rethrows.
import { describe, expect, test } from 'vitest';
import { AsyncTransactionError, NotTrackedError, snapshot, track, transact, type Change } from 'tinysync';
import { onBatch } from 'tinysync/extend';

function start() {
  const batches: Change[][] = [];
  const state = track({ list: [{ id: 1 }, { id: 2 }], m: new Map([['a', 1]]), s: new Set(['x']), n: 0, o: { k: 'v' } as Record<string, string> });
  onBatch(state, (b) => batches.push([...b]));
  return { state, batches };
}

describe('commit', () => {
  test('one batch, in order, when the outermost transact returns', () => {
    const { state, batches } = start();
    const result = transact(state, () => {
      state.n = 1;
      transact(state.list, () => state.list.push({ id: 3 })); // nested: joins the outer one
      state.m.set('b', 2);
      expect(batches).toEqual([]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((c) => c.op)).toEqual(['set', 'push', 'set']);
  });

  test('outside a transaction each mutation is its own batch', () => {
    const { state, batches } = start();
    state.n = 1;
    state.n = 2;
    expect(batches).toHaveLength(2);
  });

  test('origin marks the changes made inside', () => {
    const { state, batches } = start();
    transact(state, () => (state.n = 5), { origin: 'remote' });
    expect(batches[0]![0]!.origin).toBe('remote');
    state.n = 6;
    expect(batches[1]![0]!.origin).toBe('local');
  });
});

describe('rollback', () => {
  test('a throw undoes every kind of change, subscribers hear nothing, the error is rethrown', () => {
    const { state, batches } = start();
    const before = structuredClone(snapshot(state));
    const item = state.list[0]!;
    const boom = new Error('boom');
    expect(() =>
      transact(state, () => {
        state.n = 9;
        item.id = 100;
        state.list.push({ id: 3 });
        state.list.unshift({ id: 0 });
        state.list.reverse();
        state.list.sort((a, b) => a.id - b.id);
        state.list.splice(1, 2, { id: 7 });
        state.list.fill({ id: 5 }, 0, 1);
        state.list.copyWithin(0, 1);
        state.list.pop();
        state.list.shift();
        state.list.length = 0;
        state.m.set('a', 2);
        state.m.set('new', 3);
        state.m.delete('a');
        state.m.clear();
        state.s.add('y');
        state.s.delete('x');
        state.s.clear();
        delete state.o.k;
        state.o.z = 'z';
        throw boom;
      }),
    ).toThrow(boom);
    expect(snapshot(state)).toEqual(before);
    expect(batches).toEqual([]);
    // The restored objects are the same ones, still tracked at their places.
    expect(state.list[0]).toBe(item);
    item.id = 11;
    expect(batches[0]![0]!.path).toEqual(['list', 0, 'id']);
  });

  test('undone deletions put keys, Map entries and Set members back in their order', () => {
    const state = track({ o: { a: 1, b: 2, c: 3, d: 4 } as Record<string, number>, m: new Map([['a', 1], ['b', 2], ['c', 3]]), s: new Set(['a', 'b', 'c']) });
    expect(() =>
      transact(state, () => {
        delete state.o.b;
        delete state.o.a;
        state.m.delete('b');
        state.m.delete('a');
        state.s.delete('b');
        state.s.delete('a');
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(Object.keys(state.o)).toEqual(['a', 'b', 'c', 'd']);
    expect([...state.m.entries()]).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    expect([...state.s]).toEqual(['a', 'b', 'c']);
  });

  test('a nested transact that throws undoes only its own changes when the outer one catches', () => {
    const { state, batches } = start();
    transact(state, () => {
      state.n = 1;
      try {
        transact(state, () => {
          state.n = 2;
          state.o.k = 'changed';
          throw new Error('inner');
        });
      } catch {
        // keep going
      }
      expect(state.n).toBe(1);
      expect(state.o.k).toBe('v');
    });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((c) => c.args[1])).toEqual([1]);
  });

  test('changes to an object removed earlier in the transaction are undone too', () => {
    const { state } = start();
    const before = structuredClone(snapshot(state));
    expect(() =>
      transact(state, () => {
        const first = state.list[0]!;
        state.list.shift();
        first.id = 42; // detached now, but the rollback must restore it as it was
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(snapshot(state)).toEqual(before);
  });

  test('an async function is refused and rolled back', () => {
    const { state } = start();
    expect(() =>
      transact(state, () => {
        state.n = 3;
        return Promise.resolve();
      }),
    ).toThrow(AsyncTransactionError);
    expect(state.n).toBe(0);
  });

  test('only tracked objects can be transacted on', () => {
    expect(() => transact({}, () => 1)).toThrow(NotTrackedError);
  });
});
