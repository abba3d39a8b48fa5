// Random valid values and random mutation scripts for the property tests. A script is
// interpreted against the current structure, so the same script does the same thing to a
// tracked structure and to a plain mirror of it.
import fc from 'fast-check';
import { isTracked } from 'tinysync';

export const runs = Number(process.env.FC_RUNS ?? 500);

const key = fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'constructor', 'prototype', 'two words');
const primitive = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));

function plainObject(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
  return out;
}

/** A random value the value rules accept: JSON, plus Maps with string keys and Sets of primitives. */
export const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown; arr: unknown[]; obj: object; map: Map<string, unknown>; set: Set<unknown> }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, primitive, tie('arr'), tie('obj'), tie('map'), tie('set')),
  arr: fc.array(tie('v'), { maxLength: 3 }),
  obj: fc.array(fc.tuple(key, tie('v')), { maxLength: 3 }).map(plainObject),
  map: fc.array(fc.tuple(key, tie('v')), { maxLength: 3 }).map((e) => new Map(e)),
  set: fc.array(primitive, { maxLength: 3 }).map((a) => new Set(a)),
})).v;

/** A random root: an object holding a few containers of every kind. */
export const rootValue = fc.record({
  obj: value.filter((v) => typeof v === 'object' && v !== null).map((v) => v as object),
  list: fc.array(value, { maxLength: 4 }),
  map: fc.array(fc.tuple(key, value), { maxLength: 3 }).map((e) => new Map(e)),
  set: fc.array(primitive, { maxLength: 3 }).map((a) => new Set(a)),
});

export interface Step {
  pick: number;
  kind: number;
  a: number;
  b: number;
  key: string;
  value: unknown;
  primitive: string | number | boolean | null;
}

export const step: fc.Arbitrary<Step> = fc.record({
  pick: fc.nat(),
  kind: fc.nat(),
  a: fc.integer({ min: -3, max: 6 }),
  b: fc.integer({ min: 0, max: 3 }),
  key,
  value,
  primitive,
});

/** Every container in the structure, in a fixed order (tracked proxies or plain objects alike). */
function containers(root: unknown, out: object[] = []): object[] {
  if (typeof root !== 'object' || root === null) return out;
  out.push(root);
  if (root instanceof Set) return out;
  const children = root instanceof Map ? [...root.values()] : Array.isArray(root) ? root : Object.keys(root).map((k) => (root as Record<string, unknown>)[k]);
  for (const child of children) containers(child, out);
  return out;
}

/** Orders anything deterministically; objects compare equal (sort is stable). */
const order = (x: unknown, y: unknown): number => {
  const rank = (v: unknown) => (typeof v === 'object' && v !== null ? '~' : `${typeof v}:${String(v)}`);
  const [a, b] = [rank(x), rank(y)];
  return a < b ? -1 : a > b ? 1 : 0;
};

/** A fresh copy of a value, so that a value stored in two places is never the same object. */
export const fresh = (v: unknown): unknown => (typeof v === 'object' && v !== null ? structuredClone(v) : v);

/** Applies one step to `root` (tracked or plain): the same step does the same thing to both. */
export function applyStep(root: object, s: Step): void {
  const all = containers(root);
  const c = all[s.pick % all.length]!;
  if (c instanceof Set) {
    const values = [...c];
    const op = s.kind % 3;
    if (op === 0) c.add(s.primitive);
    else if (op === 1) c.delete(values[s.b % Math.max(values.length, 1)]);
    else c.clear();
  } else if (c instanceof Map) {
    const op = s.kind % 4;
    if (op <= 1) c.set(s.key, fresh(s.value));
    else if (op === 2) c.delete(s.key);
    else c.clear();
  } else if (Array.isArray(c)) {
    const n = c.length;
    switch (s.kind % 11) {
      case 0: c.push(fresh(s.value), s.primitive); break;
      case 1: c.pop(); break;
      case 2: c.shift(); break;
      case 3: c.unshift(fresh(s.value)); break;
      case 4: c.splice(s.a, s.b, fresh(s.value)); break;
      case 5: c[Math.abs(s.a) % (n + 1)] = fresh(s.value); break;
      case 6: c.sort(order); break;
      case 7: c.reverse(); break;
      case 8: c.fill(s.primitive, s.a, s.a + s.b); break;
      case 9: {
        c.copyWithin(s.a, s.b);
        // tinysync copies the objects it copies within (one place per object); plain JS
        // would alias them, so the plain mirror copies them too.
        if (!isTracked(c)) c.forEach((item, i) => (c[i] = c.indexOf(item) < i ? fresh(item) : item));
        break;
      }
      default: c.length = Math.min(n, s.b);
    }
  } else {
    const obj = c as Record<string, unknown>;
    if (s.kind % 3 === 0) delete obj[s.key];
    else Object.defineProperty(obj, s.key, { value: fresh(s.value), writable: true, enumerable: true, configurable: true });
  }
}

/**
 * A plain deep copy made by reading through the proxies only (keys, items, entries): what an
 * application reading the tracked tree sees. Every container it meets must be a tracked proxy.
 */
export function readThrough(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (!isTracked(v)) throw new Error('a read returned a plain container, not its proxy');
  if (v instanceof Set) return new Set(v);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, readThrough(x)]));
  if (Array.isArray(v)) return v.map(readThrough);
  const out = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: readThrough((v as Record<string, unknown>)[k]), writable: true, enumerable: true, configurable: true });
  return out;
}
