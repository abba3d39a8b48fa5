// How a plain object's proxy reads: over its shadow (src/core/shadow.ts), with no get trap
// unless a read observer is installed. What an application can see of that: nothing but the
// values — child proxies made once and kept, no extra keys, descriptors that hold what a read
// returns, and a read observer that hears reads from the moment it is installed.
import { afterEach, describe, expect, it } from 'vitest';
import { isTracked, snapshot, track, type PathKey } from 'tinysync';
import { ITERATE, setReadObserver, toRaw } from 'tinysync/extend';

afterEach(() => setReadObserver(undefined));

describe('reading a tracked object', () => {
  it('returns the same child proxy on every read, and the plain object only through toRaw', () => {
    const state = track({ a: { b: { c: 1 } }, list: [{ id: 1 }] });
    expect(state.a).toBe(state.a);
    expect(isTracked(state.a.b)).toBe(true);
    expect(toRaw(state.a)).not.toBe(state.a);
    expect(toRaw(state).a).toBe(toRaw(state.a));
    expect(isTracked(state.list[0])).toBe(true);
  });

  it('shows no key but the data: own keys, symbols, descriptors, spread and JSON', () => {
    // JSON.parse makes an own `__proto__` key (an object literal would set the prototype).
    const state = track(JSON.parse('{"a":{"b":1},"n":2,"__proto__":{"x":1}}') as Record<string, unknown>);
    expect(Reflect.ownKeys(state)).toEqual(['a', 'n', '__proto__']);
    expect(Object.getOwnPropertySymbols(state)).toEqual([]);
    const desc = Object.getOwnPropertyDescriptor(state, 'a')!;
    // A data property holding what a read returns (the child's proxy), never an accessor.
    expect(desc).toEqual({ value: state.a, writable: true, enumerable: true, configurable: true });
    expect(Object.getOwnPropertyDescriptor(state, '__proto__')!.value).toBe(state['__proto__']);
    expect(isTracked(state['__proto__'])).toBe(true);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect({ ...state }.a).toBe(state.a);
    expect(JSON.parse(JSON.stringify(state))).toEqual(snapshot(state));
  });

  it('follows every write at once: a replaced or deleted child, a primitive over an object and back', () => {
    const state = track<{ a?: { v: number } | number }>({ a: { v: 1 } });
    const first = state.a;
    state.a = { v: 2 };
    expect(state.a).not.toBe(first);
    expect((state.a as { v: number }).v).toBe(2);
    state.a = 3;
    expect(state.a).toBe(3);
    state.a = { v: 4 };
    expect((state.a as { v: number }).v).toBe(4);
    delete state.a;
    expect('a' in state).toBe(false);
    expect(state.a).toBeUndefined();
  });

  it('a read observer hears object reads from the moment it is installed, and nothing once removed', () => {
    const state = track({ a: { b: 1 }, list: [1, 2] });
    const inner = state.a;
    const list = state.list;
    const heard: [object, PathKey | typeof ITERATE][] = [];
    setReadObserver((target, key) => heard.push([target, key]));
    const b = inner.b;
    const length = state.list.length;
    setReadObserver(undefined);
    expect([b, length]).toEqual([1, 2]);
    expect(heard).toEqual([
      [inner, 'b'],
      [state, 'list'],
      [list, ITERATE],
    ]);
    heard.length = 0;
    expect(state.a.b).toBe(1);
    expect(heard).toEqual([]);
  });
});
