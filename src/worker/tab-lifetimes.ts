// Tab lifetimes: each tab's worker holds a Web Lock of its own for as long as it lives, and the
// other tabs queue for it. The lock manager hands it on the moment the holder is gone — closed,
// crashed or discarded, with or without a goodbye — so the others drop that tab's presence at
// once instead of after the 30 s awareness timeout.
import { holdLock, type LockManagerLike } from './locks.js';

/** The Web Lock a tab of store `store` holds while it lives. */
export function lifetimeLockName(store: string, tab: string): string {
  return `tinysync:tab:${store}:${tab}`;
}

/**
 * This tab's lifetime lock, and a watch on the other tabs' ones. `seen(tab, clientId)` records
 * the awareness client id a tab announced (tabs announce only once they hold their lock, so a
 * watcher never gets a lock before its owner); `onGone(clientId)` runs when that tab is gone.
 */
export class TabLifetimes {
  /** Whether this tab holds its own lifetime lock (only then may it announce itself). */
  holding = false;
  /** Resolves once this tab holds its lifetime lock. */
  readonly held: Promise<void>;
  private readonly own: { acquired: Promise<void>; release: () => void };
  private readonly clients = new Map<string, number>();
  private readonly watches = new Map<string, () => void>();
  private closed = false;

  constructor(
    private readonly locks: LockManagerLike,
    private readonly store: string,
    tab: string,
    private readonly onGone: (clientId: number) => void,
  ) {
    this.own = holdLock(locks, lifetimeLockName(store, tab));
    this.held = this.own.acquired.then(() => {
      this.holding = !this.closed;
    });
  }

  /** Tab `tab` (alive, holding its lock) announced awareness client id `clientId`. */
  seen(tab: string, clientId: number): void {
    if (this.closed) return;
    this.clients.set(tab, clientId);
    if (this.watches.has(tab)) return;
    const watch = holdLock(this.locks, lifetimeLockName(this.store, tab));
    this.watches.set(tab, watch.release);
    void watch.acquired.then(() => {
      // Nobody needs to hold a dead tab's lock: hand it to the next watcher.
      watch.release();
      if (this.closed || this.watches.get(tab) !== watch.release) return;
      this.watches.delete(tab);
      const gone = this.clients.get(tab);
      this.clients.delete(tab);
      if (gone !== undefined) this.onGone(gone);
    });
  }

  /** Releases this tab's lock (the others see it gone) and stops watching. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.holding = false;
    this.own.release();
    for (const release of this.watches.values()) release();
    this.watches.clear();
    this.clients.clear();
  }
}
