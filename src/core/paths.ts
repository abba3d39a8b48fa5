import type { PathKey } from './change.js';

/** Renders a path the way it reads in code: `todos[3].title`, and `(root)` for `[]`. */
export function formatPath(path: readonly PathKey[]): string {
  return path.length ? path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('') : '(root)';
}
