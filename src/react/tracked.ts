// The render-tracking hook: a component re-renders when, and only when, something it read
// during its last render changed.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { isTracked, NotTrackedError } from '../core/index.js';
import { beginRender, commit, cover, createRenders } from './renders.js';
import { source, viewOf } from './view.js';

/**
 * A render-tracked, read-only view of a tracked object (a store's `data`, anything read from
 * it, or another component's view of it). The calling component re-renders only when a key it
 * read during its last render changes, whether locally, in another tab or on the server. Built
 * on `useSyncExternalStore`, so a concurrent render never commits a torn state. Write through
 * the tracked object (`source(view)`), never through the view.
 *
 * @example
 * function Row({ item }: { item: Todo }) {
 *   const todo = useTracked(item); // re-renders when this item's title or done changes
 *   return <li>{todo.title}</li>;
 * }
 */
export function useTracked<T extends object>(tracked: T): T {
  const [renders] = useState(createRenders);
  const reads = beginRender(renders);
  useSyncExternalStore(renders.subscribe, renders.snapshot, renders.snapshot);
  useEffect(() => commit(renders, reads));
  const target = source(tracked);
  if (!isTracked(target)) throw new NotTrackedError('useTracked() argument');
  cover(target);
  return viewOf(renders, target);
}
