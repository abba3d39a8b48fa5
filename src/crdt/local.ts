// Local → Yjs: each committed batch of local changes is replayed, in order, as the granular
// Yjs operations it amounts to, inside one Y transaction. When a batch is delivered the Y
// side still holds the state from before the batch, so every op's own index applies as is.
import { toRaw, type Change } from '../core/index.js';
import * as Y from 'yjs';
import { escapeKey, setKey, toY, type Registry, type YType } from './convert.js';
import { BindingError } from './errors.js';
import { reorder } from './reorder.js';
import { TEXT_OP } from './text.js';

/** Per-batch state: what was written whole already, so later changes inside it are skipped. */
class BatchState {
  #created: Set<YType> | undefined;
  #finalized: Set<object> | undefined;
  /** Y types created in this batch from live values that already hold their final contents. */
  get created(): Set<YType> {
    return (this.#created ??= new Set());
  }
  /** Arrays rewritten to their final contents (sort & co.): later ops on them are included. */
  get finalized(): Set<object> {
    return (this.#finalized ??= new Set());
  }
  /** True while nothing was written whole: no later change can need skipping. */
  get clean(): boolean {
    return !this.#created?.size && !this.#finalized?.size;
  }
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

function converted(value: unknown, reg: Registry, batch: BatchState): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const y = toY(value, reg);
  if (typeof y === 'object' && y !== null) batch.created.add(y as YType);
  return y;
}

function convertAll(values: readonly unknown[], from: number, reg: Registry, batch: BatchState): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < values.length; i++) out.push(converted(values[i], reg, batch));
  return out;
}

/** Replays one local change on the Y side. */
function replay(change: Change, reg: Registry, batch: BatchState): void {
  const raw = toRaw(change.target);
  const y = reg.toY.get(raw);
  if (!y) {
    // A container that was inside one converted earlier in this batch, and gone from it by
    // delivery time (so never converted): its effect is already in what was written.
    if (!batch.clean) return;
    throw new BindingError('a change reached a container the binding does not know', change.path);
  }
  if (!batch.clean && isSkipped(y, raw, batch)) return;
  const { op, args } = change;
  if (y instanceof Y.Array) {
    switch (op) {
      case 'set': {
        const i = args[0] as number;
        if (i < y.length) y.delete(i, 1);
        y.insert(i, [converted(args[1], reg, batch)]);
        return;
      }
      case 'push':
        y.push(convertAll(args, 0, reg, batch));
        return;
      case 'pop':
        y.delete(y.length - 1, 1);
        return;
      case 'shift':
        y.delete(0, 1);
        return;
      case 'unshift':
        y.insert(0, convertAll(args, 0, reg, batch));
        return;
      case 'splice': {
        const start = args[0] as number;
        const count = args[1] as number;
        if (count > 0) y.delete(start, count);
        if (args.length > 2) y.insert(start, convertAll(args, 2, reg, batch));
        return;
      }
      case 'sort':
      case 'reverse':
      case 'fill':
      case 'copyWithin': {
        // The live array already reflects every later op of this batch on it: diff to it once.
        reorder(y, raw as unknown[], reg, batch.created);
        batch.finalized.add(raw);
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

/**
 * Applies a committed batch to the doc as one transaction (one update), skipping changes
 * that did not originate here (remote patches, loads).
 */
export function replayBatch(doc: Y.Doc, changes: readonly Change[], reg: Registry, origin: unknown): void {
  let any = false;
  for (const c of changes) if (c.origin === 'local') any = true;
  if (!any) return;
  doc.transact(() => {
    const batch = new BatchState();
    for (const c of changes) if (c.origin === 'local') replay(c, reg, batch);
  }, origin);
}
