// Undoing one logged mutation, for a transaction that throws. Entries are undone newest first,
// so each undo sees the container exactly as its mutation left it.
import { hooksOf } from './embedded.js';
import type { Entry } from './transact.js';
import { mirror } from './shadow.js';
import { attach, detach, detachAll, touch } from './tree.js';
import { writeKey } from './values.js';

export function undo({ raw, op, args, previous, span, at }: Entry): void {
  const hooks = hooksOf(raw);
  if (hooks) hooks.undo(op, args, previous);
  else if (span) {
    // Every array edit is a splice; its reverse puts the removed items back.
    const [start, count, removed] = span;
    detachAll((raw as unknown[]).splice(start, count, ...removed));
    removed.forEach((item, i) => attach(item, raw, start + i));
  } else {
    // Keyed containers: put back each key's old value (undefined: the key was absent).
    const pairs =
      op !== 'clear' ? [[args[0], op === 'add' ? undefined : previous]]
      : raw instanceof Set ? (previous as unknown[]).map((v) => [v, v])
      : (previous as unknown[][]);
    for (const [key, old] of pairs) restore(raw, key, old);
    if (at !== undefined) restoreOrder(raw, at);
  }
  touch(raw);
}

function restore(raw: object, key: unknown, old: unknown): void {
  if (raw instanceof Set) {
    if (old === undefined) raw.delete(key);
    else raw.add(key);
    return;
  }
  if (raw instanceof Map) {
    detach(raw.get(key));
    if (old === undefined) raw.delete(key);
    else raw.set(key, old);
  } else {
    const obj = raw as Record<string, unknown>;
    detach(obj[key as string]);
    if (old === undefined) delete obj[key as string];
    else writeKey(obj, key as string, old);
    mirror(obj, key as string);
  }
  attach(old, raw, key as string);
}

/**
 * A key put back by an undone deletion lands last; move it back to position `at` so that the
 * order of keys (and of Set members) is exactly what it was.
 */
function restoreOrder(raw: object, at: number): void {
  // Every key after `at` but the restored one is taken out and put back, so it lands after it.
  const keys = raw instanceof Map || raw instanceof Set ? [...raw.keys()] : Object.keys(raw);
  for (const key of keys.slice(at, -1)) {
    const value = raw instanceof Set ? key : raw instanceof Map ? raw.get(key) : (raw as Record<string, unknown>)[key as string];
    restore(raw, key, undefined);
    restore(raw, key, value);
  }
}
