import type { PathKey } from './change.js';
import { formatPath } from './paths.js';

/**
 * The base of every error tinysync throws or reports: a stable `code` to branch on and the
 * `path` (inside the tracked tree, or the document/file involved) that the error is about.
 */
export class TinysyncError extends Error {
  // Literal names: a minifier renames classes, and `error.name` must survive it.
  override name = 'TinysyncError';
  // `declare`: assigned in the constructor, so no field initialiser is emitted for them.
  declare readonly code: string;
  declare readonly path: PathKey[];
  constructor(code: string, message: string, path: PathKey[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.path = path;
  }
}

/**
 * A value the value rules refuse (a function, a class instance, `undefined`, NaN, a cycle,
 * a non-string Map key, ...). Thrown at the assignment; the structure is left unchanged.
 */
export class ValueError extends TinysyncError {
  override name = 'ValueError';
  constructor(path: PathKey[], what: string) {
    super('E_VALUE', `tinysync: cannot store ${what} at ${formatPath(path)}`, path);
  }
}

/** An object handed to a tinysync function that is not (or no longer) part of a tracked tree. */
export class NotTrackedError extends TinysyncError {
  override name = 'NotTrackedError';
  constructor(what: string) {
    super('E_NOT_TRACKED', `tinysync: ${what} is not tracked (or no longer)`);
  }
}

/** `transact()` was given a function that returned a promise: its later changes could not be grouped. */
export class AsyncTransactionError extends TinysyncError {
  override name = 'AsyncTransactionError';
  constructor() {
    super('E_ASYNC_TRANSACT', 'tinysync: transact() needs a synchronous function (rolled back)');
  }
}

/**
 * One or more subscribers threw while a change was delivered. Every subscriber still ran; the
 * change itself stands. `errors` holds what each failing subscriber threw.
 */
export class SubscriberError extends TinysyncError {
  override name = 'SubscriberError';
  declare readonly errors: unknown[];
  constructor(errors: unknown[], path: PathKey[]) {
    super('E_SUBSCRIBER', `tinysync: ${errors.length} subscriber(s) threw at ${formatPath(path)}`, path, {
      cause: errors[0],
    });
    this.errors = errors;
  }
}
