// Issue 17, point 4: random edits from a path-restricted client (random trees, nesting,
// arrays, deletes of ancestors, containers replaced) against random rules. The server accepts
// an update exactly when every path it touches is allowed, computed here from the edit on the
// plain tree; a refused one leaves the server's tree unchanged, an accepted one leaves it equal
// to the client's; the browser store's guard refuses exactly the refused ones. FC_RUNS sets the number of runs (300 by default). The same property through
// a second instance over Redis is not here: Redis fan-out is not merged yet.
import fc from 'fast-check';
import { PermissionError } from 'tinysync/browser';
import { setWriteGuard, toRaw } from 'tinysync/extend';
import { compilePathRules, forbiddenPath } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cleanup } from './helpers.js';
import { guardWrites } from '../../src/worker/permissions.js';
import { fakeConn, memoryStore, openRoom, replica, send, treeOf, type Replica } from './room-fakes.js';

afterEach(cleanup);

const RUNS = Number(process.env.FC_RUNS ?? 300);
const KEYS = ['a', 'b', 'c'];
type Tree = { [key: string]: Value };
type Value = number | Tree | Value[];

const leaf = fc.integer({ min: 0, max: 99 });
const { tree } = fc.letrec<{ tree: Tree; value: Value; list: Value[] }>((tie) => ({
  tree: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('tree'), tie('list')),
  list: fc.array(fc.oneof(leaf, fc.dictionary(fc.constantFrom(...KEYS), leaf, { maxKeys: 2 })), { maxLength: 3 }),
}));
const pattern = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', 'c', '*'), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([segs, rest]) => '/' + [...segs, ...(rest ? ['**'] : [])].join('/'));
/** One edit, applied to the container found by following `pick` through the tree. */
const edit = fc.record({
  pick: fc.array(fc.nat(), { maxLength: 4 }),
  kind: fc.constantFrom('set-leaf', 'set-tree', 'delete', 'push', 'remove'),
  key: fc.constantFrom(...KEYS),
  value: fc.oneof(leaf, fc.dictionary(fc.constantFrom(...KEYS), leaf, { minKeys: 1, maxKeys: 2 })),
});
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

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
function plan(r: Replica<Tree>, e: Edit): { mutate: () => void; paths: string[][]; below: string[][] } | null {
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

describe('path rules hold for random edits (property)', () => {
  it('an update is accepted exactly when every path it touches is allowed; a refused one changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.array(pattern, { maxLength: 3 }), fc.array(edit, { minLength: 1, maxLength: 6 }), async (initial, patterns, edits) => {
        const store = memoryStore();
        const room = await openRoom(store);
        const owner = replica<Tree>(room, structuredClone(initial));
        expect(await send(room, fakeConn(room), [Y.encodeStateAsUpdate(owner.doc)])).toBeUndefined();
        const rules = compilePathRules(patterns, 'alice');
        let writer = replica<Tree>(room);
        for (const e of edits) {
          const before = JSON.stringify(treeOf(room));
          const logLength = store.logs.get('doc')?.length ?? 0;
          const done = plan(writer, e);
          if (done === null) continue;
          const allowed = done.paths.every((p) => rules.allows(p)) && done.below.every((p) => rules.allowsBelow(p));
          // The browser store's guard agrees: it refuses exactly what the server would.
          const guard = guardWrites(() => toRaw(writer.data), rules);
          setWriteGuard(writer.data, guard);
          let refusedLocally = false;
          try {
            expect(writer.edit(done.mutate)).toHaveLength(allowed ? 1 : 0);
          } catch (err) {
            if (!(err instanceof PermissionError)) throw err;
            refusedLocally = true;
          }
          expect({ refusedLocally, edit: e }).toEqual({ refusedLocally: !allowed, edit: e });
          // A client without the guard sends it anyway: the server must refuse it.
          setWriteGuard(writer.data, null);
          const updates = allowed ? [Y.encodeStateAsUpdate(writer.doc, Y.encodeStateVector(room.doc))] : writer.edit(done.mutate);
          if (updates.length === 0) continue;
          const closedWith = await send(room, fakeConn(room, patterns), updates);
          expect({ accepted: closedWith === undefined, edit: e, paths: done.paths, below: done.below }).toEqual({ accepted: allowed, edit: e, paths: done.paths, below: done.below });
          if (closedWith) {
            expect(closedWith.reason).toMatch(/^path not writable: \//);
            expect(JSON.stringify(treeOf(room))).toBe(before);
            expect(store.logs.get('doc')?.length ?? 0).toBe(logLength);
            writer = replica<Tree>(room);
          } else {
            expect(treeOf(room)).toEqual(writer.doc.getMap('tinysync').toJSON());
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('hostile updates (property)', () => {
  it('a corrupted update never throws out of the path check, and one that changes a forbidden path is never accepted', async () => {
    const store = memoryStore();
    const room = await openRoom(store);
    const owner = replica<Tree>(room, { a: { b: 1, c: [1, { a: 2 }] }, b: 3 });
    expect(await send(room, fakeConn(room), [Y.encodeStateAsUpdate(owner.doc)])).toBeUndefined();
    const rules = compilePathRules(['/a/b'], 'alice');
    const writer = replica<Tree>(room);
    const [honest] = writer.edit((d) => {
      (d.a as Tree).c = 5;
      d.b = 4;
    });
    await fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = Uint8Array.from(honest!);
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        let decoded;
        try {
          decoded = Y.decodeUpdate(bytes);
        } catch {
          return;
        }
        const verdict = forbiddenPath(room.doc, decoded, rules);
        expect(verdict === null || typeof verdict === 'string').toBe(true);
      }),
      { numRuns: RUNS * 3 },
    );
    // Whatever the corruption, the room never ends with a forbidden path changed.
    for (let i = 0; i < 50; i++) {
      const bytes = Uint8Array.from(honest!);
      bytes[(i * 7) % bytes.length] = (i * 31) % 256;
      await send(room, fakeConn(room, ['/a/b']), [bytes]);
    }
    expect(treeOf(room)).toEqual({ a: { b: 1, c: [1, { a: 2 }] }, b: 3 });
  });
});
