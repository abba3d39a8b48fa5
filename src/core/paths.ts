import type { PathKey } from './change.js';

/** Renders a path the way it would be written in code: `todos[3].title`, `(root)` for `[]`. */
export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}
