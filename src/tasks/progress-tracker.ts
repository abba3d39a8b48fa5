// tastypy's ProgressTracker over a tracked container: one record per task, kept in a plain
// object or a Map of the tree, so that it is persisted (and synced) with everything else.
// Crash safety comes from the container's persistence: a record's `_done` is written in the
// same batch as the result fields given to markDone.
import { isTracked, transact } from '../core/index.js';
import { TaskError } from './errors.js';

/** A JSON value that a task record's user fields may hold. */
export type TaskValue = string | number | boolean | null | TaskValue[] | { [key: string]: TaskValue };

/** The stored record of one task: tries counted, done or not, the last error, and user fields. */
export type TaskRecord<F extends Record<string, TaskValue> = Record<string, TaskValue>> = Partial<F> & {
  _tries: number;
  _done: boolean;
  _error?: string;
};

/** Options of ProgressTracker. */
export interface ProgressTrackerOptions {
  /** How many times `tryIt` lets a task be tried before it counts as failed (default: no limit). */
  maxTries?: number;
}

/** Where a task stands: done, failed (not done, no tries left), or pending. */
export type TaskStatus = 'done' | 'failed' | 'pending';

const RESERVED = new Set(['_tries', '_done', '_error']);

/**
 * A persistent record of tasks for long-running jobs that must resume where they stopped.
 * Keep it in any tracked object or Map (inside a `trackFile` structure it survives restarts):
 * each task is a record `{ _tries, _done, ...fields }` under its key.
 *
 * @example
 * const state = await trackFile('progress.json', { tasks: {} as Record<string, TaskRecord> });
 * const tracker = new ProgressTracker(state.tasks, { maxTries: 3 });
 * for (const url of urls) {
 *   if (!tracker.tryIt(url)) continue;      // done already, or tried 3 times
 *   await flush(state);                      // the try is on disk before the work starts
 *   try { tracker.markDone(url, { size: (await fetch(url)).status }); }
 *   catch (e) { tracker.markFailed(url, e); }
 * }
 */
export class ProgressTracker<F extends Record<string, TaskValue> = Record<string, TaskValue>> implements Iterable<[string, TaskRecord<F>]> {
  readonly maxTries: number;
  private readonly tasks: Map<string, TaskRecord<F>> | Record<string, TaskRecord<F>>;

  constructor(tasks: Record<string, TaskRecord<F>> | Map<string, TaskRecord<F>>, opts: ProgressTrackerOptions = {}) {
    if (!isTracked(tasks)) throw new TaskError('E_TASK_CONTAINER', 'ProgressTracker needs a tracked object or Map (from track(), trackFile(), createStore())');
    if (Array.isArray(tasks) || tasks instanceof Set) throw new TaskError('E_TASK_CONTAINER', 'ProgressTracker keeps tasks in an object or a Map keyed by task, not an array or Set');
    const maxTries = opts.maxTries ?? Infinity;
    if (!(maxTries >= 1)) throw new RangeError(`tinysync: maxTries must be at least 1, not ${maxTries}`);
    this.maxTries = maxTries;
    this.tasks = tasks;
  }

  /** The record of a task (tracked: reads are live), or undefined when it is unknown. */
  get(key: string): TaskRecord<F> | undefined {
    if (this.tasks instanceof Map) return this.tasks.get(key);
    return Object.hasOwn(this.tasks, key) ? this.tasks[key] : undefined;
  }

  private put(key: string, record: TaskRecord<F>): void {
    if (this.tasks instanceof Map) this.tasks.set(key, record);
    else this.tasks[key] = record;
  }

  private record(key: string): TaskRecord<F> {
    let rec = this.get(key);
    if (!rec) {
      this.put(key, { _tries: 0, _done: false } as TaskRecord<F>);
      rec = this.get(key)!;
    }
    return rec;
  }

  /** Adds a task (not done, never tried) unless it exists; true when it was added. */
  add(key: string): boolean {
    if (this.has(key)) return false;
    this.record(key);
    return true;
  }

  /** Whether the task is known. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Whether the task is done. */
  check(key: string): boolean {
    return this.get(key)?._done === true;
  }

  /** How many times the task was tried (0 when unknown). */
  tries(key: string): number {
    return this.get(key)?._tries ?? 0;
  }

  /** Where the task stands; undefined when it is unknown. */
  status(key: string): TaskStatus | undefined {
    const rec = this.get(key);
    if (!rec) return undefined;
    return statusOf(rec, this.maxTries);
  }

  /**
   * Asks to work on a task: adds it when missing; returns false when it is done or was tried
   * `maxTries` times already; otherwise counts one more try and returns true.
   */
  tryIt(key: string): boolean {
    const rec = this.get(key);
    if (rec && (rec._done || rec._tries >= this.maxTries)) return false;
    transact(this.tasks, () => {
      this.record(key)._tries++;
    });
    return true;
  }

  /** Marks the task done (adding it when missing), storing `result`'s fields in its record in the same batch. */
  markDone(key: string, result?: Partial<F>): void {
    transact(this.tasks, () => {
      const rec = this.record(key);
      this.assign(key, rec, result);
      rec._done = true;
      if (rec._error !== undefined) delete rec._error;
    });
  }

  /**
   * Records that a try failed: `_error` holds the error's message. The task stays pending while
   * it has tries left, and counts as failed after that.
   */
  markFailed(key: string, error?: unknown, fields?: Partial<F>): void {
    transact(this.tasks, () => {
      const rec = this.record(key);
      this.assign(key, rec, fields);
      rec._done = false;
      if (error !== undefined) rec._error = error instanceof Error ? error.message : String(error);
    });
  }

  /** Makes the task new again: not done, no tries, no error (user fields stay). */
  reset(key: string): void {
    transact(this.tasks, () => {
      const rec = this.record(key);
      rec._tries = 0;
      rec._done = false;
      if (rec._error !== undefined) delete rec._error;
    });
  }

  private assign(key: string, rec: TaskRecord<F>, fields: Partial<F> | undefined): void {
    if (!fields) return;
    for (const name of Object.keys(fields)) {
      if (RESERVED.has(name)) throw new TaskError('E_TASK_FIELD', `"${name}" is kept by ProgressTracker and cannot be a result field`, key);
      (rec as Record<string, unknown>)[name] = (fields as Record<string, unknown>)[name];
    }
  }

  /** Every task as `[key, record]`, in insertion order. */
  *[Symbol.iterator](): Iterator<[string, TaskRecord<F>]> {
    if (this.tasks instanceof Map) yield* this.tasks.entries();
    else for (const key of Object.keys(this.tasks)) yield [key, this.tasks[key]!];
  }

  /** The keys of the tasks, all or those with one status. */
  *keys(status?: TaskStatus): IterableIterator<string> {
    for (const [key, rec] of this) if (!status || statusOf(rec, this.maxTries) === status) yield key;
  }

  private count(status: TaskStatus): number {
    let n = 0;
    for (const [, rec] of this) if (statusOf(rec, this.maxTries) === status) n++;
    return n;
  }

  /** The number of tasks known. */
  get size(): number {
    return this.tasks instanceof Map ? this.tasks.size : Object.keys(this.tasks).length;
  }
  /** Tasks done. */
  get done(): number {
    return this.count('done');
  }
  /** Tasks not done that may still be tried. */
  get pending(): number {
    return this.count('pending');
  }
  /** Tasks not done that were tried `maxTries` times. */
  get failed(): number {
    return this.count('failed');
  }
}

function statusOf(rec: TaskRecord<Record<string, TaskValue>>, maxTries: number): TaskStatus {
  if (rec._done) return 'done';
  return rec._tries >= maxTries ? 'failed' : 'pending';
}
