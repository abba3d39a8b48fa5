// snapshot(): a plain, frozen deep copy; consecutive snapshots share unchanged subtrees.
import { expect, test } from 'vitest';
import { isTracked, snapshot, track } from 'tinysync';

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
