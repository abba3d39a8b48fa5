// An optional observer of reads, for reactive bindings (tinysync/solid): it learns which key
// of which tracked object a computation read, so that it can rerun on exactly those changes.
import type { PathKey } from './change.js';

/** The "key" reported for reads of a collection's shape: iteration, `length`, `size`, keys. */
export const ITERATE: unique symbol = Symbol('tinysync.iterate');

export type ReadObserver = (target: object, key: PathKey | typeof ITERATE) => void;

/** The observer in force; `undefined` costs reads one comparison. */
export let readObserver: ReadObserver | undefined;

// Object proxies have no get trap while nobody observes reads (see shadow.ts): the core is
// told when an observer comes or goes, so that it can put the trap in and take it out.
let switched: ((observed: boolean) => void) | undefined;

/**
 * Installs (or, with `undefined`, removes) the one read observer. `target` is the tracked
 * proxy read from. Used by tinysync/solid; there is one observer per page.
 */
export function setReadObserver(observer: ReadObserver | undefined): void {
  readObserver = observer;
  switched?.(!!observer);
}

/** Registers the one function told whether reads are now observed (and tells it at once). */
export function onReadObserverSwitch(fn: (observed: boolean) => void): void {
  (switched = fn)(!!readObserver);
}
