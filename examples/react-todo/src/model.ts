// The shared document: one list of todos. Everything in it syncs; nothing else does.
import { createStore, type Store } from 'tinysync/browser';

export interface Todo {
  id: string;
  title: string;
  done: boolean;
}

export interface TodoList {
  todos: Todo[];
}

export type TodoStore = Store<TodoList>;

/** Opens the list named `name`: IndexedDB first (offline-first), then the server that served this page. */
export function openList(name: string): Promise<TodoStore> {
  const params = new URLSearchParams(location.search);
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/sync`;
  // `?sync=off` runs on IndexedDB alone (e.g. under `vite dev`, without a tinysync server).
  return createStore<TodoList>(name, { todos: [] }, { sync: params.get('sync') === 'off' ? false : { url } });
}
