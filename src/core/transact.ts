// Delivery of changes and transactions. Transactions are synchronous, so one module-level log
// serves them all: a nested transact (on any tree) joins the outermost one, and a throw undoes
// the log back to where that transact began.
import type { Change, ChangeOp, Origin } from './change.js';
import { AsyncTransactionError, NotTrackedError, SubscriberError } from './errors.js';
import { undo } from './rollback.js';
import { spans, type Span, type Subscriber } from './trie.js';
import { locate, toRaw, type Root } from './tree.js';

/** One mutation as the transaction log keeps it: enough to undo it, and its Change if any. */
export interface Entry {
  raw: object;
  op: ChangeOp;
  args: unknown[];
  previous: unknown;
  /** For array edits: the edit as a splice, which a rollback reverses. */
  span?: Span | undefined;
  /** For deletions inside a transaction: where the key stood, so a rollback restores the order. */
  at?: number | undefined;
  /** Absent when the mutated object was not in a tree (removed): nothing to deliver. */
  change: Change | undefined;
  root: Root | undefined;
}

let log: Entry[] | undefined;
let origin: Origin = 'local';

/** True inside a transaction: every mutation must be logged so that a throw can undo it. */
export function recording(): boolean {
  return log !== undefined;
}

/** The origin that changes made right now carry. */
export function currentOrigin(): Origin {
  return origin;
}

/** Keeps a mutation made inside a transaction, for delivery at the end or for a rollback. */
export function keep(entry: Entry): void {
  log?.push(entry);
}

/**
 * Calls each subscriber; one that throws does not stop the others. Returns `errors` with the
 * throws added, created on the first one: a delivery nobody throws in allocates nothing.
 */
function call<T>(fns: Iterable<(arg: T) => void>, arg: T, errors?: unknown[]): unknown[] | undefined {
  for (const fn of fns) {
    try {
      fn(arg);
    } catch (e) {
      (errors ??= []).push(e);
    }
  }
  return errors;
}

/**
 * Hands a committed batch to the tree's listeners: batch listeners first (bindings and
 * persisters, so they see the state before any subscriber reacts), then `onChange`, then the
 * path subscribers. Every one runs; errors are gathered and thrown together at the end.
 */
function deliver(root: Root, changes: Change[], errors?: unknown[]): unknown[] | undefined {
  errors = call(root.listeners, changes, errors);
  // Batch listeners only (a bound tree nobody else watches): nothing to do per change.
  if (root.onChange || !root.trie.empty)
    for (const change of changes) {
      if (root.onChange) errors = call([root.onChange], change, errors);
      if (root.trie.empty) continue;
      const subs: Subscriber[] = [];
      root.trie.match(change.path, change.op, spans.get(change), subs);
      errors = call(subs, change, errors);
    }
  return errors;
}

function raise(errors: unknown[] | undefined, changes: Change[]): void {
  if (errors) throw new SubscriberError(errors, changes[0]?.path ?? []);
}

/** Options of `transact`. */
export interface TransactOptions {
  /** Marks the changes made inside (default: inherited from an outer transact, else 'local'). */
  origin?: Origin;
}

/**
 * Runs `fn` as one transaction: subscribers hear nothing until it returns, then every change
 * it made, in order, as one batch (one Yjs update when bound). If `fn` throws, every change it
 * made is rolled back, subscribers hear nothing, and the error is rethrown. A nested
 * `transact` joins the outer one. `fn` must be synchronous.
 *
 * @example
 * transact(state, () => {
 *   state.todos.push({ title: 'write docs', done: false });
 *   state.count++;
 * }); // subscribers now receive both changes, together
 */
export function transact<R>(tracked: object, fn: () => R, opts: TransactOptions = {}): R {
  if (!locate(toRaw(tracked))) throw new NotTrackedError('the first argument of transact()');
  const outer = log === undefined;
  const entries = (log ??= []);
  const start = entries.length;
  const savedOrigin = origin;
  if (opts.origin) origin = opts.origin;
  let result: R;
  try {
    result = fn();
    if (result instanceof Promise) throw new AsyncTransactionError();
  } catch (e) {
    for (let i = entries.length - 1; i >= start; i--) undo(entries[i]!);
    entries.length = start;
    origin = savedOrigin;
    if (outer) log = undefined;
    throw e;
  }
  origin = savedOrigin;
  if (outer) {
    log = undefined;
    commit(entries);
  }
  return result;
}

function commit(entries: Entry[]): void {
  const batches = new Map<Root, Change[]>();
  for (const { change, root } of entries) {
    if (!change || !root) continue;
    let batch = batches.get(root);
    if (!batch) batches.set(root, (batch = []));
    batch.push(change);
  }
  let errors: unknown[] | undefined;
  for (const [root, batch] of batches) errors = deliver(root, batch, errors);
  raise(errors, [...batches.values()][0] ?? []);
}

/** Delivers a single change made outside any transaction. */
export function deliverNow(root: Root, change: Change): void {
  const changes = [change];
  raise(deliver(root, changes), changes);
}

/** Delivers a change to the path subscribers it reaches, when they are its only audience. */
export function notify(subs: Subscriber[], change: Change): void {
  raise(call(subs, change), [change]);
}
