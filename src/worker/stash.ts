// The last line of defence for changes that are not yet durable when a tab goes away: the main
// thread writes them (one merged Yjs update) synchronously to localStorage on `pagehide` /
// `visibilitychange: hidden`, and the next open of the store hands them to the worker. Chromium
// ends a tab's worker with the tab, so an IndexedDB append still in flight there is lost;
// localStorage writes made in `pagehide` are not. The updates are CRDT updates: applying one that
// did reach the log is harmless.

const PREFIX = 'tinysync:pending:';

/** The localStorage key of one tab's stash for store `name` (the name encoded: no ':' in it). */
export function stashKey(name: string, tab: string): string {
  return `${PREFIX}${encodeURIComponent(name)}:${tab}`;
}

/**
 * Runs `fn` on localStorage; best effort: where it is missing, throws (an opaque origin) or is
 * full, the safety net is lost, nothing else. Returns `fn`'s result, or `fallback`.
 */
function withStorage<R>(fallback: R, fn: (ls: Storage) => R): R {
  try {
    return fn(localStorage);
  } catch {
    return fallback;
  }
}

/** Writes `update` under `key`, or removes the key (null). Returns whether the stash holds it. */
export function writeStash(key: string, update: Uint8Array | null): boolean {
  return withStorage(false, (ls) => {
    if (!update) {
      ls.removeItem(key);
      return false;
    }
    // One char per byte (Latin-1): Chromium keeps such strings at a byte per char.
    let s = '';
    for (let i = 0; i < update.length; i += 0x8000) s += String.fromCharCode(...update.subarray(i, i + 0x8000));
    ls.setItem(key, s);
    return true;
  });
}

/** Takes every tab's stash of store `name`: their updates, and removes the keys (`drop()`). */
export function readStashes(name: string): { updates: Uint8Array[]; drop: () => void } {
  const prefix = stashKey(name, '');
  const keys: string[] = [];
  const updates = withStorage<Uint8Array[]>([], (ls) => {
    for (let i = 0; i < ls.length; i++) {
      const key = ls.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
    return keys.map((key) => Uint8Array.from(ls.getItem(key) ?? '', (c) => c.charCodeAt(0)));
  });
  return { updates: updates.filter((u) => u.length > 0), drop: () => keys.forEach((k) => writeStash(k, null)) };
}
