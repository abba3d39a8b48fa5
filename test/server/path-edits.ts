// Random trees, path patterns and edits for the path-rule properties (touched-paths.test.ts
// on one room, permissions-scale.test.ts across instances), and `plan`, which says from the plain
// tree what an edit touches, so each property can compare the server's verdict with it.
import fc from 'fast-check';
import type { Replica } from './room-fakes.js';

const KEYS = ['a', 'b', 'c'];
export type Tree = { [key: string]: Value };
type Value = number | Tree | Value[];

const leaf = fc.integer({ min: 0, max: 99 });
export const { tree } = fc.letrec<{ tree: Tree; value: Value; list: Value[] }>((tie) => ({
  tree: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('tree'), tie('list')),
  list: fc.array(fc.oneof(leaf, fc.dictionary(fc.constantFrom(...KEYS), leaf, { maxKeys: 2 })), { maxLength: 3 }),
}));
export const pattern = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', 'c', '*'), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([segs, rest]) => '/' + [...segs, ...(rest ? ['**'] : [])].join('/'));
/** One edit, applied to the container found by following `pick` through the tree. */
export const edit = fc.record({
  pick: fc.array(fc.nat(), { maxLength: 4 }),
  kind: fc.constantFrom('set-leaf', 'set-tree', 'delete', 'push', 'remove'),
  key: fc.constantFrom(...KEYS),
  value: fc.oneof(leaf, fc.dictionary(fc.constantFrom(...KEYS), leaf, { minKeys: 1, maxKeys: 2 })),
});
export type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

const isContainer = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** Every path a new value writes at `at`: the slot itself and each key or item inside it. */
function written(at: string[], value: unknown, out: string[][]): void {
  out.push(at);
  if (Array.isArray(value)) for (const v of value) written([...at, '*'], v, out);
  else if (isContainer(value)) for (const [k, v] of Object.entries(value)) written([...at, k], v, out);
}

/**
 * The mutation `e` makes on the replica and what it touches, as docs/server/permissions.md defines it: the
 * paths written, and the paths whose whole subtree is replaced (a deleted or overwritten
 * container). Null when the edit does nothing.
 */
export function plan(r: Pick<Replica<Tree>, 'data'>, e: Edit): { mutate: () => void; paths: string[][]; below: string[][] } | null {
  // Walk to a container: arrays by position (named * in paths), objects by key order.
  let target: Tree | Value[] = r.data;
  const path: string[] = [];
  for (const n of e.pick) {
    const children: [string, Value][] = Array.isArray(target) ? target.map((v) => ['*', v]) : Object.entries(target);
    const containers = children.filter(([, v]) => isContainer(v));
    if (containers.length === 0) break;
    const [k, v] = containers[n % containers.length]!;
    path.push(k);
    target = v as Tree | Value[];
  }
  const paths: string[][] = [];
  const below: string[][] = [];
  let mutate: () => void;
  if (Array.isArray(target)) {
    const list = target;
    if (e.kind === 'remove') {
      if (list.length === 0) return null;
      const old = list[0];
      paths.push([...path, '*']);
      if (isContainer(old)) below.push([...path, '*']);
      mutate = () => list.splice(0, 1);
    } else {
      written([...path, '*'], e.value, paths);
      mutate = () => list.push(e.value);
    }
  } else {
    const obj = target;
    const at = [...path, e.key];
    const old = obj[e.key];
    if (e.kind === 'delete' || e.kind === 'remove') {
      if (!(e.key in obj)) return null;
      paths.push(at);
      if (isContainer(old)) below.push(at);
      mutate = () => delete obj[e.key];
    } else {
      const value = e.kind === 'set-leaf' || e.kind === 'push' ? (typeof e.value === 'number' ? e.value : 7) : e.value;
      if (old === value) return null;
      written(at, value, paths);
      if (isContainer(old)) below.push(at);
      mutate = () => (obj[e.key] = value);
    }
  }
  return { mutate, paths, below };
}
