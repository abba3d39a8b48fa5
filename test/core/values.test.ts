// The value rules: JSON values plus Map (string keys) and Set (primitives). Anything else is
// refused at the assignment with a ValueError that names the path, and nothing changes.
import { describe, expect, test } from 'vitest';
import { snapshot, track, transact, TinysyncError, ValueError } from 'tinysync';

class Point {
  x = 1;
}

describe('refused values', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a function', () => 1, /a function/],
    ['a class instance', new Point(), /instance of Point/],
    ['a Date', new Date(0), /instance of Date/],
    ['undefined', undefined, /undefined/],
    ['NaN', Number.NaN, /NaN/],
    ['Infinity', Number.POSITIVE_INFINITY, /Infinity/],
    ['a symbol', Symbol('s'), /symbol/],
    ['a BigInt', 1n, /BigInt/],
    ['undefined inside an array', [1, undefined], /undefined/],
    ['a hole in an array', [1, , 3], /hole/],
    ['a non-string Map key', new Map([[1, 'a']]), /Map key/],
    ['an object in a Set', new Set([{}]), /Set/],
  ];
  for (const [what, value, message] of cases) {
    test(`${what} is refused with the path, and the structure is unchanged`, () => {
      const state = track({ user: { tags: ['a'] as unknown[] } });
      const before = snapshot(state);
      let error: unknown;
      try {
        state.user.tags.push({ deep: { value } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValueError);
      expect(error).toBeInstanceOf(TinysyncError);
      expect((error as ValueError).code).toBe('E_VALUE');
      expect((error as ValueError).message).toMatch(message);
      expect((error as ValueError).path.slice(0, 5)).toEqual(['user', 'tags', 1, 'deep', 'value']);
      expect(snapshot(state)).toBe(before);
    });
  }

  test('cycles are refused', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const state = track<Record<string, unknown>>({});
    expect(() => (state.c = cyclic)).toThrow(/cycle/);
    expect(Object.keys(state)).toEqual([]);
  });

  test('the same object twice (not a cycle) is stored as two copies', () => {
    const shared = { v: 1 };
    const state = track({ a: shared, b: shared });
    state.a.v = 2;
    expect(state.b.v).toBe(1);
  });

  test('arrays hold items only: no holes, no extra properties, no growing length', () => {
    const state = track({ list: [1, 2] });
    expect(() => (state.list[5] = 1)).toThrow(/past the end/);
    expect(() => delete state.list[0]).toThrow(/hole/);
    expect(() => ((state.list as unknown as Record<string, number>).extra = 1)).toThrow(/property "extra"/);
    expect(() => (state.list.length = 4)).toThrow(/length/);
    expect([...state.list]).toEqual([1, 2]);
  });

  test('a refusal inside a transaction rolls back the whole transaction', () => {
    const state = track({ a: 1, b: 2 });
    expect(() =>
      transact(state, () => {
        state.a = 10;
        (state as Record<string, unknown>).b = () => 0;
      }),
    ).toThrow(ValueError);
    expect(snapshot(state)).toEqual({ a: 1, b: 2 });
  });
});

describe('keys are plain data', () => {
  const polluting = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}';

  test('__proto__, constructor and prototype never reach a prototype', () => {
    const state = track<Record<string, unknown>>(JSON.parse(polluting));
    state.x = JSON.parse(polluting);
    (state.x as Record<string, unknown>)['__proto__'] = { polluted: 2 };
    state.m = new Map(Object.entries(JSON.parse(polluting)));
    transact(state, () => {
      state.y = JSON.parse(polluting);
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.keys(state.x as object)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getPrototypeOf(state.x)).toBe(Object.prototype);
    expect(JSON.stringify(snapshot(state.x))).toBe('{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}');
  });
});

test('errors keep their names when a minifier renames their classes', () => {
  const state = track({ a: 1 });
  try {
    (state as Record<string, unknown>).a = undefined;
  } catch (e) {
    expect((e as Error).name).toBe('ValueError');
    expect(Object.getOwnPropertyDescriptor(e, 'name')?.value).toBe('ValueError');
  }
  expect.assertions(2);
});
