// The built `tinysync/react` (dist/react.js) shares the core with `tinysync` (dist/index.js):
// its views read trees tracked through `tinysync`, its errors are `tinysync`'s error classes,
// and it renders on the server (Node, react-dom/server) from the current state.
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { expect, test } from 'vitest';
import { distModule } from '../child.js';

type Index = typeof import('tinysync');
type ReactEntry = typeof import('tinysync/react');

test('tinysync/react renders trees tracked through tinysync on the server, with its errors (built package)', async () => {
  const { track, TinysyncError } = (await import(/* @vite-ignore */ distModule('index'))) as Index;
  const { useTracked, source, ReadOnlyError } = (await import(/* @vite-ignore */ distModule('react'))) as ReactEntry;
  const state = track({ todos: [{ title: 'write tests', done: false }] });
  let caught: unknown;
  function Todos() {
    const view = useTracked(state);
    const first = view.todos[0]!;
    try {
      (first as { done: boolean }).done = true;
    } catch (e) {
      caught = e;
    }
    expect(source(first)).toBe(state.todos[0]);
    return createElement('ul', null, view.todos.map((t) => createElement('li', { key: t.title }, `${t.title}:${t.done}`)));
  }
  expect(renderToString(createElement(Todos))).toBe('<ul><li>write tests:false</li></ul>');
  expect(caught).toBeInstanceOf(ReadOnlyError);
  expect(caught).toBeInstanceOf(TinysyncError);
  expect((caught as InstanceType<typeof ReadOnlyError>).path).toEqual(['todos', 0, 'done']);
  expect(state.todos[0]!.done).toBe(false);
});
