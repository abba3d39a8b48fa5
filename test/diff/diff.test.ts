// diff(a, b): the small list of ops that turns `a` into `b`.
import { describe, expect, it } from 'vitest';
import { track } from 'tinysync';
import { diff, type Op } from 'tinysync/diff';

describe('diff on objects', () => {
  it('gives nothing for equal values', () => {
    expect(diff({ a: 1, b: [1, { c: new Set([1]) }] }, { a: 1, b: [1, { c: new Set([1]) }] })).toEqual([]);
  });

  it('sets a changed key with its old value, sets a new key without one, deletes a removed key with its value', () => {
    expect(diff({ a: 1, gone: 'x' }, { a: 2, added: true })).toEqual([
      { op: 'set', path: ['a'], value: 2, old: 1 },
      { op: 'delete', path: ['gone'], old: 'x' },
      { op: 'set', path: ['added'], value: true },
    ]);
  });

  it('recurses into nested objects, so a deep edit is one op at its full path', () => {
    expect(diff({ user: { address: { city: 'Paris', zip: '75001' } } }, { user: { address: { city: 'Lyon', zip: '75001' } } })).toEqual([
      { op: 'set', path: ['user', 'address', 'city'], value: 'Lyon', old: 'Paris' },
    ]);
  });

  it('replaces a value whose kind changes (object → array, Map → object, container → primitive)', () => {
    expect(diff({ x: { a: 1 }, y: new Map([['a', 1]]), z: [1] }, { x: [1], y: { a: 1 }, z: null })).toEqual([
      { op: 'set', path: ['x'], value: [1], old: { a: 1 } },
      { op: 'set', path: ['y'], value: { a: 1 }, old: new Map([['a', 1]]) },
      { op: 'set', path: ['z'], value: null, old: [1] },
    ]);
  });

  it('carries copies: changing a or b afterwards does not change the ops', () => {
    const a = { list: [{ n: 1 }] };
    const b = { list: [{ n: 1 }, { n: 2 }] };
    const ops = diff(a, b);
    b.list[1]!.n = 99;
    expect(ops).toEqual([{ op: 'splice', path: ['list'], index: 1, remove: [], insert: [{ n: 2 }] }]);
  });
});

describe('diff on arrays: small edits, not a whole replacement', () => {
  const list = ['a', 'b', 'c', 'd'];

  it('an append is one splice at the end', () => {
    expect(diff({ list }, { list: [...list, 'e', 'f'] })).toEqual([{ op: 'splice', path: ['list'], index: 4, remove: [], insert: ['e', 'f'] }]);
  });

  it('a removal is one splice carrying the removed items', () => {
    expect(diff(list, ['a', 'd'])).toEqual([{ op: 'splice', path: [], index: 1, remove: ['b', 'c'], insert: [] }]);
  });

  it('an insertion in the middle is one splice', () => {
    expect(diff(list, ['a', 'b', 'x', 'c', 'd'])).toEqual([{ op: 'splice', path: [], index: 2, remove: [], insert: ['x'] }]);
  });

  it('a replaced run of a different length is one splice of just that run', () => {
    expect(diff([1, 2, 3, 4, 5], [1, 7, 8, 5])).toEqual([{ op: 'splice', path: [], index: 1, remove: [2, 3, 4], insert: [7, 8] }]);
  });

  it('a replaced run of the same length is compared item by item', () => {
    expect(diff([1, 2, 3, 4], [1, 7, 3, 8])).toEqual([
      { op: 'set', path: [1], value: 7, old: 2 },
      { op: 'set', path: [3], value: 8, old: 4 },
    ]);
  });

  it('an edit inside an item is an op at that item, not a splice', () => {
    const todos = [{ title: 'a', done: false }, { title: 'b', done: false }, { title: 'c', done: false }];
    const after = todos.map((t) => ({ ...t, done: t.title === 'b' }));
    expect(diff(todos, after)).toEqual([{ op: 'set', path: [1, 'done'], value: true, old: false }]);
  });

  it('stays small on a large list: one insertion into 10,000 items is one op holding one item', () => {
    const big = Array.from({ length: 10_000 }, (_, i) => ({ id: i }));
    const after = [...big.slice(0, 5000), { id: -1 }, ...big.slice(5000)];
    expect(diff({ big }, { big: after })).toEqual([{ op: 'splice', path: ['big'], index: 5000, remove: [], insert: [{ id: -1 }] }]);
  });

  it('a replaced primitive item is a set at its index', () => {
    expect(diff(list, ['a', 'B', 'c', 'd'])).toEqual([{ op: 'set', path: [1], value: 'B', old: 'b' }]);
  });
});

describe('diff on Maps and Sets', () => {
  it('compares Maps key by key and recurses into their values', () => {
    const a = new Map<string, unknown>([['ada', { role: 'admin' }], ['bob', 1]]);
    const b = new Map<string, unknown>([['ada', { role: 'user' }], ['cy', 2]]);
    expect(diff(a, b)).toEqual([
      { op: 'set', path: ['ada', 'role'], value: 'user', old: 'admin' },
      { op: 'delete', path: ['bob'], old: 1 },
      { op: 'set', path: ['cy'], value: 2 },
    ]);
  });

  it('compares Sets member by member: discard what left, add what came', () => {
    expect(diff({ tags: new Set(['a', 'b']) }, { tags: new Set(['b', 'c']) })).toEqual([
      { op: 'discard', path: ['tags'], value: 'a' },
      { op: 'add', path: ['tags'], value: 'c' },
    ]);
  });
});

describe('diff inputs', () => {
  it('reads tracked values as they are now, without changing them', () => {
    const a = track({ n: 1, tags: new Set(['x']) });
    const b = track({ n: 2, tags: new Set(['x', 'y']) });
    expect(diff(a, b)).toEqual<Op[]>([
      { op: 'set', path: ['n'], value: 2, old: 1 },
      { op: 'add', path: ['tags'], value: 'y' },
    ]);
    expect(a.n).toBe(1);
  });

  it('refuses two roots of different kinds, or primitives (E_DIFF)', () => {
    expect(() => diff({}, [] as object)).toThrow(expect.objectContaining({ code: 'E_DIFF' }));
    expect(() => diff(new Map(), new Set() as object)).toThrow(expect.objectContaining({ code: 'E_DIFF' }));
  });

  it('refuses values outside the value rules, naming the path (E_VALUE)', () => {
    expect(() => diff({ when: { d: 1 } }, { when: { d: new Date(0) } })).toThrow(
      expect.objectContaining({ code: 'E_VALUE', path: ['when', 'd'] }),
    );
    expect(() => diff({ s: new Set() }, { s: new Set([{}]) })).toThrow(expect.objectContaining({ code: 'E_VALUE', path: ['s'] }));
    expect(() => diff({}, { deep: { s: new Set([{}]) } })).toThrow(expect.objectContaining({ code: 'E_VALUE', path: ['deep', 's'] }));
    expect(() => diff([1], [1, 2, undefined])).toThrow(expect.objectContaining({ code: 'E_VALUE', path: [2] }));
  });

  it('produces ops that survive JSON when they hold no Map or Set', () => {
    const ops = diff({ a: [1, 2, { b: 'c' }], d: null }, { a: [1, { b: 'c' }], d: { e: [true] } });
    expect(JSON.parse(JSON.stringify(ops))).toEqual(ops);
  });
});
