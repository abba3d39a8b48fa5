// Embedded values: objects that a tree stores by reference instead of copying, and that report
// their own changes. The collaborative `text()` of tinysync/crdt is one. The core knows only
// this contract, so it stays free of any dependency.
import type { ChangeOp } from './change.js';

/** The well-known symbol under which an embedded value exposes its hooks. */
export const EMBEDDED: unique symbol = Symbol.for('tinysync.embedded') as never;

export type EmbeddedReport = (op: ChangeOp, args: unknown[], previous: unknown) => void;

/** What the core calls on an embedded value. */
export interface EmbeddedHooks {
  /** Stored in a tree: `report` records a Change at the value's path (joins transactions). */
  attach(report: EmbeddedReport): void;
  /** Removed from its tree: later edits reach nobody. */
  detach(): void;
  /** Rolls back one change it reported (newest first), for a transaction that throws. */
  undo(op: string, args: readonly unknown[], previous: unknown): void;
  /** What `snapshot()` shows in place of the value. */
  snapshot(): unknown;
  /** A fresh value with the same content, when the value is assigned while already in a tree. */
  clone(): object;
}

/** The hooks of an embedded value, or undefined for anything else. */
export function hooksOf(value: object): EmbeddedHooks | undefined {
  return EMBEDDED in value ? (value as { [EMBEDDED]: EmbeddedHooks })[EMBEDDED] : undefined;
}

const placed = new WeakSet<object>();
// Taken by a write that has not finished placing it yet: a second place in the same write
// (`push(t, t)`, `fill(t)`, `{ a: t, b: t }`) must get a clone too.
const claimed = new WeakSet<object>();
let reporter: ((value: object, op: ChangeOp, args: unknown[], previous: unknown) => void) | undefined;

/** Set once by the proxy core: how an embedded value's report becomes a Change. */
export function setEmbeddedReporter(fn: typeof reporter): void {
  reporter = fn;
}

/** True while the value sits in a tree or is being stored (so another place must clone it). */
export function isPlaced(value: object): boolean {
  return placed.has(value) || claimed.has(value);
}

/** Marks a value as taken by the write that is storing it. */
export function claim(value: object): void {
  claimed.add(value);
}

export function placeEmbedded(value: object, hooks: EmbeddedHooks): void {
  if (placed.has(value)) return;
  placed.add(value);
  claimed.delete(value);
  hooks.attach((op, args, previous) => reporter?.(value, op, args, previous));
}

export function removeEmbedded(value: object, hooks: EmbeddedHooks): void {
  claimed.delete(value);
  if (!placed.delete(value)) return;
  hooks.detach();
}
