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

function storage(): Storage | null {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage ?? null;
  } catch {
    return null; // e.g. an opaque origin, where touching localStorage throws
  }
}

/**
 * Writes `update` under `key`, or removes the key when `update` is null. Best effort: a full or
 * unavailable localStorage only loses this safety net. Returns whether the stash now holds it.
 */
export function writeStash(key: string, update: Uint8Array | null): boolean {
  const ls = storage();
  if (!ls) return false;
  try {
    if (update) ls.setItem(key, toBase64(update));
    else ls.removeItem(key);
    return update !== null;
  } catch {
    return false;
  }
}

/** Every tab's stash of store `name`: the keys and their updates (unreadable entries skipped). */
export function readStashes(name: string): { keys: string[]; updates: Uint8Array[] } {
  const ls = storage();
  const keys: string[] = [];
  const updates: Uint8Array[] = [];
  if (!ls) return { keys, updates };
  const prefix = `${PREFIX}${encodeURIComponent(name)}:`;
  try {
    for (let i = 0; i < ls.length; i++) {
      const key = ls.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
    for (const key of keys) {
      const value = ls.getItem(key);
      if (!value) continue;
      try {
        updates.push(fromBase64(value));
      } catch {
        // not ours, or truncated: nothing to restore from it
      }
    }
  } catch {
    // localStorage went away meanwhile
  }
  return { keys, updates };
}

/** Removes stash keys (after their updates were handed to the worker). */
export function dropStashes(keys: string[]): void {
  for (const key of keys) writeStash(key, null);
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  // Chunks keep String.fromCharCode's argument list small.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
