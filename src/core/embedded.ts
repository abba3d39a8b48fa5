// Embedded values: objects that a tree stores by reference instead of copying, and that report
// their own changes. The collaborative `text()` of tinysync/crdt is one. The core knows only
// this contract, so it stays free of any dependency.
import type { ChangeOp } from './change.js';

/** The well-known symbol under which an embedded value exposes its hooks. */
export const EMBEDDED: unique symbol = Symbol.for('tinysync.embedded') as never;

export type EmbeddedReport = (op: ChangeOp, args: unknown[], previous: unknown) => void;

/** What the core calls on an embedded value. */
export interface EmbeddedHooks {
  /**
   * Called once, when the value is first stored: `report` records a Change at the value's
   * current path (joining transactions), and does nothing once the value is removed.
   */
  attach(report: EmbeddedReport): void;
  /** Rolls back one change it reported (newest first), for a transaction that throws. */
  undo(op: string, args: readonly unknown[], previous: unknown): void;
  /** What `snapshot()` shows in place of the value. */
  snapshot(): unknown;
  /** A fresh value with the same content, when the value is assigned again (it has a place). */
  clone(): object;
}

/** The hooks of an embedded value, or undefined for anything else. */
export function hooksOf(value: object): EmbeddedHooks | undefined {
  return EMBEDDED in value ? (value as { [EMBEDDED]: EmbeddedHooks })[EMBEDDED] : undefined;
}

let reporter: ((value: object, op: ChangeOp, args: unknown[], previous: unknown) => void) | undefined;

/** Set once by the proxy core: how an embedded value's report becomes a Change. */
export function setEmbeddedReporter(fn: typeof reporter): void {
  reporter = fn;
}

export function reportEmbedded(value: object, op: ChangeOp, args: unknown[], previous: unknown): void {
  reporter?.(value, op, args, previous);
}
