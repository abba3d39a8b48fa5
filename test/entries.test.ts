// The built package's entries: `tinysync`, `tinysync/extend` and `tinysync/diff` are separate
// files (dist/index.js, extend.js, diff.js) that must share one copy of the core, or a binding
// written against `tinysync/extend` would watch a different module state than the app's track().
import { expect, test } from 'vitest';
import { distModule } from './child.js';

type Index = typeof import('tinysync');
type Extend = typeof import('tinysync/extend');
type Diff = typeof import('tinysync/diff');

test('tinysync/extend hooks see trees tracked through tinysync (built package)', async () => {
  const { track } = (await import(/* @vite-ignore */ distModule('index'))) as Index;
  const { onBatch, pathOf, toRaw } = (await import(/* @vite-ignore */ distModule('extend'))) as Extend;
  const state = track({ user: { name: 'ada' } });
  const batches: number[] = [];
  onBatch(state, (changes) => batches.push(changes.length));
  state.user.name = 'grace';
  expect(batches).toEqual([1]);
  expect(pathOf(state.user)).toEqual(['user']);
  expect(toRaw(state.user)).not.toBe(state.user);
});

test('tinysync/diff patches a tree tracked through tinysync as one transaction (built package)', async () => {
  const { track, subscribe } = (await import(/* @vite-ignore */ distModule('index'))) as Index;
  const { diff, patch } = (await import(/* @vite-ignore */ distModule('diff'))) as Diff;
  const state = track({ todos: ['a'] });
  const heard: string[] = [];
  subscribe(state, ['todos'], (c) => heard.push(c.op));
  patch(state, diff({ todos: ['a'] }, { todos: ['a', 'b'] }));
  expect(state.todos).toEqual(['a', 'b']);
  expect(heard).toEqual(['splice']);
});
