// The write path's shortcuts (issue 15 point 4) keep what a write reports: each tree node
// remembers its parent's node, a push is an Array#push, items are adopted in place, and
// delivery makes no errors array unless a listener throws.
import { describe, expect, test } from 'vitest';
import { snapshot, SubscriberError, track, transact, type Change } from 'tinysync';
import { onBatch } from 'tinysync/extend';

function recorder<T extends object>(value: T) {
  const changes: Change[] = [];
  const state = track(value, { onChange: (c) => changes.push(c) });
  return { state, changes };
}

describe('a write reports where it happened, however its container moved', () => {
  test('after sort, unshift and splice move the record that holds it', () => {
    const { state, changes } = recorder({ rows: [{ id: 'b', cell: { v: 0 } }, { id: 'a', cell: { v: 0 } }] });
    const b = state.rows[0]!.cell;
    b.v = 1; // the walk up from `cell` learns its parent's node here
    state.rows.sort((x, y) => x.id.localeCompare(y.id));
    b.v = 2;
    state.rows.unshift({ id: 'z', cell: { v: 0 } });
    b.v = 3;
    state.rows.splice(0, 2);
    b.v = 4;
    expect(changes.filter((c) => c.op === 'set').map((c) => c.path)).toEqual([
      ['rows', 0, 'cell', 'v'],
      ['rows', 1, 'cell', 'v'],
      ['rows', 2, 'cell', 'v'],
      ['rows', 0, 'cell', 'v'],
    ]);
  });

  test('after a rolled-back transaction put a removed record back', () => {
    const { state, changes } = recorder({ rows: [{ cell: { v: 0 } }, { cell: { v: 0 } }] });
    const cell = state.rows[1]!.cell;
    cell.v = 1;
    expect(() =>
      transact(state, () => {
        state.rows.splice(0, 2);
        throw new Error('undo it');
      }),
    ).toThrow('undo it');
    cell.v = 2;
    expect(changes.at(-1)!.path).toEqual(['rows', 1, 'cell', 'v']);
    expect(snapshot(state).rows[1]!.cell.v).toBe(2);
  });

  test('a removed container reports nothing, and its old parent path is not reused', () => {
    const { state, changes } = recorder({ a: { b: { v: 0 } } });
    const b = state.a.b;
    b.v = 1;
    state.a = { b: { v: 9 } };
    const before = changes.length;
    b.v = 2;
    expect(changes.length).toBe(before);
    state.a.b.v = 3;
    expect(changes.at(-1)!.path).toEqual(['a', 'b', 'v']);
  });
});

describe('push', () => {
  test('reports the pushed items, nothing removed, and returns the length', () => {
    const { state, changes } = recorder({ list: [1] as unknown[] });
    expect(state.list.push(2, { x: 3 })).toBe(3);
    const c = changes.at(-1)!;
    expect([c.op, c.path, c.args, c.previous]).toEqual(['push', ['list'], [2, { x: 3 }], undefined]);
    expect(snapshot(state).list).toEqual([1, 2, { x: 3 }]);
  });

  test('inside a transaction that throws, is undone', () => {
    const { state, changes } = recorder({ list: [1] });
    expect(() =>
      transact(state, () => {
        state.list.push(2, 3);
        state.list.push(4);
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(snapshot(state).list).toEqual([1]);
    expect(changes).toEqual([]);
  });

  test('an item that breaks the value rules changes nothing', () => {
    const { state, changes } = recorder({ list: [1] as unknown[] });
    expect(() => state.list.push(2, new Date())).toThrow(/not plain data/);
    expect(snapshot(state).list).toEqual([1]);
    expect(changes).toEqual([]);
  });
});

describe('delivery to batch listeners', () => {
  test('every listener runs; the throws are gathered and thrown together', () => {
    const state = track({ n: 0 });
    const heard: number[] = [];
    onBatch(state, () => {
      throw new Error('first');
    });
    onBatch(state, (changes) => heard.push(changes.length));
    onBatch(state, () => {
      throw new Error('second');
    });
    let error: unknown;
    try {
      state.n = 1;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SubscriberError);
    expect((error as SubscriberError).errors.map((e) => (e as Error).message)).toEqual(['first', 'second']);
    expect(heard).toEqual([1]);
  });

  test('nothing is thrown when no listener throws', () => {
    const state = track({ n: 0 });
    let batches = 0;
    onBatch(state, () => batches++);
    state.n = 1;
    transact(state, () => {
      state.n = 2;
      state.n = 3;
    });
    expect(batches).toBe(2);
  });
});
