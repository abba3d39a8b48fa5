import type { Change, PathKey } from './change.js';
import { NotTrackedError } from './errors.js';
import { locate, toRaw, type Location } from './tree.js';

function where(tracked: object, fn: string): Location {
  const loc = locate(toRaw(tracked));
  if (!loc) throw new NotTrackedError(`the object given to ${fn}()`);
  return loc;
}

/**
 * Calls `cb` for every change at `path`, below it, or above it (an ancestor replaced or a
 * collection edited that holds it). `'*'` in the path matches any one key. `tracked` may be
 * any tracked object, the path is then relative to it; the subscription stays on that path.
 * Returns the unsubscribe function.
 *
 * @example
 * const stop = subscribe(state, ['todos', '*', 'done'], (c) => render(c.path[1]));
 * state.todos[2].done = true; // render(2)
 * stop();
 */
export function subscribe(tracked: object, path: readonly PathKey[], cb: (change: Change) => void): () => void {
  const loc = where(tracked, 'subscribe');
  // Delivery calls the subscribers it matched before calling any: one removed meanwhile (by
  // another subscriber) must stay silent, so removal also switches the callback off.
  let on = true;
  const off = loc.root.trie.add([...loc.path, ...path], (change) => {
    if (on) cb(change);
  });
  return () => {
    on = false;
    off();
  };
}

/**
 * Calls `cb` once per committed batch of changes of the whole tree that holds `tracked`: one
 * call per transaction, or per mutation made outside one. This is the hook for bindings and
 * persisters (the Yjs binding, file persistence); it runs before `onChange` and `subscribe`.
 */
export function onBatch(tracked: object, cb: (changes: readonly Change[]) => void): () => void {
  const { root } = where(tracked, 'onBatch');
  const listener = (changes: readonly Change[]) => cb(changes);
  root.listeners.add(listener);
  return () => root.listeners.delete(listener);
}

/** The path of a tracked object inside its tree (`[]` for the root). */
export function pathOf(tracked: object): PathKey[] {
  return where(tracked, 'pathOf').path;
}
