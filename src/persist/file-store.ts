// One tracked tree persisted to one file. The store listens to the tree's batches: a batch
// marks it dirty and schedules a write by the flush policy; writes go one after another through
// a promise chain, each one atomic (atomic-write.ts) and preceded by a check that nobody else
// changed the file since we last read or wrote it.
import { readFileSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { onBatch, snapshot, transact, TinysyncError, track, ValueError, type Change } from '../core/index.js';
import { applyVersion } from './apply-disk.js';
import {
  currentStamp,
  currentStampSync,
  realTarget,
  realTargetSync,
  removeStaleTemps,
  sameStamp,
  tempPathFor,
  writeAtomic,
  writeAtomicSync,
  type Stamp,
} from './atomic-write.js';
import { FileChangedError, FileParseError, FileWriteError, NotAFileError } from './errors.js';
import { registerExit, unregisterExit, type ExitFlusher } from './exit-hooks.js';
import { formatOf, loadYaml, parseText, serialize, withDefaultExtension, type Format } from './formats.js';
import { WriteSchedule, type FlushPolicy } from './write-schedule.js';

export type { FlushPolicy };

/** Options of `trackFile`. */
export interface TrackFileOptions {
  /** When to write (default `'auto'`). */
  flush?: FlushPolicy;
  /** The tree's name, copied into every Change. */
  name?: string;
  /**
   * Called when a background write fails: `E_FILE_CHANGED` (someone else changed the file;
   * nothing is written until `reload()` or `flush(data, { overwrite: true })`) or
   * `E_FILE_WRITE`. Without it, the error is emitted as a process warning.
   */
  onError?: (error: FileChangedError | FileWriteError) => void;
  /** Called after each write has landed on disk (for a "saved" indicator). */
  onWrite?: () => void;
  /** Write every mapping with its keys sorted (the structure in memory keeps its order). */
  sortKeys?: boolean;
}

type Kind = 'array' | 'Map' | 'Set' | 'object';
const kindOf = (v: object): Kind => (Array.isArray(v) ? 'array' : v instanceof Map ? 'Map' : v instanceof Set ? 'Set' : 'object');

const stores = new WeakMap<object, FileStore>();
const openPaths = new Set<string>();

class FileStore implements ExitFlusher {
  dirty = false;
  loading = false;
  blocked: FileChangedError | undefined;
  readonly writes = new WriteSchedule(() => this.background());
  chain: Promise<void> = Promise.resolve();
  /** The async write under way: its text, and its temporary file once it has one. */
  inflight: { tmp?: string; text: string } | undefined;
  stop: () => void = () => undefined;

  constructor(
    readonly file: string,
    readonly format: Format,
    readonly root: object,
    readonly policy: FlushPolicy,
    readonly onError: TrackFileOptions['onError'],
    readonly onWrite: TrackFileOptions['onWrite'],
    public stamp: Stamp | undefined,
    readonly sortKeys: boolean,
  ) {}

  onBatch(changes: readonly Change[]): void {
    if (this.loading && changes.every((c) => c.origin === 'load')) return;
    this.dirty = true;
    this.schedule();
  }

  schedule(): void {
    if (!this.blocked) this.writes.arm(this.policy);
  }

  cancel(): void {
    this.writes.cancel();
  }

  background(): void {
    // Errors were reported by doWrite; nobody awaits a background write.
    this.write(false).catch(() => undefined);
  }

  write(overwrite: boolean): Promise<void> {
    const run = this.chain.then(() => this.doWrite(overwrite));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async doWrite(overwrite: boolean): Promise<void> {
    if (this.blocked && !overwrite) throw this.blocked;
    if (!this.dirty && !this.blocked) return;
    if (!overwrite && !sameStamp(await currentStamp(this.file), this.stamp)) {
      this.blocked = new FileChangedError(this.file);
      this.report(this.blocked);
      throw this.blocked;
    }
    const text = serialize(snapshot(this.root), this.format, this.sortKeys);
    this.dirty = false;
    // Set before the first await: an exit from now on knows a write was under way.
    const inflight: { tmp?: string; text: string } = { text };
    this.inflight = inflight;
    try {
      // Through a symlink to its real target, every time (the link may have been moved).
      const target = await realTarget(this.file);
      inflight.tmp = tempPathFor(target);
      this.stamp = await writeAtomic(target, text, inflight.tmp);
    } catch (e) {
      this.dirty = true;
      const error = new FileWriteError(this.file, e);
      this.report(error);
      throw error;
    } finally {
      this.inflight = undefined;
    }
    this.blocked = undefined;
    this.onWrite?.();
  }

  report(error: FileChangedError | FileWriteError): void {
    if (this.onError) this.onError(error);
    else process.emitWarning(error.message, { code: error.code });
  }

  flushAtExit(): void {
    const inflight = this.inflight;
    if (inflight?.tmp) {
      try {
        unlinkSync(inflight.tmp);
      } catch {
        // renamed already, or never created
      }
    }
    if (this.blocked && this.dirty) {
      process.stderr.write(`${this.blocked.message}; its pending changes were not written at exit\n`);
      return;
    }
    if (this.blocked || (!this.dirty && !inflight)) return;
    let current = currentStampSync(this.file);
    // An interrupted async write may have renamed its file already: that version is ours.
    const landed = inflight !== undefined && current !== undefined && readFileSync(this.file, 'utf8') === inflight.text;
    if (!landed && !sameStamp(current, this.stamp)) throw new FileChangedError(this.file);
    if (landed && !this.dirty) return;
    const target = realTargetSync(this.file);
    current = writeAtomicSync(target, serialize(snapshot(this.root), this.format, this.sortKeys), tempPathFor(target));
    this.stamp = current;
    this.dirty = false;
  }

  detach(): void {
    this.cancel();
    this.stop();
    unregisterExit(this);
    stores.delete(this.root);
    openPaths.delete(this.file);
  }
}

async function readVersion(file: string, format: Format): Promise<{ value: object; stamp: Stamp } | undefined> {
  const stamp = await currentStamp(file);
  if (!stamp) return undefined;
  const text = await readFile(file, 'utf8');
  return { value: (await parseText(text, file, format)) as object, stamp };
}

function checkKind(file: string, value: object, expected: Kind): void {
  const kind = kindOf(value);
  if (kind !== expected) throw new FileParseError('E_FILE_VALUE', file, { line: 1, col: 1 }, `holds ${kind === 'object' ? 'an object' : `a ${kind}`} where ${expected === 'object' ? 'an object' : `a ${expected}`} (the kind of the initial value) is expected`);
}

/**
 * Opens a tracked structure persisted to a file (Node). When the file exists its contents are
 * the structure and `initial` only gives the expected kind (object, array, Map, Set); else
 * `initial` is written to it. The format comes from the extension (`.json`, `.yaml`, `.yml`);
 * a path without one is `<path>.yaml`.
 * Every change is then saved, atomically, by the `flush` policy; pending changes are written at
 * process exit and on SIGHUP / SIGINT / SIGTERM. A write keeps the file's mode (and owner where
 * permitted) and goes through a symlink to its target. A file that does not parse rejects with a
 * `FileParseError` naming the file, line and column, and is left untouched. Use `hold`,
 * `unhold`, `flush`, `reload` and `close` on the returned root.
 *
 * @example
 * const config = await trackFile('config.yaml', { theme: 'dark', recent: [] as string[] });
 * config.recent.push('notes.md'); // written at the end of this tick
 * await close(config);
 */
export async function trackFile<T extends object>(path: string, initial: T, opts: TrackFileOptions = {}): Promise<T> {
  const file = resolve(withDefaultExtension(path));
  const format = formatOf(file);
  const policy = opts.flush ?? 'auto';
  if (typeof policy === 'number' && !(policy >= 0)) throw new TypeError(`tinysync: flush must be 'auto', 'manual' or a number of ms ≥ 0, not ${policy}`);
  if (openPaths.has(file)) throw new TinysyncError('E_FILE_OPEN', `tinysync: ${file} is already open in this process (close() it first)`, [file]);
  openPaths.add(file);
  try {
    return await open(file, format, initial, policy, opts);
  } catch (e) {
    openPaths.delete(file);
    throw e;
  }
}

async function open<T extends object>(file: string, format: Format, initial: T, policy: FlushPolicy, opts: TrackFileOptions): Promise<T> {
  if (format === 'yaml') await loadYaml();
  await removeStaleTemps(file);
  const found = await readVersion(file, format);
  if (found) checkKind(file, found.value, kindOf(initial));
  let root: T;
  try {
    root = track((found?.value ?? initial) as T, opts.name === undefined ? {} : { name: opts.name });
  } catch (e) {
    if (found && e instanceof ValueError) throw new FileParseError('E_FILE_VALUE', file, undefined, e.message, { cause: e });
    throw e;
  }
  const store = new FileStore(file, format, root, policy, opts.onError, opts.onWrite, found?.stamp, opts.sortKeys === true);
  if (!found) {
    store.dirty = true;
    await store.write(false);
  }
  store.stop = onBatch(root, (changes) => store.onBatch(changes));
  stores.set(root, store);
  registerExit(store);
  return root;
}

function storeOf(data: object, fn: string): FileStore {
  const store = stores.get(data);
  if (!store) throw new NotAFileError(fn);
  return store;
}

/**
 * Suspends writing until the matching `unhold()` (holds nest). Changes keep being recorded
 * and are written at `unhold()`, on `flush()`, or at process exit.
 */
export function hold(data: object): void {
  storeOf(data, 'hold').writes.hold();
}

/** Ends a `hold()`; when the last hold ends, pending changes are written by the flush policy. */
export function unhold(data: object): void {
  const store = storeOf(data, 'unhold');
  if (store.writes.unhold() && store.dirty) store.schedule();
}

/**
 * Writes pending changes now (whatever the policy or holds) and resolves when they are on
 * disk. Rejects with `E_FILE_CHANGED` when the file was changed by someone else; with
 * `{ overwrite: true }` the tracked version replaces theirs.
 */
export async function flush(data: object, opts: { overwrite?: boolean } = {}): Promise<void> {
  const store = storeOf(data, 'flush');
  store.cancel();
  return store.write(opts.overwrite === true);
}

/**
 * Takes the version on disk: the tracked structure is edited to match the file, as a minimal
 * set of changes with origin `'load'` in one batch, and unwritten local changes are dropped.
 * Clears an `E_FILE_CHANGED` state. Rejects with a `FileParseError` (changing nothing) when the
 * file does not parse.
 */
export async function reload(data: object): Promise<void> {
  const store = storeOf(data, 'reload');
  store.cancel();
  await store.chain;
  const found = await readVersion(store.file, store.format);
  if (!found) throw new FileChangedError(store.file);
  checkKind(store.file, found.value, kindOf(store.root));
  store.loading = true;
  try {
    transact(store.root, () => applyVersion(store.root, found.value), { origin: 'load' });
  } finally {
    store.loading = false;
    store.dirty = false;
    store.blocked = undefined;
    store.stamp = found.stamp;
  }
}

/**
 * Writes pending changes and stops persisting (the structure stays usable, in memory only).
 * If the final write fails the file stays open and the error is thrown, unless `discard` is set.
 */
export async function close(data: object, opts: { discard?: boolean } = {}): Promise<void> {
  const store = storeOf(data, 'close');
  if (!opts.discard) {
    store.cancel();
    await store.write(false);
  }
  store.detach();
}
