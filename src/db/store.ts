// One open tinysync/db store: a cache of the rows read so far (each a tracked tree, or a
// primitive, or known to be absent), the set of dirty rows, and the flush policy that writes
// them, all of one batch in one transaction.
import { onBatch, snapshot, track, ValueError } from '../core/index.js';
import { unregisterExit, type ExitFlusher } from '../persist/exit-hooks.js';
import { decode, encode } from '../persist/encoding.js';
import { WriteSchedule } from '../persist/write-schedule.js';
import { DbError } from './errors.js';
import { BRANCH_SEPARATOR as SEP, type Rows } from './rows.js';
import type { TrackDbOptions } from './options.js';

export const ABSENT = Symbol('absent');
type Slot = { value: unknown; stop?: () => void } | typeof ABSENT;

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v);
}

/** One open store: the rows read so far, the dirty ones, and when to write them. */
export class DbStore implements ExitFlusher {
  readonly cache = new Map<string, Slot>();
  readonly dirty = new Set<string>();
  /** Keys known to have a row (from a key scan or an existence check), not yet read. */
  readonly known = new Set<string>();
  closed = false;
  /** Called by detach(), to forget the store wherever it was registered. */
  onDetach: () => void = () => undefined;
  readonly writes = new WriteSchedule(() => this.background());
  root!: object;

  constructor(
    readonly rows: Rows,
    readonly opts: TrackDbOptions,
  ) {}

  /** The value of a key: from memory, else its row (made a tracked tree), else undefined. */
  read(key: string): unknown {
    let slot = this.cache.get(key);
    if (slot === undefined) {
      this.open();
      const text = this.reading(key, () => this.rows.get(key));
      slot = text === undefined ? ABSENT : this.adopt(key, decode(JSON.parse(text), key.split(SEP)));
      this.cache.set(key, slot);
    }
    return slot === ABSENT ? undefined : slot.value;
  }

  has(key: string): boolean {
    const slot = this.cache.get(key);
    if (slot !== undefined) return slot !== ABSENT;
    if (this.known.has(key)) return true;
    this.open();
    const present = this.reading(key, () => this.rows.has(key));
    if (present) this.known.add(key);
    return present;
  }

  /** A value made ready to be held under `key`: primitives as they are, containers tracked. */
  adopt(key: string, value: unknown): Slot {
    if (isPrimitive(value)) return { value };
    const path = key.split(SEP);
    if (typeof value !== 'object' || value === null) throw new ValueError(path, value === undefined ? 'undefined (delete the key instead)' : `a ${typeof value}`);
    let tracked: object;
    try {
      tracked = track(value, this.opts.name === undefined ? {} : { name: this.opts.name });
    } catch (e) {
      // track() names paths inside the value; put the key in front.
      if (e instanceof ValueError) throw new ValueError([...path, ...e.path], e.message.replace(/^tinysync: cannot store (.*) at .*$/, '$1'));
      throw e;
    }
    return { value: tracked, stop: onBatch(tracked, () => this.touch(key)) };
  }

  set(key: string, value: unknown): void {
    const slot = this.adopt(key, value);
    this.drop(key);
    this.cache.set(key, slot);
    this.touch(key);
  }

  remove(key: string): void {
    if (!this.has(key)) return;
    this.drop(key);
    this.cache.set(key, ABSENT);
    this.touch(key);
  }

  /** Stops listening to the tree a key held (it is detached: later edits to it are not saved). */
  drop(key: string): void {
    const old = this.cache.get(key);
    if (old !== undefined && old !== ABSENT) old.stop?.();
  }

  /** The row keys of the top level (no prefix) or of one branch (its prefix), written or not. */
  keys(prefix?: string): string[] {
    this.open();
    const out = this.reading(undefined, () => this.rows.keys(prefix)).filter((k) => this.cache.get(k) !== ABSENT);
    for (const k of out) if (!this.cache.has(k)) this.known.add(k);
    const known = new Set(out);
    const mine = (k: string) => (prefix === undefined ? !k.includes(SEP) : k.startsWith(prefix));
    for (const [k, slot] of this.cache) if (slot !== ABSENT && !known.has(k) && mine(k)) out.push(k);
    return out;
  }

  /** Runs a read of the database, turning its failure into a DbError naming the key. */
  reading<R>(key: string | undefined, fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      throw new DbError('E_DB_READ', this.rows.location, `could not read ${key === undefined ? 'the keys' : `key ${JSON.stringify(key)}`}: ${(e as Error).message}`, key === undefined ? [] : [key], { cause: e });
    }
  }

  /** Throws once the store is closed: rows not read before close() cannot be read any more. */
  open(): void {
    if (this.closed) throw new DbError('E_DB_CLOSED', this.rows.location, 'closed: only the values read before close() are in memory');
  }

  touch(key: string): void {
    if (this.closed) return;
    this.dirty.add(key);
    this.schedule();
  }

  schedule(): void {
    this.writes.arm(this.opts.flush ?? 'auto');
  }

  cancel(): void {
    this.writes.cancel();
  }

  background(): void {
    try {
      this.write();
    } catch {
      // reported by write()
    }
  }

  /** Writes every dirty row in one transaction; on failure they stay dirty and the error is reported. */
  write(): void {
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    const puts: [string, string][] = [];
    const deletes: string[] = [];
    for (const key of keys) {
      const slot = this.cache.get(key);
      if (slot === undefined || slot === ABSENT) deletes.push(key);
      else puts.push([key, JSON.stringify(encode(typeof slot.value === 'object' ? snapshot(slot.value) : slot.value))]);
    }
    try {
      this.rows.write(puts, deletes);
    } catch (e) {
      const error = new DbError('E_DB_WRITE', this.rows.location, `could not write ${keys.length} row(s): ${(e as Error).message}`, keys.slice(0, 10), { cause: e });
      if (this.opts.onError) this.opts.onError(error);
      else process.emitWarning(error.message, { code: error.code });
      throw error;
    }
    for (const key of keys) this.dirty.delete(key);
    this.opts.onWrite?.(keys);
  }

  flushAtExit(): void {
    this.write();
  }

  detach(): void {
    this.closed = true;
    this.cancel();
    for (const key of this.cache.keys()) this.drop(key);
    unregisterExit(this);
    this.onDetach();
    this.rows.close();
  }
}

