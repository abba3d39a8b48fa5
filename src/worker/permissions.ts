// The browser side of per-path write rules: the store reads its token's `paths` claim (without
// verifying it: the server does, this only spares the app a change the server would refuse)
// and refuses, at the assignment, a local write that touches a path outside them. "Touches"
// is what the server counts (see server/touched-paths.ts): the key or item written, every key
// inside a new value, and everything below a container that is deleted or overwritten.
import { compilePathRules, PermissionError, type GuardedWrite, type PathKey, type PathRules } from '../core/index.js';
import { isText } from '../crdt/index.js';

/**
 * The path rules of a token (its `paths` and `sub` claims), or null when it has none (it may
 * write everywhere) or cannot be read. The token is decoded, not verified.
 */
export function tokenRules(token: string | undefined): PathRules | null {
  const payload = token?.split('.')[1];
  if (payload === undefined) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as { paths?: unknown; sub?: unknown };
    if (!Array.isArray(claims.paths)) return null;
    // Not checked here: the server verified them when it issued the token, and decides anyway.
    const patterns = claims.paths.filter((p): p is string => typeof p === 'string' && p.startsWith('/'));
    return compilePathRules(patterns, typeof claims.sub === 'string' ? claims.sub : '');
  } catch {
    return null;
  }
}

const isContainer = (v: unknown): boolean => typeof v === 'object' && v !== null && !isText(v);

/** A Set member's key, as the binding writes it (crdt/convert.ts setKey). */
const memberKey = (v: unknown): string => JSON.stringify(v);

/**
 * `path` as the rules see it: array positions become `*` (an item has no stable index in a
 * CRDT), other keys strings. `root` is the tree's plain root, walked to tell arrays apart;
 * a numeric key past what exists counts as an array position too.
 */
export function rulePath(root: unknown, path: readonly PathKey[]): string[] {
  const out: string[] = [];
  let cur: unknown = root;
  for (const key of path) {
    const inArray = Array.isArray(cur) || (cur === undefined && typeof key === 'number');
    out.push(inArray ? '*' : String(key));
    cur = cur instanceof Map ? cur.get(key) : typeof cur === 'object' && cur !== null ? (cur as Record<PathKey, unknown>)[key] : undefined;
  }
  return out;
}

/**
 * The first path (as a rule path) a write touches that `rules` do not allow, or null. `root` is
 * the tree's plain root, with the write already made (the guard runs right after it).
 */
export function forbiddenWrite(root: unknown, write: GuardedWrite, rules: PathRules): string[] | null {
  const { op, args, previous } = write;
  const writes: string[][] = [];
  const below: string[][] = [];
  const written = (at: string[], value: unknown): void => {
    writes.push(at);
    if (isText(value) || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) for (const v of value) written([...at, '*'], v);
    else if (value instanceof Set) for (const v of value) writes.push([...at, memberKey(v)]);
    else if (value instanceof Map) for (const [k, v] of value) written([...at, String(k)], v);
    else for (const [k, v] of Object.entries(value)) written([...at, k], v);
  };
  const removed = (at: string[], old: unknown): void => {
    writes.push(at);
    if (isContainer(old)) below.push(at);
  };
  const at = (path: readonly PathKey[]): unknown => {
    let cur = root;
    for (const k of path) cur = cur instanceof Map ? cur.get(k) : typeof cur === 'object' && cur !== null ? (cur as Record<PathKey, unknown>)[k] : undefined;
    return cur;
  };
  // set/delete name the key in their path, except a Set's delete, whose path is the Set.
  const keyed = op === 'set' || (op === 'delete' && !(at(write.path) instanceof Set));
  const containerPath = keyed ? write.path.slice(0, -1) : write.path;
  const base = rulePath(root, containerPath);
  const container = at(containerPath);
  if (op === 'text') writes.push(base);
  else if (container instanceof Set) {
    if (op === 'clear') for (const v of previous as unknown[]) writes.push([...base, memberKey(v)]);
    else writes.push([...base, memberKey(args[0])]);
  } else if (Array.isArray(container)) {
    const item = [...base, '*'];
    const olds = op === 'set' || op === 'pop' || op === 'shift' ? [previous] : Array.isArray(previous) ? previous : [];
    const news = op === 'splice' ? args.slice(2) : op === 'push' || op === 'unshift' ? args : op === 'set' ? [args[1]] : op === 'pop' || op === 'shift' ? [] : container;
    writes.push(item);
    for (const old of olds) if (isContainer(old)) below.push(item);
    for (const v of news) written(item, v);
  } else if (op === 'clear') {
    for (const [k, old] of previous as [unknown, unknown][]) removed([...base, String(k)], old);
  } else {
    const slot = [...base, String(write.path[write.path.length - 1])];
    if (isContainer(previous)) below.push(slot);
    if (op === 'set') written(slot, args[1]);
    else writes.push(slot);
  }
  for (const p of writes) if (!rules.allows(p)) return p;
  for (const p of below) if (!rules.allowsBelow(p)) return [...p, '**'];
  return null;
}

/** Throws a PermissionError for a write `rules` forbid (used as the tree's write guard). */
export function guardWrites(root: () => unknown, rules: PathRules): (write: GuardedWrite) => void {
  return (write) => {
    const bad = forbiddenWrite(root(), write, rules);
    if (bad) throw new PermissionError(bad);
  };
}
