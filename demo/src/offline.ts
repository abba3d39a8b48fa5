// The "offline" switch. While on, local changes are kept (in memory and, when the runtime
// persists them, in IndexedDB) and not sent; switching back sends them as one batch.
import type { Store } from 'tinysync/browser';

export function goOffline(store: Store<unknown>): void {
  store.hold();
}

export function goOnline(store: Store<unknown>): void {
  store.unhold();
}
