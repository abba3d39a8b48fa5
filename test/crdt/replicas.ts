// Test plumbing: bound replicas, update routing, and the doc's JSON mapped back to Map / Set.
import * as Y from 'yjs';
import { snapshot, track, type Change } from 'tinysync';
import { onBatch } from 'tinysync/extend';
import { bind, type Binding } from 'tinysync/crdt';

export interface Replica<T extends object> {
  state: T;
  doc: Y.Doc;
  binding: Binding;
  /** Every Change the tree delivered, in order. */
  changes: Change[];
  /** Every update the doc emitted for local changes. */
  updates: Uint8Array[];
  destroy(): void;
}

export function replica<T extends object>(initial: T, opts: { name?: string; doc?: Y.Doc; undo?: boolean } = {}): Replica<T> {
  const state = track(initial);
  const doc = opts.doc ?? new Y.Doc();
  const binding = bind(state, doc, { undo: opts.undo ?? true, ...(opts.name === undefined ? {} : { name: opts.name }) });
  const changes: Change[] = [];
  const updates: Uint8Array[] = [];
  const stop = onBatch(state, (batch) => {
    if (process.env.DEBUG_BATCH) console.log(batch.map((c) => [c.op, c.path, JSON.stringify(c.args)]));
    for (const c of batch) changes.push(c);
  });
  const onUpdate = (u: Uint8Array, origin: unknown) => {
    if (binding.localOrigins.has(origin)) updates.push(u);
  };
  doc.on('update', onUpdate);
  return {
    state,
    doc,
    binding,
    changes,
    updates,
    destroy() {
      stop();
      doc.off('update', onUpdate);
      binding.destroy();
      doc.destroy();
    },
  };
}

/** Two replicas of the same initial value, connected both ways synchronously. */
export function connectedPair<T extends object>(make: () => T): [Replica<T>, Replica<T>, () => void] {
  const a = replica(make());
  const b = replica(make());
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc));
  Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc));
  const ab = (u: Uint8Array, origin: unknown) => {
    if (a.binding.localOrigins.has(origin)) b.binding.applyUpdate(u);
  };
  const ba = (u: Uint8Array, origin: unknown) => {
    if (b.binding.localOrigins.has(origin)) a.binding.applyUpdate(u);
  };
  a.doc.on('update', ab);
  b.doc.on('update', ba);
  return [a, b, () => (a.destroy(), b.destroy())];
}

/** The doc's JSON with tagged maps turned back into Map / Set and escaped keys restored. */
export function fromDocJSON(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromDocJSON);
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const tag = obj['\u0000'];
  const unescape = (k: string) => (k.charCodeAt(0) === 0 ? k.slice(1) : k);
  if (tag === 'Set') return new Set(Object.keys(obj).filter((k) => k !== '\u0000').map((k) => JSON.parse(k) as unknown));
  if (tag === 'Map') return new Map(Object.keys(obj).filter((k) => k !== '\u0000').map((k) => [unescape(k), fromDocJSON(obj[k])]));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) {
    const key = unescape(k);
    if (key === '__proto__') Object.defineProperty(out, key, { value: fromDocJSON(obj[k]), enumerable: true, writable: true, configurable: true });
    else out[key] = fromDocJSON(obj[k]);
  }
  return out;
}

/**
 * What the doc holds under the root name, as a tracked tree would show it: `toJSON()` of
 * every type, mapped back to Map / Set. (Read type by type rather than with `doc.toJSON()`,
 * whose plain objects turn a "__proto__" key into a prototype.)
 */
export function docValue(doc: Y.Doc, kind: 'map' | 'array' = 'map', name = 'tinysync'): unknown {
  return fromDocJSON(toJSON(kind === 'map' ? doc.getMap(name) : doc.getArray(name)));
}

function toJSON(v: unknown): unknown {
  if (v instanceof Y.Array) return v.toArray().map(toJSON);
  if (v instanceof Y.Map) {
    const out: Record<string, unknown> = {};
    v.forEach((x, k) => Object.defineProperty(out, k, { value: toJSON(x), enumerable: true, writable: true, configurable: true }));
    return out;
  }
  if (v instanceof Y.Text) return v.toString();
  return v;
}

export { snapshot };
