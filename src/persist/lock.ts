// Async critical sections on a tracked tree (the ancestor's thread-safe `with` block): one
// mutex per root and name, so that read-modify-write sequences with awaits in them cannot
// interleave. Re-entrant within one async call chain, so a locked helper may call another.
import { AsyncLocalStorage } from 'node:async_hooks';
import { pathOf, toRaw } from '../core/index.js';
import { LockRootError } from './errors.js';

const tails = new WeakMap<object, Map<string, Promise<void>>>();
const held = new AsyncLocalStorage<ReadonlySet<string>>();
let nextRoot = 0;
const rootIds = new WeakMap<object, number>();

/**
 * Runs `fn` holding the exclusive lock `name` (default `''`) of the tracked root `tracked`:
 * callers wait their turn in order, and the lock is released when `fn`'s promise settles
 * (whatever the outcome, which `lock` passes on). Same shape as the browser's `store.lock(name,
 * fn)`; in Node the lock is per process. Calls nested inside `fn` for the same lock run at once
 * instead of deadlocking.
 *
 * @example
 * await Promise.all([1, 2].map(() => lock(counter, async () => {
 *   const n = counter.value;
 *   await save(n + 1);
 *   counter.value = n + 1;
 * }))); // counter.value went up by 2
 */
export function lock<R>(tracked: object, fn: () => Promise<R> | R): Promise<R>;
export function lock<R>(tracked: object, name: string, fn: () => Promise<R> | R): Promise<R>;
export async function lock<R>(tracked: object, a: string | (() => Promise<R> | R), b?: () => Promise<R> | R): Promise<R> {
  const [name, fn] = typeof a === 'function' ? ['', a] : [a, b];
  if (typeof fn !== 'function') throw new TypeError('tinysync: lock(tracked, [name,] fn) needs a function');
  const path = pathOf(tracked);
  if (path.length > 0) throw new LockRootError(path);
  return withLock(toRaw(tracked), name, fn);
}

/**
 * Runs `fn` holding the lock `name` of `owner`, any object standing for a root (lock() passes a
 * tracked root, tinysync/db its store's root): the mutex behind lock().
 */
export async function withLock<R>(owner: object, name: string, fn: () => Promise<R> | R): Promise<R> {
  const root = owner;
  let id = rootIds.get(root);
  if (id === undefined) rootIds.set(root, (id = nextRoot++));
  const token = `${id}\u0000${name}`;
  const mine = held.getStore();
  if (mine?.has(token)) return fn();

  let byName = tails.get(root);
  if (!byName) tails.set(root, (byName = new Map()));
  const before = byName.get(name) ?? Promise.resolve();
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  const tail = before.then(() => done);
  byName.set(name, tail);
  await before;
  try {
    return await held.run(new Set([...(mine ?? []), token]), fn);
  } finally {
    release();
    if (byName.get(name) === tail) byName.delete(name);
  }
}
