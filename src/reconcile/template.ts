// datastoresync's templates: handler methods named after the action (`new_students`,
// `old_students`, `update_name`), and DefaultTemplate, whose fallback applies an action to a
// target tree so that a template only writes the methods that differ.
import type { Action } from './action.js';
import { ownRecord } from './reconcile.js';

/** A template: methods named `new_<branch>`, `old_<branch>`, `update_<attribute>`, `default`. */
export type Template = object;

type Method = (this: unknown, action: Action) => unknown;

// Object.prototype's own names are never handlers, whatever the branch or attribute is called.
function method(template: object, name: string): Method | undefined {
  if (name in Object.prototype) return undefined;
  const m = (template as Record<string, unknown>)[name];
  return typeof m === 'function' ? (m as Method) : undefined;
}

/** The template method an action goes to, bound to the template, or undefined. */
export function templateHandler(template: Template, action: Action): ((action: Action) => unknown) | undefined {
  const names =
    action.kind === 'added' ? [`new_${action.branch}`]
    : action.kind === 'removed' ? [`old_${action.branch}`]
    : [`update_${action.branch}_${action.attribute ?? ''}`, `update_${action.attribute ?? ''}`];
  for (const name of [...names, 'default']) {
    const m = method(template, name);
    if (m) return (a) => m.call(template, a);
  }
  return undefined;
}

/** Options of DefaultTemplate. */
export interface DefaultTemplateOptions {
  /** The key attribute of items in array branches (default `'id'`, as in reconcile). */
  key?: string;
  /** The record written for an added item (default: its own enumerable non-function properties). */
  toRecord?: (item: object, branch: string) => Record<string, unknown>;
}

/**
 * A template whose `default(action)` applies the action to `target` (a tree of branches,
 * tracked or plain): an added item's record is appended to an array branch or set under its
 * id in a Map / object branch (the branch is created as an array when missing), a removed item
 * is taken out, a changed attribute is set or deleted. Extend it and define only the methods
 * that do something else (`new_students(action)`), calling `this.default(action)` when they
 * want the plain behaviour too.
 */
export class DefaultTemplate {
  constructor(
    readonly target: object,
    readonly options: DefaultTemplateOptions = {},
  ) {}

  /** Applies the action to the target tree. */
  default(action: Action): void {
    const key = this.options.key ?? 'id';
    const tree = this.target as Record<string, unknown> | Map<string, unknown>;
    let branch = tree instanceof Map ? tree.get(action.branch) : Object.hasOwn(tree, action.branch) ? tree[action.branch] : undefined;
    if (branch === undefined) {
      if (action.kind !== 'added') return;
      if (tree instanceof Map) tree.set(action.branch, []);
      else Object.defineProperty(tree, action.branch, { value: [], enumerable: true, writable: true, configurable: true });
      branch = tree instanceof Map ? tree.get(action.branch) : tree[action.branch];
    }
    const same = (k: unknown) => String(k) === String(action.id);
    if (action.kind === 'added') {
      const left = action.left!;
      const record = this.options.toRecord ? this.options.toRecord(left, action.branch) : ownRecord(left);
      if (Array.isArray(branch)) branch.push(record);
      else if (branch instanceof Map) branch.set(action.id, record);
      else Object.defineProperty(branch, String(action.id), { value: record, enumerable: true, writable: true, configurable: true });
      return;
    }
    let item: Record<string, unknown> | undefined;
    if (Array.isArray(branch)) {
      const at = branch.findIndex((x: Record<string, unknown>) => same(x?.[key]));
      if (at < 0) return;
      if (action.kind === 'removed') {
        branch.splice(at, 1);
        return;
      }
      item = branch[at] as Record<string, unknown>;
    } else if (branch instanceof Map) {
      const k = [...branch.keys()].find(same);
      if (k === undefined) return;
      if (action.kind === 'removed') {
        branch.delete(k);
        return;
      }
      item = branch.get(k) as Record<string, unknown>;
    } else {
      const b = branch as Record<string, unknown>;
      if (!Object.hasOwn(b, String(action.id))) return;
      if (action.kind === 'removed') {
        delete b[String(action.id)];
        return;
      }
      item = b[String(action.id)] as Record<string, unknown>;
    }
    if (!item || action.attribute === undefined) return;
    if ('to' in action) Object.defineProperty(item, action.attribute, { value: action.to, enumerable: true, writable: true, configurable: true });
    else delete item[action.attribute];
  }
}
