// track(): a tracked structure looks and behaves like the original, and every mutation,
// however it is made, becomes one Change that names what changed and where.
import { describe, expect, test } from 'vitest';
import { snapshot, track, type Change } from 'tinysync';

function recorder<T extends object>(value: T) {
  const changes: Change[] = [];
  const state = track(value, { name: 'doc', onChange: (c) => changes.push(c) });
  return { state, changes };
}

describe('a tracked value looks like the original', () => {
  const state = track({ list: [1, 2, { x: 1 }], map: new Map([['a', { n: 1 }]]), set: new Set(['s']), nested: { deep: { v: true } } });

  test('types and shapes', () => {
    expect(Array.isArray(state.list)).toBe(true);
    expect(state.map instanceof Map).toBe(true);
    expect(state.set instanceof Set).toBe(true);
    expect(Object.keys(state)).toEqual(['list', 'map', 'set', 'nested']);
    expect([...state.list].length).toBe(3);
    expect({ ...state.nested }).toEqual({ deep: { v: true } });
    expect(JSON.stringify(state.list)).toBe('[1,2,{"x":1}]');
    expect(state.map.size).toBe(1);
    expect([...state.map.keys()]).toEqual(['a']);
    expect(state.set.has('s')).toBe(true);
    expect(structuredClone(snapshot(state))).toEqual(snapshot(state));
  });

  test('reading the same nested object twice gives the same proxy', () => {
    expect(state.nested.deep).toBe(state.nested.deep);
    expect(state.map.get('a')).toBe(state.map.get('a'));
    expect(state.list.find((x) => typeof x === 'object')).toBe(state.list[2]);
  });

  test('array methods that only read work through the proxy', () => {
    expect(state.list.map((x) => typeof x)).toEqual(['number', 'number', 'object']);
    expect(state.list.includes(state.list[2]!)).toBe(true);
    expect(state.list.indexOf(2)).toBe(1);
    expect(state.list.slice(0, 2)).toEqual([1, 2]);
  });
});

describe('every mutation becomes a Change', () => {
  test('property set: path ends with the key, args are [key, value], previous is the old value', () => {
    const { state, changes } = recorder({ user: { name: 'ada' } });
    state.user.name = 'grace';
    expect(changes).toHaveLength(1);
    const [c] = changes;
    expect(c).toMatchObject({ name: 'doc', path: ['user', 'name'], op: 'set', args: ['name', 'grace'], previous: 'ada', origin: 'local' });
    expect(c!.root).toBe(state);
    expect(c!.target).toBe(state.user);
  });

  test('a new key has no previous value; delete reports the removed one', () => {
    const { state, changes } = recorder<{ a?: number }>({});
    state.a = 1;
    delete state.a;
    expect(changes.map((c) => [c.op, c.path, c.args, c.previous])).toEqual([
      ['set', ['a'], ['a', 1], undefined],
      ['delete', ['a'], ['a'], 1],
    ]);
  });

  test('Object.defineProperty with a plain data descriptor is a set', () => {
    const { state, changes } = recorder<{ a?: number }>({});
    Object.defineProperty(state, 'a', { value: 5, writable: true, enumerable: true, configurable: true });
    expect(state.a).toBe(5);
    expect(changes[0]).toMatchObject({ op: 'set', path: ['a'] });
    expect(() => Object.defineProperty(state, 'b', { get: () => 1 })).toThrow(/accessor/);
  });

  test('array methods keep their names and normalised arguments', () => {
    const { state, changes } = recorder({ list: [3, 1, 2] });
    state.list.push(4, 5);
    state.list.pop();
    state.list.shift();
    state.list.unshift(0);
    state.list.splice(-2, 1, 9, 9);
    state.list.sort();
    state.list.reverse();
    state.list.fill(7, 1, 2);
    state.list.copyWithin(0, 3);
    state.list[1] = 8;
    state.list.length = 2;
    expect(changes.map((c) => [c.op, c.path, c.args, c.previous])).toEqual([
      ['push', ['list'], [4, 5], undefined],
      ['pop', ['list'], [], 5],
      ['shift', ['list'], [], 3],
      ['unshift', ['list'], [0], undefined],
      ['splice', ['list'], [2, 1, 9, 9], [2]],
      ['sort', ['list'], [], [0, 1, 9, 9, 4]],
      ['reverse', ['list'], [], [0, 1, 4, 9, 9]],
      ['fill', ['list'], [7, 1, 2], [9]],
      ['copyWithin', ['list'], [0, 3, 5], [9, 7]],
      ['set', ['list', 1], [1, 8], 0],
      ['splice', ['list'], [2, 3], [4, 1, 0]],
    ]);
    expect([...state.list]).toEqual([1, 8]);
  });

  test('Map and Set methods', () => {
    const { state, changes } = recorder({ m: new Map<string, number>(), s: new Set<string>() });
    state.m.set('a', 1);
    state.m.set('a', 2);
    state.m.delete('a');
    state.m.set('b', 1);
    state.m.clear();
    state.s.add('x');
    state.s.delete('x');
    state.s.add('y');
    state.s.clear();
    expect(changes.map((c) => [c.op, c.path, c.args, c.previous])).toEqual([
      ['set', ['m', 'a'], ['a', 1], undefined],
      ['set', ['m', 'a'], ['a', 2], 1],
      ['delete', ['m', 'a'], ['a'], 2],
      ['set', ['m', 'b'], ['b', 1], undefined],
      ['clear', ['m'], [], [['b', 1]]],
      ['add', ['s'], ['x'], undefined],
      ['delete', ['s'], ['x'], 'x'],
      ['add', ['s'], ['y'], undefined],
      ['clear', ['s'], [], ['y']],
    ]);
  });

  test('a mutation that changes nothing emits nothing', () => {
    const { state, changes } = recorder({ a: 1, list: [1], s: new Set([1]), m: new Map([['k', 1]]) });
    state.a = 1;
    state.list[0] = 1;
    state.list.splice(0, 0);
    state.list.sort();
    state.list.fill(1);
    state.s.add(1);
    state.s.delete(2);
    state.m.set('k', 1);
    state.m.delete('nope');
    state.list.length = 1;
    state.list = state.list;
    expect(changes).toEqual([]);
  });

  test('paths follow items as arrays shift', () => {
    const { state, changes } = recorder({ todos: [{ t: 'a' }, { t: 'b' }, { t: 'c' }] });
    const c = state.todos[2]!;
    state.todos.shift();
    c.t = 'C';
    expect(changes[1]!.path).toEqual(['todos', 1, 't']);
    state.todos.reverse();
    c.t = 'CC';
    expect(changes[3]!.path).toEqual(['todos', 0, 't']);
  });
});

describe('assigned values', () => {
  test('are copied into the tree and tracked at their new place', () => {
    const { state, changes } = recorder<{ items: { id: number }[] }>({ items: [] });
    const item = { id: 1 };
    state.items.push(item);
    item.id = 99; // the original is not part of the tree
    expect(state.items[0]!.id).toBe(1);
    state.items[0]!.id = 2;
    expect(changes.at(-1)!.path).toEqual(['items', 0, 'id']);
  });

  test('moving a tracked object copies it: no object is in two places', () => {
    const state = track({ a: { v: 1 }, b: null as { v: number } | null });
    state.b = state.a;
    state.b.v = 2;
    expect(state.a.v).toBe(1);
  });

  test('a removed object no longer reports changes', () => {
    const { state, changes } = recorder<{ a?: { v: number } }>({ a: { v: 1 } });
    const a = state.a!;
    delete state.a;
    a.v = 2;
    expect(changes.map((c) => c.op)).toEqual(['delete']);
  });
});
