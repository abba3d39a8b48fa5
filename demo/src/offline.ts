// The "offline" switch: takes this browser's store offline on purpose (the same as losing the
// network). Local changes keep being made and stored in IndexedDB; nothing goes out or comes
// in until the switch is turned back, when the CRDT merges both sides.
import type { Store } from 'tinysync/browser';

export function goOffline(store: Store<unknown>): void {
  store.setOnline(false);
}

export function goOnline(store: Store<unknown>): void {
  store.setOnline(true);
}
