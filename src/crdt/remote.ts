// Yjs → tracked: the events of a Y transaction made by anyone but this binding are applied to
// the tracked tree minimally: a changed key becomes one set / delete, an array delta becomes
// one splice per edited run. Containers that did not change keep their identity.
import { toTracked } from '../core/index.js';
import * as Y from 'yjs';
import { spliceChunked } from './chunked.js';
import { fromY, linkTree, setElement, TAG, unescapeKey, type Registry, type YType } from './convert.js';
import { isText } from './text.js';

type Tracked = Record<string | number, unknown>;

function applyArray(proxy: unknown[], raw: unknown[], event: Y.YEvent<Y.Array<unknown>>, reg: Registry, fresh: Set<YType>): void {
  let index = 0;
  let deleting = 0;
  let inserting: unknown[] = [];
  const flush = () => {
    if (deleting === 0 && inserting.length === 0) return;
    spliceChunked(proxy, index, deleting, inserting.map(fromY));
    for (const v of inserting) if (v instanceof Y.AbstractType) fresh.add(v as YType);
    for (let k = 0; k < inserting.length; k++) linkTree(raw[index + k], inserting[k], reg);
    index += inserting.length;
    deleting = 0;
    inserting = [];
  };
  for (const d of event.changes.delta) {
    if (d.retain !== undefined) {
      flush();
      index += d.retain;
    } else if (d.delete !== undefined) {
      deleting += d.delete;
    } else if (d.insert !== undefined) {
      for (const v of d.insert as unknown[]) inserting.push(v);
    }
  }
  flush();
}

function applyMap(proxy: object, raw: object, event: Y.YMapEvent<unknown>, reg: Registry, fresh: Set<YType>): void {
  const y = event.target;
  const tag = raw instanceof Set ? 'Set' : raw instanceof Map ? 'Map' : undefined;
  for (const k of event.keysChanged) {
    if (k === TAG) continue;
    const has = y.has(k);
    if (tag === 'Set') {
      const el = setElement(k);
      if (el === undefined) continue;
      if (has) (proxy as Set<unknown>).add(el);
      else (proxy as Set<unknown>).delete(el);
      continue;
    }
    const key = unescapeKey(k);
    const value: unknown = y.get(k);
    // A key whose winning value did not change (a concurrent write lost) keeps its subtree.
    if (has && value instanceof Y.AbstractType) {
      const current = tag === 'Map' ? (raw as Map<string, unknown>).get(key) : (raw as Tracked)[key];
      if (typeof current === 'object' && current !== null && reg.rawOf(value as YType) === current) continue;
      fresh.add(value as YType);
    }
    if (tag === 'Map') {
      if (!has) (proxy as Map<string, unknown>).delete(key);
      else {
        (proxy as Map<string, unknown>).set(key, fromY(value));
        linkTree((raw as Map<string, unknown>).get(key), value, reg);
      }
    } else if (!has) {
      delete (proxy as Tracked)[key];
    } else {
      (proxy as Tracked)[key] = fromY(value);
      linkTree((raw as Tracked)[key], value, reg);
    }
  }
}

function applyText(text: { splice(i: number, n: number, s: string): void }, event: Y.YTextEvent): void {
  let index = 0;
  for (const d of event.delta) {
    if (d.retain !== undefined) index += d.retain;
    else if (d.delete !== undefined) text.splice(index, d.delete, '');
    else if (typeof d.insert === 'string') {
      text.splice(index, 0, d.insert);
      index += d.insert.length;
    }
  }
}

function insideFresh(type: YType, fresh: Set<YType>): boolean {
  for (let t: YType | null = type; t; t = (t._item?.parent as YType | undefined) ?? null) if (fresh.has(t)) return true;
  return false;
}

/**
 * Applies the events of one Y transaction (sorted parents first by Yjs) to the tracked tree
 * linked with the observed root type in `reg`. Call inside `transact` on that tree.
 */
export function applyEvents(events: readonly Y.YEvent<YType>[], reg: Registry): void {
  // Y types copied whole into the tree in this application: events inside them are included.
  const fresh = new Set<YType>();
  for (const event of events) {
    const target = event.target;
    if (fresh.size && insideFresh(target, fresh)) continue;
    // The binding's own link, not `event.path`: Yjs computes a path by walking each parent
    // Y.Array from its first item, which made a remote edit cost O(its index).
    const raw = reg.rawOf(target);
    if (!raw) continue;
    const proxy = toTracked(raw);
    if (target instanceof Y.Array && Array.isArray(proxy)) {
      applyArray(proxy, raw as unknown[], event as Y.YEvent<Y.Array<unknown>>, reg, fresh);
    } else if (target instanceof Y.Map && !Array.isArray(proxy) && !isText(proxy)) {
      applyMap(proxy, raw, event as Y.YMapEvent<unknown>, reg, fresh);
    } else if (target instanceof Y.Text && isText(proxy)) {
      applyText(proxy, event as Y.YTextEvent);
    }
  }
}

