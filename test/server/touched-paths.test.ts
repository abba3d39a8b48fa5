// Issue 17, point 4: random edits from a path-restricted client (random trees, nesting,
// arrays, deletes of ancestors, containers replaced) against random rules. The server accepts
// an update exactly when every path it touches is allowed, computed here from the edit on the
// plain tree; a refused one leaves the server's tree unchanged, an accepted one leaves it equal
// to the client's; the browser store's guard refuses exactly the refused ones. FC_RUNS sets
// the number of runs (300 by default). The same property across two instances over Redis and
// PostgreSQL is in permissions-scale.test.ts.
import fc from 'fast-check';
import { PermissionError } from 'tinysync/browser';
import { setWriteGuard, toRaw } from 'tinysync/extend';
import { compilePathRules, forbiddenPath } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cleanup } from './helpers.js';
import { guardWrites } from '../../src/worker/permissions.js';
import { fakeConn, memoryStore, openRoom, replica, send, treeOf } from './room-fakes.js';
import { edit, pattern, plan, tree, type Tree } from './path-edits.js';

afterEach(cleanup);

const RUNS = Number(process.env.FC_RUNS ?? 300);

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
