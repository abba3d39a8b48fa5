// fast-check arbitraries for values that tinysync accepts (the value rules): JSON primitives,
// arrays, plain objects, Maps with string keys and Sets of primitives, nested. Keys are drawn
// from a small pool (so that two random values share keys and diffs recurse) that includes
// `__proto__`, `constructor` and `prototype`, which must always stay plain data.
import fc from 'fast-check';

/** Runs per property: 500 by default, `FC_RUNS=5000 npx vitest ...` for a longer search. */
export const runs = Number((typeof process === 'undefined' ? undefined : process.env.FC_RUNS) ?? 500);

export type Primitive = string | number | boolean | null;
export type Value = Primitive | Value[] | { [key: string]: Value } | Map<string, Value> | Set<Primitive>;
export type Container = Value[] | { [key: string]: Value } | Map<string, Value> | Set<Primitive>;

/** Keys for objects and Maps: a few short ones, the dangerous ones, and the odd random string. */
export const key: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c', 'id', '', '0') },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty') },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);

/** Strings, integers, finite doubles (no -0, which `===` cannot tell from 0), booleans, null. */
export const primitive: fc.Arbitrary<Primitive> = fc.oneof(
  fc.constantFrom('x', 'y', ''),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
  fc.constant(null),
);

/** An object built from entries with own data properties only (safe for `__proto__`). */
export function objectFrom(entries: readonly (readonly [string, Value])[]): { [key: string]: Value } {
  const out: { [key: string]: Value } = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
  return out;
}

const tree = fc.letrec<{ value: Value; container: Container; array: Value[]; object: { [key: string]: Value }; map: Map<string, Value>; set: Set<Primitive> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, primitive, tie('container')),
  container: fc.oneof(tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map(objectFrom),
  map: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(primitive, { maxLength: 5 }).map((items) => new Set(items)),
}));

/** Any valid value, nested. */
export const value: fc.Arbitrary<Value> = tree.value;
/** A valid root for `track()`: an array, a plain object, a Map or a Set, nested. */
export const container: fc.Arbitrary<Container> = tree.container;
/** A plain object root (the usual shape of app state). */
export const object: fc.Arbitrary<{ [key: string]: Value }> = tree.object;

/** A deep copy of a value (Maps and Sets included, `__proto__` kept as data). */
export function copyValue<T extends Value>(v: T): T {
  return copy(v) as T;
}

function copy(v: Value): Value {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof Set) return new Set(v);
  if (v instanceof Map) return new Map([...v].map(([k, x]): [string, Value] => [k, copy(x)]));
  return objectFrom(Object.entries(v).map(([k, x]): [string, Value] => [k, copy(x)]));
}

/** Every container inside `v` (itself included), in a fixed order. */
export function containersOf(v: Value): Container[] {
  if (typeof v !== 'object' || v === null) return [];
  const inner = v instanceof Set ? [] : v instanceof Map ? [...v.values()] : Array.isArray(v) ? v : Object.values(v);
  return [v, ...inner.flatMap(containersOf)];
}

/** The seed of one random edit: which container, where in it, what to do, with which value. */
export interface EditSeed {
  pick: number;
  at: number;
  kind: number;
  key: string;
  value: Value;
}

export const editSeed: fc.Arbitrary<EditSeed> = fc.record({ pick: fc.nat(), at: fc.nat(), kind: fc.nat(), key, value });

/**
 * Applies one edit to `root` in place (through whatever `root` is: plain or tracked), the kind
 * an app makes: set / delete a key, push / insert / remove / replace an array item, Map set /
 * delete, Set add / delete. Returns a short description (for failure messages).
 */
export function applyEdit(root: Container, seed: EditSeed): string {
  const all = containersOf(root);
  const c = all[seed.pick % all.length]!;
  const k = seed.kind % 4;
  if (c instanceof Set) {
    const member = [...c][seed.at % Math.max(c.size, 1)];
    if (k < 2 || member === undefined) {
      const v = typeof seed.value === 'object' && seed.value !== null ? seed.key : seed.value;
      c.add(v);
      return `set add ${String(v)}`;
    }
    c.delete(member);
    return `set delete ${String(member)}`;
  }
  if (c instanceof Map) {
    if (k === 0 && c.size > 0) {
      const victim = [...c.keys()][seed.at % c.size]!;
      c.delete(victim);
      return `map delete ${victim}`;
    }
    c.set(seed.key, copyValue(seed.value));
    return `map set ${seed.key}`;
  }
  if (Array.isArray(c)) {
    const i = seed.at % (c.length + 1);
    if (k === 0) c.push(copyValue(seed.value));
    else if (k === 1) c.splice(i, 0, copyValue(seed.value));
    else if (k === 2 && c.length > 0) c.splice(i % c.length, 1 + (seed.at % 2));
    else if (c.length > 0) c[i % c.length] = copyValue(seed.value);
    else c.push(copyValue(seed.value));
    return `array edit ${k} at ${i}`;
  }
  const keys = Object.keys(c);
  if (k === 0 && keys.length > 0) {
    const victim = keys[seed.at % keys.length]!;
    delete c[victim];
    return `object delete ${victim}`;
  }
  Object.defineProperty(c, seed.key, { value: copyValue(seed.value), writable: true, enumerable: true, configurable: true });
  return `object set ${seed.key}`;
}

/**
 * A pair `[a, b]` where `b` is `a` after a few random edits: the realistic input of a diff
 * (mostly shared structure, a few changes), which independent random values rarely give.
 */
export const related: fc.Arbitrary<[Container, Container]> = fc
  .tuple(container, fc.array(editSeed, { maxLength: 6 }))
  .map(([a, seeds]) => {
    const b = copyValue(a);
    for (const seed of seeds) applyEdit(b, seed);
    return [a, b] as [Container, Container];
  });

/** Two values of the same container kind, related by edits or independent. */
export const pair: fc.Arbitrary<[Container, Container]> = fc.oneof(
  { weight: 3, arbitrary: related },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.tuple(tree.array, tree.array),
      fc.tuple(tree.object, tree.object),
      fc.tuple(tree.map, tree.map),
      fc.tuple(tree.set, tree.set),
    ) as fc.Arbitrary<[Container, Container]>,
  },
);
