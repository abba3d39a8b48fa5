// Per-path write rules: the pattern language of a token's `paths` claim, shared by the server
// (which enforces it on every update) and the browser store (which refuses a local write the
// server would refuse). A pattern is a JSON pointer whose segments may be `*` (one segment),
// `**` (one or more segments, last only) or hold `{sub}` (the token's subject). Array items have
// no stable position in a CRDT, so a path through an array names the item `*`.
import { TinysyncError } from './errors.js';

/** Most patterns one token may carry, and longest pattern: they are checked per update. */
export const MAX_PATH_PATTERNS = 64;
export const MAX_PATH_PATTERN_LENGTH = 512;

/** A `paths` claim or option that is not a list of valid patterns. */
export class PathPatternError extends TinysyncError {
  override name = 'PathPatternError';
  constructor(pattern: string, why: string) {
    super('E_PATH_PATTERN', `tinysync: path pattern ${JSON.stringify(pattern)}: ${why}`, [pattern]);
  }
}

/**
 * A write outside the paths the store's token allows: refused at the assignment, the store
 * unchanged, nothing sent. `path` is the path that may not be written.
 */
export class PermissionError extends TinysyncError {
  override name = 'PermissionError';
  constructor(path: readonly string[]) {
    super('E_PERMISSION', `tinysync: this token may not write ${formatPointer(path)}`, [...path]);
  }
}

type Segment = { kind: 'lit'; text: string } | { kind: 'one' } | { kind: 'rest' };

/** Compiled rules: which paths (segment lists, array items as `*`) a token may write. */
export interface PathRules {
  /** The patterns as given (before `{sub}` was replaced). */
  readonly patterns: readonly string[];
  /** Whether writing exactly `path` (a key set or deleted, an item inserted or removed) is allowed. */
  allows(path: readonly string[]): boolean;
  /** Whether every path strictly below `path` is allowed: what deleting a container there needs. */
  allowsBelow(path: readonly string[]): boolean;
}

/**
 * Checks a `paths` claim or option and returns it as a string array. Throws PathPatternError
 * for anything but a list of at most {@link MAX_PATH_PATTERNS} valid patterns: each starts with
 * `/`, uses only `~0`/`~1` escapes, has `*` and `**` as whole segments only, `**` last, and no
 * placeholder but `{sub}`.
 */
export function checkPathPatterns(paths: unknown): string[] {
  if (!Array.isArray(paths)) throw new PathPatternError(String(paths), 'paths must be an array of patterns such as "/cards/**"');
  if (paths.length > MAX_PATH_PATTERNS) throw new PathPatternError(String(paths[0]), `at most ${MAX_PATH_PATTERNS} patterns per token`);
  for (const p of paths) {
    const problem = patternProblem(p);
    if (problem !== null) throw new PathPatternError(typeof p === 'string' && p.length > 40 ? `${p.slice(0, 40)}...` : String(p), problem);
  }
  return [...(paths as string[])];
}

/**
 * Compiles patterns checked by {@link checkPathPatterns} for one token holder, with `{sub}`
 * replaced by `sub`. The rules answer in time linear in the number of patterns times the
 * path's length.
 */
export function compilePathRules(patterns: readonly string[], sub: string): PathRules {
  const compiled = patterns.map((p) => parsePattern(p, sub));
  const matchesPrefix = (segs: Segment[], path: readonly string[], n: number): boolean => {
    for (let i = 0; i < n; i++) {
      const s = segs[i]!;
      if (s.kind === 'lit' && s.text !== path[i]) return false;
    }
    return true;
  };
  return {
    patterns: [...patterns],
    allows(path) {
      return compiled.some((segs) => {
        const rest = segs.length > 0 && segs[segs.length - 1]!.kind === 'rest';
        const fixed = rest ? segs.length - 1 : segs.length;
        return (rest ? path.length > fixed : path.length === fixed) && matchesPrefix(segs, path, fixed);
      });
    },
    allowsBelow(path) {
      // Only a trailing `**` covers paths of any length; it must start at or above `path`.
      return compiled.some((segs) => segs.length > 0 && segs[segs.length - 1]!.kind === 'rest' && segs.length - 1 <= path.length && matchesPrefix(segs, path, segs.length - 1));
    },
  };
}

/** A path as a JSON pointer (`/cards/*\/title`), `~` and `/` in keys escaped. */
export function formatPointer(path: readonly string[]): string {
  return path.map((k) => '/' + k.replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Why `pattern` is not a valid pattern, or null: the checks behind {@link checkPathPatterns}. */
function patternProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string') return 'a pattern must be a string';
  if (pattern.length > MAX_PATH_PATTERN_LENGTH) return `longer than ${MAX_PATH_PATTERN_LENGTH} characters`;
  if (!pattern.startsWith('/')) return 'must start with "/" (a JSON pointer such as "/cards/**")';
  const raw = pattern.slice(1).split('/');
  for (const [i, seg] of raw.entries()) {
    if (seg === '**' && i !== raw.length - 1) return '"**" may only be the last segment';
    if (seg !== '*' && seg !== '**' && seg.includes('*')) return `"*" must be a whole segment, not part of ${JSON.stringify(seg)}`;
    if (/~[^01]|~$/.test(seg)) return 'a "~" must be followed by 0 or 1 (JSON pointer escapes ~0 and ~1)';
    if (seg.split('{sub}').some((part) => /[{}]/.test(part))) return 'the only placeholder is {sub}';
  }
  return null;
}

/** The segments of a checked pattern, `{sub}` replaced. Kept free of messages: browsers compile without checking. */
function parsePattern(pattern: string, sub: string): Segment[] {
  const raw = pattern.slice(1).split('/');
  return raw.map((seg, i): Segment => {
    if (seg === '**' && i === raw.length - 1) return { kind: 'rest' };
    if (seg === '*') return { kind: 'one' };
    return { kind: 'lit', text: seg.split('{sub}').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~')).join(sub) };
  });
}
