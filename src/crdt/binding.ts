// bind(): one tracked tree ⇄ one root type of a Y.Doc, both ways, with undo/redo of local
// changes. See docs/crdt.md for the mapping and the starting-state rule.
import { isTracked, onBatch, pathOf, toRaw, transact, type Origin } from '../core/index.js';
import * as Y from 'yjs';
import { Registry, type YType } from './convert.js';
import { BindingError, UpdateError } from './errors.js';
import { holdsData, loadInto, writeInitial } from './initial.js';
import { localReplay } from './local.js';
import { applyEvents } from './remote.js';

/** Options of `bind`. */
export interface BindOptions {
  /** The name of the root type in the doc (default `'tinysync'`): several trees may share a doc. */
  name?: string;
  /** The Y transaction origin of local changes (default: a private token of this binding). */
  origin?: unknown;
  /**
   * Keep an undo history of local transactions (default false). Opt in where the app offers
   * undo: like any Y.UndoManager it keeps the content of deleted items (no garbage
   * collection, so the doc and its updates grow) and costs time on every transaction.
   */
  undo?: boolean;
}

/** A live link between a tracked tree and a Y.Doc; see `bind`. */
export interface Binding {
  readonly doc: Y.Doc;
  /** The Y transaction origin the binding writes local changes with. */
  readonly origin: unknown;
  /**
   * Every Y transaction origin of this replica's own changes: `origin`, the undo manager
   * (undo / redo) and the initial write. Forward the doc's updates whose origin is in here.
   */
  readonly localOrigins: ReadonlySet<unknown>;
  /**
   * Undoes the last local transaction (never a remote one). Returns false when there was
   * none. Throws a `BindingError` when the binding was made without `{ undo: true }`.
   */
  undo(): boolean;
  /** Redoes the last undone local transaction. Returns false when there was none. */
  redo(): boolean;
  canUndo(): boolean;
  canRedo(): boolean;
  /**
   * Applies Yjs update bytes from outside (network, storage). The tree is patched and its
   * subscribers receive Changes with `origin` (default `'remote'`). Malformed bytes throw an
   * `UpdateError` (code `E_UPDATE`) and change nothing.
   */
  applyUpdate(update: Uint8Array, origin?: Exclude<Origin, 'local'>): void;
  /** Stops syncing in both directions; the tree and the doc stay as they are. */
  destroy(): void;
}

// One binding per tree at a time: a second doc would never hear the first one's remote
// changes (they are not local to the tree), so the two docs would drift apart.
const bound = new WeakSet<object>();

/**
 * Binds a tracked tree to a Y.Doc: from now on every local mutation is applied to the doc as
 * the granular Yjs operation it amounts to (one `transact()` = one Y transaction = one
 * update), and every update applied to the doc by anyone else patches the tree minimally,
 * reaching subscribers as Changes with `origin: 'remote'`. If the doc already holds data
 * under `opts.name` it wins over the tree's contents (applied with origin `'load'`).
 *
 * @example
 * const state = track({ todos: [] as { title: string; done: boolean }[] });
 * const doc = new Y.Doc();
 * const binding = bind(state, doc);
 * doc.on('update', (u, origin) => {              // this replica's changes, one update per transaction
 *   if (binding.localOrigins.has(origin)) socket.send(u);
 * });
 * socket.onmessage = (e) => binding.applyUpdate(new Uint8Array(e.data));
 * state.todos.push({ title: 'sync', done: false }); // → one Y.Array insert
 */
export function bind(tracked: object, doc: Y.Doc, opts: BindOptions = {}): Binding {
  if (!isTracked(tracked) || pathOf(tracked).length > 0) throw new BindingError('bind() takes a tracked root (the value returned by track())');
  const name = opts.name ?? 'tinysync';
  const raw = toRaw(tracked);
  if (bound.has(raw)) throw new BindingError('this tree is already bound to a doc (destroy that binding first)');
  let root: YType;
  try {
    root = (Array.isArray(raw) ? doc.getArray(name) : doc.getMap(name)) as YType;
  } catch (e) {
    throw new BindingError(`the doc already holds a root "${name}" of another kind (${e instanceof Error ? e.message : String(e)})`);
  }
  const origin: unknown = opts.origin ?? { binding: name };
  const loadOrigin = { load: name };
  const initOrigin = { initial: name };
  const remoteOrigin = { remote: name };
  const reg = new Registry();
  let applying = false;

  if (holdsData(root)) {
    applying = true;
    try {
      transact(tracked, () => loadInto(tracked, raw, root, reg), { origin: 'load' });
    } finally {
      applying = false;
    }
  } else {
    writeInitial(doc, root, raw, name, reg, initOrigin);
  }
  reg.link(raw, root);

  const undoManager = opts.undo !== true ? undefined : new Y.UndoManager(root, { trackedOrigins: new Set([origin]), captureTimeout: 0 });

  const history = (): Y.UndoManager => {
    if (!undoManager) throw new BindingError('undo is off for this binding: bind(tree, doc, { undo: true })');
    return undoManager;
  };

  const replayLocal = localReplay(doc, reg, origin);
  const stopBatch = onBatch(tracked, (changes) => {
    // The first batch after applying doc events is that application itself (an undo's
    // changes are 'local' too); anything later, e.g. a subscriber reacting to it, is new.
    if (applying) applying = false;
    else replayLocal(changes);
  });

  // The events of the root's subtree, parents first, read in 'afterTransaction' (still inside
  // the transaction's cleanup, where events can compute their changes) instead of through
  // observeDeep: Yjs sorts a deep observer's events by `event.path`, which walks each parent
  // Y.Array from its first item (O(a record's index) per event), and builds that sorted list
  // for every transaction, the binding's own included. Depth is found by walking up instead.
  const observer = (txn: Y.Transaction) => {
    if (txn.origin === origin) return;
    const changed = txn.changedParentTypes.get(root) as Y.YEvent<YType>[] | undefined;
    if (!changed) return;
    const events = changed.filter((e) => !e.target._item?.deleted);
    if (events.length > 1) {
      const depth = new Map<Y.YEvent<YType>, number>();
      for (const e of events) {
        let d = 0;
        for (let t: YType = e.target; t._item; t = t._item.parent as YType) d++;
        depth.set(e, d);
      }
      events.sort((a, b) => depth.get(a)! - depth.get(b)!);
    }
    const as: Origin = txn.origin === undoManager ? 'local' : txn.origin === loadOrigin ? 'load' : 'remote';
    applying = true;
    try {
      transact(tracked, () => applyEvents(events, reg), { origin: as });
    } finally {
      applying = false;
    }
  };
  doc.on('afterTransaction', observer);
  bound.add(raw);
  let live = true;

  return {
    doc,
    origin,
    localOrigins: new Set<unknown>(undoManager ? [origin, undoManager, initOrigin] : [origin, initOrigin]),
    undo: () => history().undo() !== null,
    redo: () => history().redo() !== null,
    canUndo: () => undoManager?.canUndo() ?? false,
    canRedo: () => undoManager?.canRedo() ?? false,
    applyUpdate(update, as = 'remote') {
      try {
        if (!(update instanceof Uint8Array)) throw new TypeError('an update is a Uint8Array');
        // Decoding reads every struct and the delete set: garbage fails here, before any
        // part of it could have been integrated.
        Y.decodeUpdate(update);
      } catch (e) {
        throw new UpdateError(e);
      }
      Y.applyUpdate(doc, update, as === 'load' ? loadOrigin : remoteOrigin);
    },
    destroy() {
      if (!live) return;
      live = false;
      stopBatch();
      doc.off('afterTransaction', observer);
      undoManager?.destroy();
      bound.delete(raw);
    },
  };
}
