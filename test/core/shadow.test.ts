// How a plain object's proxy reads: over its shadow (src/core/shadow.ts), with no get trap
// unless a read observer is installed. What an application can see of that: nothing but the
// values — child proxies made once and kept, no extra keys, descriptors that hold what a read
// returns, and a read observer that hears reads from the moment it is installed.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isTracked, snapshot, track, transact, type PathKey } from 'tinysync';
import { ITERATE, setReadObserver, toRaw } from 'tinysync/extend';
import { readThrough, runs } from './mutations.js';

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

describe('a big object (a table keyed by id)', () => {
  // Past 32 keys a shadow reads plain values through its object instead of copying them
  // (shadow.ts); keys come and go across that line here, with containers among them, reads
  // before and after, rolled back transactions, and a read observer on and off.
  // Single edits land on a few keys (so that one key goes container → primitive → container,
  // read in between); bulk edits spread over many (so that the object crosses 32 keys).
  const key = fc.integer({ min: 0, max: 6 }).map((i) => (i === 6 ? '__proto__' : `k${i}`));
  const anyKey = fc.integer({ min: 0, max: 59 }).map((i) => `k${i}`);
  const value = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant(null), fc.record({ v: fc.integer({ min: 0, max: 9 }) }));
  const action = fc.oneof(
    fc.record({ set: key, value }),
    fc.record({ del: key }),
    fc.record({ inner: key, v: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ read: key }),
    fc.record({ many: fc.array(fc.tuple(anyKey, value), { maxLength: 40, size: 'max' }), abort: fc.boolean() }),
    fc.record({ observe: fc.boolean() }),
  );
  const apply = (table: Record<string, unknown>, a: { set?: string; value?: unknown; del?: string; inner?: string; v?: number }): void => {
    const put = (k: string, v: unknown) => Object.defineProperty(table, k, { value: structuredClone(v), writable: true, enumerable: true, configurable: true });
    if (a.set !== undefined) put(a.set, a.value);
    else if (a.del !== undefined) delete table[a.del];
    else if (a.inner !== undefined) {
      const o = Object.hasOwn(table, a.inner) ? table[a.inner] : undefined;
      if (typeof o === 'object' && o !== null) (o as { v: number }).v = a.v!;
    }
  };

  it('reads what a plain mirror holds, whatever the number of keys', () => {
    fc.assert(
      // size 'max': fast-check's default sizes keep arrays near 10 items, short of 32 keys.
      fc.property(fc.array(fc.tuple(fc.oneof(key, anyKey), value), { maxLength: 45, size: 'max' }), fc.array(action, { maxLength: 40 }), (start, actions) => {
        const initial: Record<string, unknown> = {};
        for (const [k, v] of start) Object.defineProperty(initial, k, { value: v, writable: true, enumerable: true, configurable: true });
        const state = track({ table: structuredClone(initial) });
        const mirror = structuredClone(initial);
        try {
          for (const a of actions) {
            if ('many' in a) {
              const before = structuredClone(mirror);
              try {
                transact(state, () => {
                  for (const [k, v] of a.many) apply(state.table, { set: k, value: v });
                  if (a.abort) throw new Error('abort');
                });
                for (const [k, v] of a.many) apply(mirror, { set: k, value: v });
              } catch {
                expect(readThrough(state.table)).toEqual(before);
              }
            } else if ('observe' in a) setReadObserver(a.observe ? () => {} : undefined);
            else if ('read' in a) {
              if (Object.hasOwn(mirror, a.read)) expect(readThrough(state.table[a.read])).toEqual(mirror[a.read]);
              else expect(a.read in state.table && a.read !== '__proto__').toBe(false);
            }
            else {
              apply(state.table, a);
              apply(mirror, a);
            }
          }
          expect(readThrough(state.table)).toEqual(mirror);
          expect(Object.keys(state.table)).toEqual(Object.keys(mirror));
          expect(snapshot(state.table)).toEqual(mirror);
          expect(Object.getPrototypeOf(state.table)).toBe(Object.prototype);
          for (const k of Object.keys(mirror)) expect(Object.getOwnPropertyDescriptor(state.table, k)!.value).toBe(state.table[k]);
        } finally {
          setReadObserver(undefined);
        }
      }),
      { numRuns: runs },
    );
  });
});
