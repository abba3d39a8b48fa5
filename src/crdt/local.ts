// Local → Yjs: each committed batch of local changes is replayed, in order, as the granular
// Yjs operations it amounts to, inside one Y transaction. When a batch is delivered the Y
// side still holds the state from before the batch, so every op's own index applies as is.
//
// Inside a batch, consecutive array inserts that touch each other (a loop of pushes, typing
// at one spot) are gathered into one run per Y.Array and inserted with one call when the
// batch ends or when the array sees an edit the run cannot absorb. Yjs cannot insert one by
// one in a transaction in linear time: items of one transaction are not merged yet, so both
// `push` (walks to the end) and `insert` (its search marker steps back over every item of
// the same client with adjacent clocks) walk the whole new part of the list, and the cleanup
// merges primitive items pairwise by copying arrays. One insert of the whole run does none
// of that.
import { toRaw, type Change } from '../core/index.js';
import * as Y from 'yjs';
import { escapeKey, setKey, toY, type Registry, type YType } from './convert.js';
import { spliceChunked } from './chunked.js';
import { BindingError } from './errors.js';
import { reorder } from './reorder.js';
import { TEXT_OP } from './text.js';

/** Items still to be inserted at `at` of `y` (an index in the Y.Array as it stands). */
interface Run {
  at: number;
  items: unknown[];
}

/**
 * Per-batch state: what was written whole already (so later changes inside it are skipped),
 * and the pending insert runs. A batch of one change needs none of it (`undefined`).
 */
class BatchState {
  readonly created = new Set<YType>();
  /** Arrays rewritten to their final contents (sort & co.): later ops on them are included. */
  readonly finalized = new Set<object>();
  readonly runs = new Map<Y.Array<unknown>, Run>();

  /** Inserts every pending run; a run whose array was deleted meanwhile has nothing to add. */
  flush(): void {
    for (const [y, run] of this.runs) if (!isDeleted(y)) y.insert(run.at, run.items);
    this.runs.clear();
  }
}

/** True when `y` or a container above it was deleted from the doc. */
function isDeleted(y: YType): boolean {
  for (let item: Y.Item | null = y._item; item; item = (item.parent as YType)._item) if (item.deleted) return true;
  return false;
}

function isSkipped(y: YType, raw: object, batch: BatchState): boolean {
  if (batch.finalized.has(raw)) return true;
  for (let t: YType | null = y; t; ) {
    if (batch.created.has(t)) return true;
    const item: Y.Item | null = t._item;
    if (!item) return false;
    if (item.deleted) return true;
    t = item.parent as YType | null;
  }
  return false;
}

function converted(value: unknown, reg: Registry, batch: BatchState | undefined): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const y = toY(value, reg);
  if (batch && typeof y === 'object' && y !== null) batch.created.add(y as YType);
  return y;
}

function convertAll(values: readonly unknown[], from: number, reg: Registry, batch: BatchState | undefined): unknown[] {
  const out = new Array<unknown>(values.length - from);
  for (let i = from; i < values.length; i++) out[i - from] = converted(values[i], reg, batch);
  return out;
}

function spliceInto(into: unknown[], at: number, count: number, items: readonly unknown[]): void {
  if (at === into.length && count === 0) for (const v of items) into.push(v);
  else spliceChunked(into, at, count, items);
}

/**
 * Replaces `count` items at `index` of `y` by `items` (already converted). Without a batch it
 * is done at once; in a batch, inserts join the array's pending run when they touch it.
 */
function edit(y: Y.Array<unknown>, index: number, count: number, items: unknown[], batch: BatchState | undefined): void {
  if (!batch) {
    if (count > 0) y.delete(index, count);
    if (items.length > 0) y.insert(index, items);
    return;
  }
  const run = batch.runs.get(y);
  if (run) {
    if (index >= run.at && index + count <= run.at + run.items.length) {
      spliceInto(run.items, index - run.at, count, items);
      if (run.items.length === 0) batch.runs.delete(y);
      return;
    }
    batch.runs.delete(y);
    y.insert(run.at, run.items);
  }
  if (count > 0) y.delete(index, count);
  if (items.length > 0) batch.runs.set(y, { at: index, items });
}

/** The length of `y` once its pending run is in. */
function lengthOf(y: Y.Array<unknown>, batch: BatchState | undefined): number {
  return y.length + (batch?.runs.get(y)?.items.length ?? 0);
}

/** Replays one local change on the Y side. */
function replay(change: Change, reg: Registry, batch: BatchState | undefined): void {
  const y = reg.lookup(change.target, toRaw);
  const raw = reg.lastRaw;
  if (!y) {
    // A container that was inside one converted earlier in this batch, and gone from it by
    // delivery time (so never converted): its effect is already in what was written.
    if (batch?.created.size || batch?.finalized.size) return;
    throw new BindingError('a change reached a container the binding does not know', change.path);
  }
  if (batch) {
    // Not in the doc yet: it was converted in this batch from the live value, which already
    // holds this change (it sits in a pending run).
    if (y.doc === null) return;
    if ((batch.created.size || batch.finalized.size) && isSkipped(y, raw, batch)) return;
  }
  const { op, args } = change;
  if (y instanceof Y.Array) {
    switch (op) {
      case 'set': {
        const i = args[0] as number;
        edit(y, i, i < lengthOf(y, batch) ? 1 : 0, [converted(args[1], reg, batch)], batch);
        return;
      }
      case 'push':
        edit(y, lengthOf(y, batch), 0, convertAll(args, 0, reg, batch), batch);
        return;
      case 'pop':
        edit(y, lengthOf(y, batch) - 1, 1, [], batch);
        return;
      case 'shift':
        edit(y, 0, 1, [], batch);
        return;
      case 'unshift':
        edit(y, 0, 0, convertAll(args, 0, reg, batch), batch);
        return;
      case 'splice':
        edit(y, args[0] as number, args[1] as number, convertAll(args, 2, reg, batch), batch);
        return;
      case 'sort':
      case 'reverse':
      case 'fill':
      case 'copyWithin': {
        const run = batch?.runs.get(y);
        if (run) {
          batch!.runs.delete(y);
          y.insert(run.at, run.items);
        }
        // The live array already reflects every later op of this batch on it: diff to it once.
        const created = batch?.created ?? new Set<YType>();
        reorder(y, raw as unknown[], reg, created);
        batch?.finalized.add(raw);
        return;
      }
    }
  } else if (y instanceof Y.Map) {
    if (raw instanceof Set) {
      if (op === 'add') y.set(setKey(args[0]), true);
      else if (op === 'delete') y.delete(setKey(args[0]));
      else if (op === 'clear') for (const v of change.previous as unknown[]) y.delete(setKey(v));
      return;
    }
    switch (op) {
      case 'set':
        y.set(escapeKey(args[0] as string), converted(args[1], reg, batch));
        return;
      case 'delete':
        y.delete(escapeKey(args[0] as string));
        return;
      case 'clear':
        for (const [k] of change.previous as [string, unknown][]) y.delete(escapeKey(k));
        return;
    }
  } else if (y instanceof Y.Text && (op as string) === TEXT_OP) {
    const [at, count, str] = args as [number, number, string];
    if (count > 0) y.delete(at, count);
    if (str.length > 0) y.insert(at, str);
    return;
  }
  throw new BindingError(`cannot replay ${op} on this container`, change.path);
}

const isLocal = (c: Change): boolean => c.origin === 'local';
const NONE: readonly Change[] = [];

/**
 * The replayer of a binding: a function that applies one committed batch of the tree's
 * changes to the doc as one Y transaction (one update) with the binding's origin, skipping
 * changes that did not originate here (remote patches, loads). Made once per binding, so that
 * the per-batch path allocates no closure.
 */
export function localReplay(doc: Y.Doc, reg: Registry, origin: unknown): (changes: readonly Change[]) => void {
  let current = NONE;
  const one = (): void => replay(current[0]!, reg, undefined);
  const many = (): void => {
    const batch = new BatchState();
    for (const c of current) if (c.origin === 'local') replay(c, reg, batch);
    batch.flush();
  };
  return (changes) => {
    if (changes.length === 1 ? changes[0]!.origin !== 'local' : !changes.some(isLocal)) return;
    current = changes;
    try {
      doc.transact(changes.length === 1 ? one : many, origin);
    } finally {
      current = NONE;
    }
  };
}
