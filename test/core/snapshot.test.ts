// snapshot(): a plain, frozen deep copy; consecutive snapshots share unchanged subtrees.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import { isTracked, snapshot, track } from 'tinysync';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a snapshot is plain (no proxies), frozen and never changes afterwards', () => {
  const state = track({ a: { b: [1, 2] }, m: new Map([['k', { v: 1 }]]), s: new Set([1]) });
  const snap = snapshot(state);
  expect(isTracked(snap.a)).toBe(false);
  expect(Object.isFrozen(snap.a.b)).toBe(true);
  state.a.b.push(3);
  state.m.get('k')!.v = 2;
  expect(snap.a.b).toEqual([1, 2]);
  expect(snap.m.get('k')).toEqual({ v: 1 });
  expect(snap.m).toBeInstanceOf(Map);
  expect(snap.s).toBeInstanceOf(Set);
  expect(structuredClone(snap)).toEqual(snap);
});

test('unchanged subtrees are shared between consecutive snapshots', () => {
  const state = track({ left: { deep: { v: 1 } }, right: { deep: { v: 1 } } });
  const one = snapshot(state);
  state.right.deep.v = 2;
  const two = snapshot(state);
  expect(two).not.toBe(one);
  expect(two.left).toBe(one.left);
  expect(two.right).not.toBe(one.right);
  expect(snapshot(state)).toBe(two);
});

test('a snapshot of a nested object covers that subtree only', () => {
  const state = track({ user: { name: 'ada' }, other: 1 });
  expect(snapshot(state.user)).toEqual({ name: 'ada' });
});

test("a snapshot's Maps and Sets are read-only: their mutators throw a TypeError, as writes to its arrays do", () => {
  const state = track({ list: [1], m: new Map([['k', 1]]), s: new Set(['a']) });
  const snap = snapshot(state);
  expect(() => snap.list.push(2)).toThrow(TypeError); // a frozen array, for comparison
  expect(() => snap.m.set('k', 2)).toThrow(TypeError);
  expect(() => snap.m.set('new', 2)).toThrow(TypeError);
  expect(() => snap.m.delete('k')).toThrow(TypeError);
  expect(() => snap.m.clear()).toThrow(TypeError);
  expect(() => snap.s.add('b')).toThrow(TypeError);
  expect(() => snap.s.delete('a')).toThrow(TypeError);
  expect(() => snap.s.clear()).toThrow(TypeError);
  expect(Object.isFrozen(snap.m) && Object.isFrozen(snap.s)).toBe(true);
  // Still plain Maps and Sets to everything that reads them.
  expect(snap.m).toStrictEqual(new Map([['k', 1]]));
  expect(snap.s).toStrictEqual(new Set(['a']));
  expect(Object.keys(snap.m)).toEqual([]);
  expect(structuredClone(snap.m)).toEqual(new Map([['k', 1]]));
  expect([...snap.m.entries()]).toEqual([['k', 1]]);
});

test('a mutation attempt on a snapshot never reaches later snapshots (they share unchanged Maps and Sets)', () => {
  const state = track({ tags: new Set(['a']), byId: new Map([['1', { n: 1 }]]), other: 0 });
  const s1 = snapshot(state);
  try {
    s1.tags.add('X');
  } catch {
    // refused
  }
  try {
    s1.byId.set('2', { n: 2 });
  } catch {
    // refused
  }
  state.other = 1; // a new root snapshot that shares the untouched tags and byId
  const s2 = snapshot(state);
  expect(s2.tags).toBe(s1.tags);
  expect(s2.tags.has('X')).toBe(false);
  expect([...s2.byId.keys()]).toEqual(['1']);
  expect(state.tags.has('X')).toBe(false);
});

test('once the application drops its snapshots, none of their copies is kept; the next snapshot is made afresh', async () => {
  const state = track({ list: Array.from({ length: 100 }, (_, i) => ({ id: i, tags: [i] })), other: { v: 1 } });
  let snap: ReturnType<typeof snapshot<typeof state>> | undefined = snapshot(state);
  state.list[3]!.tags.push(0); // the next copy of the list is re-made from this one
  snap = snapshot(state);
  const copies = [snap, snap.list, snap.list[3]!, snap.list[7]!, snap.other].map((c) => new WeakRef(c));
  snap = undefined;
  // A WeakRef's target lives until the current task ends (ECMAScript's KeepDuringJob).
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  expect(copies.filter((c) => c.deref() !== undefined)).toHaveLength(0);
  state.list[7]!.id = -7;
  const next = snapshot(state);
  expect(next.list[7]).toEqual({ id: -7, tags: [7] });
  expect(next.list[3]).toEqual({ id: 3, tags: [3, 0] });
  expect(next.list).toHaveLength(100);
});
