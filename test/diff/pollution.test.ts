// Keys such as __proto__, constructor and prototype are plain data for diff, patch and revert:
// no op, however crafted, reaches Object.prototype or changes an object's prototype.
import { afterEach, describe, expect, it } from 'vitest';
import { snapshot, track } from 'tinysync';
import { diff, patch, revert, type Op } from 'tinysync/diff';

const hostile = () => JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}, "prototype": {"polluted": 1}}') as Record<string, unknown>;

function expectClean(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
}

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('prototype pollution', () => {
  it('diff, patch and revert keep __proto__ / constructor / prototype as own keys (plain target)', () => {
    const b = { nested: hostile() };
    const ops = diff({ nested: {} }, b);
    const target: Record<string, unknown> = { nested: {} };
    patch(target, ops);
    expectClean();
    const nested = target.nested as object;
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(Object.keys(nested)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(target).toEqual(b);
    revert(target, ops);
    expect(target).toEqual({ nested: {} });
    expectClean();
  });

  it('the same on a tracked target', () => {
    const ops = diff({ nested: {} }, { nested: hostile() });
    const state = track({ nested: {} as Record<string, unknown> });
    patch(state, ops);
    expectClean();
    expect(Object.keys(snapshot(state).nested)).toEqual(['__proto__', 'constructor', 'prototype']);
    revert(state, ops);
    expect(snapshot(state)).toEqual({ nested: {} });
    expectClean();
  });

  it('edits inside an own __proto__ key reach that key only', () => {
    const a = hostile();
    const b = hostile();
    (b.__proto__ as Record<string, unknown>).polluted = 2;
    const ops = diff(a, b);
    expect(ops).toEqual([{ op: 'set', path: ['__proto__', 'polluted'], value: 2, old: 1 }]);
    patch(a, ops);
    expectClean();
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
  });

  it.each<Op>([
    { op: 'set', path: ['__proto__', 'polluted'], value: 1 },
    { op: 'set', path: ['constructor', 'prototype', 'polluted'], value: 1 },
    { op: 'set', path: ['toString', 'polluted'], value: 1 },
    { op: 'delete', path: ['__proto__', 'hasOwnProperty'], old: null },
    { op: 'splice', path: ['constructor'], index: 0, remove: [], insert: [1] },
  ])('a crafted op through inherited keys is refused: %j', (op) => {
    expect(() => patch({}, [op])).toThrow(expect.objectContaining({ code: 'E_PATCH' }));
    expect(() => patch(track({}), [op])).toThrow(expect.objectContaining({ code: 'E_PATCH' }));
    expect(() => revert({}, [op])).toThrow(expect.objectContaining({ code: 'E_PATCH' }));
    expectClean();
  });

  it('setting an own __proto__ key on a plain object does not change its prototype', () => {
    const target: Record<string, unknown> = {};
    patch(target, [{ op: 'set', path: ['__proto__'], value: { polluted: 1 } }]);
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.hasOwn(target, '__proto__')).toBe(true);
    expectClean();
  });
});
