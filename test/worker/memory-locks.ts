// An in-process stand-in for Web Locks (`navigator.locks`), for Node tests of the worker logic.
import type { LockManagerLike } from '../../src/worker/locks.js';

/** Exclusive locks by name, FIFO, with `ifAvailable` and `signal` like the Web Locks API. */
export class MemoryLocks implements LockManagerLike {
  private queues = new Map<string, Array<() => void>>();
  private held = new Set<string>();

  async request<R>(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, cb: (lock: unknown) => Promise<R> | R): Promise<R> {
    if (this.held.has(name)) {
      if (options.ifAvailable) return cb(null);
      await new Promise<void>((resolve, reject) => {
        const q = this.queues.get(name) ?? [];
        const entry = () => resolve();
        q.push(entry);
        this.queues.set(name, q);
        options.signal?.addEventListener('abort', () => {
          const i = q.indexOf(entry);
          if (i >= 0) q.splice(i, 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    // Handed over: a waiter wakes up already holding the lock.
    this.held.add(name);
    try {
      return await cb({ name });
    } finally {
      const next = this.queues.get(name)?.shift();
      if (next) next();
      else this.held.delete(name);
    }
  }
}
