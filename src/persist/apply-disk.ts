// Bringing a tracked tree to a new version (the file as it is on disk) with as few changes as
// possible, so that subscribers of untouched paths hear nothing. Run inside one transact with
// origin 'load' by the caller.
function kind(v: unknown): 'array' | 'map' | 'set' | 'object' | 'primitive' {
  if (typeof v !== 'object' || v === null) return 'primitive';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof Set) return 'set';
  return 'object';
}

/** Whether `into[key]` can be edited in place to become `next` (same kind of container). */
function mergeable(current: unknown, next: unknown): boolean {
  const k = kind(next);
  return k !== 'primitive' && kind(current) === k;
}

/** Edits the tracked container `target` until it holds the same data as the plain `next`. */
export function applyVersion(target: object, next: unknown): void {
  if (Array.isArray(target)) {
    const items = next as unknown[];
    const common = Math.min(target.length, items.length);
    for (let i = 0; i < common; i++) {
      const cur: unknown = target[i];
      if (mergeable(cur, items[i])) applyVersion(cur as object, items[i]);
      else if (cur !== items[i]) target[i] = items[i];
    }
    if (target.length > items.length) target.length = items.length;
    else if (items.length > common) target.push(...items.slice(common));
  } else if (target instanceof Map) {
    const entries = next as Map<string, unknown>;
    for (const key of [...target.keys()]) if (!entries.has(key)) target.delete(key);
    for (const [key, value] of entries) {
      const cur: unknown = target.get(key);
      if (target.has(key) && mergeable(cur, value)) applyVersion(cur as object, value);
      else if (!target.has(key) || cur !== value) target.set(key, value);
    }
  } else if (target instanceof Set) {
    const values = next as Set<unknown>;
    for (const v of [...target]) if (!values.has(v)) target.delete(v);
    for (const v of values) if (!target.has(v)) target.add(v);
  } else {
    const obj = target as Record<string, unknown>;
    const src = next as Record<string, unknown>;
    for (const key of Object.keys(obj)) if (!Object.hasOwn(src, key)) delete obj[key];
    for (const key of Object.keys(src)) {
      const cur = Object.hasOwn(obj, key) ? obj[key] : undefined;
      if (Object.hasOwn(obj, key) && mergeable(cur, src[key])) applyVersion(cur as object, src[key]);
      else if (!Object.hasOwn(obj, key) || cur !== src[key]) obj[key] = src[key];
    }
  }
}
