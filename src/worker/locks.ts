// Web Locks as the worker uses them. Typed against the small part of `LockManager` we need, so
// that Node tests can pass an in-process stand-in (Node 20 has no `navigator.locks`).
import type { TryLock } from './log.js';

/** The part of the Web Locks `LockManager` tinysync uses. */
export interface LockManagerLike {
  request<R>(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, cb: (lock: unknown) => Promise<R> | R): Promise<R>;
}

/** The browser's lock manager, or undefined where there is none. */
export function webLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks;
}

/** A `TryLock` over a lock manager: `fn(true)` holding the lock, `fn(false)` if it is taken. */
export function tryLockWith(locks: LockManagerLike | undefined): TryLock {
  return (name, fn) => (locks ? locks.request(name, { ifAvailable: true }, (lock) => fn(lock !== null)) : fn(true));
}

/**
 * Holds the lock `name` until `release()` is called. Resolves `acquired` once held; a pending
 * request is withdrawn by `release()` (the abort is swallowed).
 */
export function holdLock(locks: LockManagerLike, name: string): { acquired: Promise<void>; release: () => void } {
  const abort = new AbortController();
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let onAcquired!: () => void;
  const acquired = new Promise<void>((r) => (onAcquired = r));
  locks
    .request(name, { signal: abort.signal }, () => {
      onAcquired();
      return released;
    })
    .catch(() => {});
  return {
    acquired,
    release: () => {
      abort.abort();
      release();
    },
  };
}
