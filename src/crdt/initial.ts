// The starting state. If the doc already holds data it wins and is loaded into the tree.
// Otherwise the initial value is written under a client id derived from its content (and the
// root name), so every peer that starts offline from the same initial value writes the very
// same Yjs items: when they meet, Yjs sees one set of items, not two competing containers,
// and both sides' later edits (made under their own client ids) land in the same containers.
import * as Y from 'yjs';
import { escapeKey, fromY, linkTree, setElement, setKey, TAG, toY, unescapeKey, type Registry, type YType } from './convert.js';
import { spliceChunked } from './chunked.js';
import { isText } from './text.js';

/** True when the root type has ever held anything (deleted items count: that is data too). */
export function holdsData(root: YType): boolean {
  return root._start !== null || root._map.size > 0;
}

/**
 * A canonical text of a plain value: same value, same insertion order → same text. Maps,
 * Sets and texts become objects with one tag key starting with NUL; the keys of plain objects
 * that start with NUL get one more, so no plain value reads like a tagged one.
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const own = this[key];
    if (own instanceof Map) return { '\0M': [...(own as Map<string, unknown>)] };
    if (own instanceof Set) return { '\0S': [...own] };
    if (isText(own)) return { '\0T': v };
    if (typeof own !== 'object' || own === null || Array.isArray(own)) return v;
    return Object.fromEntries(Object.entries(own).map(([k, x]) => [escapeKey(k), x]));
  });
}

/** FNV-1a (32 bit) of the root name and the canonical initial value: the seed client id. */
export function seedClientId(name: string, value: unknown): number {
  const s = `${JSON.stringify(name)}=${canonical(value)}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Writes the tree's initial contents into the (empty) root type under the seed client id. */
export function writeInitial(doc: Y.Doc, root: YType, raw: object, name: string, reg: Registry, origin: unknown): void {
  const empty = Array.isArray(raw) ? raw.length === 0 : raw instanceof Map || raw instanceof Set ? raw.size === 0 : Object.keys(raw).length === 0;
  if (empty) return;
  const own = doc.clientID;
  doc.clientID = seedClientId(name, raw);
  try {
    doc.transact(() => {
      if (Array.isArray(raw)) {
        (root as Y.Array<unknown>).push(raw.map((v) => toY(v, reg)));
      } else if (raw instanceof Set) {
        for (const v of raw) (root as Y.Map<unknown>).set(setKey(v), true);
      } else if (raw instanceof Map) {
        for (const [k, v] of raw as Map<string, unknown>) (root as Y.Map<unknown>).set(escapeKey(k), toY(v, reg));
      } else {
        for (const k of Object.keys(raw)) (root as Y.Map<unknown>).set(escapeKey(k), toY((raw as Record<string, unknown>)[k], reg));
      }
    }, origin);
  } finally {
    doc.clientID = own;
  }
}

/** Replaces the tree's contents by the doc's (call inside a transact with origin 'load'). */
export function loadInto(proxy: object, raw: object, root: YType, reg: Registry): void {
  if (Array.isArray(proxy)) {
    const items = (root as Y.Array<unknown>).toArray();
    spliceChunked(proxy, 0, proxy.length, items.map(fromY));
  } else {
    const y = root as Y.Map<unknown>;
    if (proxy instanceof Set) {
      const wanted = new Set<unknown>();
      for (const k of y.keys()) {
        const el = setElement(k);
        if (el !== undefined) wanted.add(el);
      }
      for (const v of [...proxy]) if (!wanted.has(v)) proxy.delete(v);
      for (const v of wanted) proxy.add(v);
    } else if (proxy instanceof Map) {
      const m = proxy as Map<string, unknown>;
      for (const k of [...m.keys()]) if (!y.has(escapeKey(k))) m.delete(k);
      y.forEach((v, k) => {
        if (k !== TAG) m.set(unescapeKey(k), fromY(v));
      });
    } else {
      const o = proxy as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!y.has(escapeKey(k))) delete o[k];
      y.forEach((v, k) => {
        if (k !== TAG) o[unescapeKey(k)] = fromY(v);
      });
    }
  }
  linkTree(raw, root, reg);
}
