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

/** Characters that JSON.stringify escapes in a string (any surrogate: lone ones are escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * FNV-1a (32 bit) of the root name and a canonical text of the initial value: the seed
 * client id. Same value, same insertion order → same text. Maps, Sets and texts read as
 * objects with one tag key starting with NUL; the keys of plain objects that start with NUL
 * get one more, so no plain value reads like a tagged one. The text is exactly what
 * `JSON.stringify` gives for that tagged form (so seeds stay what they were), fed to the hash
 * piece by piece as the value is walked: building it with a replacer that rebuilt every
 * object, then hashing it, cost a third of `bind()`.
 */
export function seedClientId(name: string, value: unknown): number {
  let h = 0x811c9dc5;
  const feed = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  };
  // A value's JSON, fed without building it when nothing needs escaping (the common case):
  // no string allocated per key and per value of a large initial value.
  const json = (v: unknown): void => {
    if (typeof v === 'string' && !NEEDS_ESCAPE.test(v)) {
      feed('"');
      feed(v);
      feed('"');
    } else feed(typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
  };
  const list = (items: Iterable<unknown>, each: (item: unknown) => void): void => {
    let first = true;
    for (const item of items) {
      if (!first) feed(',');
      first = false;
      each(item);
    }
  };
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) json(v);
    else if (Array.isArray(v)) {
      feed('[');
      list(v, walk);
      feed(']');
    } else if (v instanceof Map) {
      feed('{"\\u0000M":[');
      list(v, (e) => {
        feed('[');
        json((e as [string, unknown])[0]);
        feed(',');
        walk((e as [string, unknown])[1]);
        feed(']');
      });
      feed(']}');
    } else if (v instanceof Set) {
      feed('{"\\u0000S":[');
      list(v, walk);
      feed(']}');
    } else if (isText(v)) {
      feed(`{"\\u0000T":${JSON.stringify(v.toString())}}`);
    } else {
      // Own keys in the engine's order (integer-like first), as JSON.stringify lists them.
      feed('{');
      list(Object.keys(v), (k) => {
        json(escapeKey(k as string));
        feed(':');
        walk((v as Record<string, unknown>)[k as string]);
      });
      feed('}');
    }
  };
  feed(`${JSON.stringify(name)}=`);
  walk(value);
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
