// Undoing one logged mutation, for a transaction that throws. Entries are undone newest first,
// so each undo sees the container exactly as its mutation left it.
import { hooksOf } from './embedded.js';
import type { Entry } from './transact.js';
import { attach, touch, detach, detachAll } from './tree.js';
import { writeKey } from './values.js';

function restoreRange(raw: unknown[], at: number, items: readonly unknown[]): void {
  // Detach first: an item may be restored to a place another item is leaving (reverse, sort).
  for (let i = 0; i < items.length; i++) detach(raw[at + i]);
  for (let i = 0; i < items.length; i++) {
    raw[at + i] = items[i];
    attach(items[i], raw, at + i);
  }
}

export function undo({ raw, op, args, previous, at }: Entry): void {
  const hooks = hooksOf(raw);
  if (hooks) hooks.undo(op, args, previous);
  else if (Array.isArray(raw)) undoArray(raw, op, args, previous);
  else if (raw instanceof Map) undoMap(raw, op, args, previous);
  else if (raw instanceof Set) undoSet(raw, op, args, previous);
  else undoObject(raw as Record<string, unknown>, op, args, previous);
  if (op === 'delete' && at !== undefined) restoreOrder(raw, at);
  touch(raw);
}

/**
 * A key put back by an undone deletion lands last; move it back to position `at` so that the
 * order of keys (and of Set members) is exactly what it was.
 */
function restoreOrder(raw: object, at: number): void {
  if (raw instanceof Map || raw instanceof Set) {
    const entries = [...(raw as Map<unknown, unknown>).entries()];
    const last = entries.pop()!;
    entries.splice(at, 0, last);
    raw.clear();
    for (const [k, v] of entries) {
      if (raw instanceof Map) raw.set(k, v);
      else raw.add(k);
    }
    return;
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj).slice(at, -1)) {
    const value = obj[key];
    delete obj[key];
    writeKey(obj, key, value);
  }
}

function undoArray(raw: unknown[], op: Entry['op'], args: unknown[], previous: unknown): void {
  switch (op) {
    case 'set': {
      const i = args[0] as number;
      detach(raw[i]);
      if (previous === undefined) raw.length = i;
      else {
        raw[i] = previous;
        attach(previous, raw, i);
      }
      return;
    }
    case 'push':
      detachAll(raw.splice(raw.length - args.length, args.length));
      return;
    case 'pop':
      raw.push(previous);
      attach(previous, raw, raw.length - 1);
      return;
    case 'shift':
      raw.unshift(previous);
      attach(previous, raw, 0);
      return;
    case 'unshift':
      detachAll(raw.splice(0, args.length));
      return;
    case 'splice': {
      const start = args[0] as number;
      const removed = previous as unknown[];
      detachAll(raw.splice(start, args.length - 2, ...removed));
      removed.forEach((item, i) => attach(item, raw, start + i));
      return;
    }
    case 'sort':
    case 'reverse':
      restoreRange(raw, 0, previous as unknown[]);
      return;
    case 'fill':
      restoreRange(raw, args[1] as number, previous as unknown[]);
      return;
    case 'copyWithin':
      restoreRange(raw, args[0] as number, previous as unknown[]);
      return;
    default:
      throw new Error(`tinysync: cannot undo ${op} on an array`);
  }
}

function undoMap(raw: Map<string, unknown>, op: Entry['op'], args: unknown[], previous: unknown): void {
  const key = args[0] as string;
  switch (op) {
    case 'set':
      detach(raw.get(key));
      if (previous === undefined) raw.delete(key);
      else {
        raw.set(key, previous);
        attach(previous, raw, key);
      }
      return;
    case 'delete':
      raw.set(key, previous);
      attach(previous, raw, key);
      return;
    case 'clear':
      for (const [k, v] of previous as [string, unknown][]) {
        raw.set(k, v);
        attach(v, raw, k);
      }
      return;
    default:
      throw new Error(`tinysync: cannot undo ${op} on a Map`);
  }
}

function undoSet(raw: Set<unknown>, op: Entry['op'], args: unknown[], previous: unknown): void {
  if (op === 'add') raw.delete(args[0]);
  else if (op === 'delete') raw.add(args[0]);
  else if (op === 'clear') for (const v of previous as unknown[]) raw.add(v);
  else throw new Error(`tinysync: cannot undo ${op} on a Set`);
}

function undoObject(raw: Record<string, unknown>, op: Entry['op'], args: unknown[], previous: unknown): void {
  const key = args[0] as string;
  if (op === 'set') detach(raw[key]);
  if (previous === undefined) delete raw[key];
  else {
    writeKey(raw, key, previous);
    attach(previous, raw, key);
  }
}
