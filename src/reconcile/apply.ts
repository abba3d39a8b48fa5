// datastoresync's `>>`: hand each action to the handler for its kind and branch.
import type { Action, ActionKind } from './action.js';
import { templateHandler, type Template } from './template.js';

/** Handles one action; may be async (apply awaits it before the next action). */
export type ActionHandler = (action: Action) => unknown;

/** For one kind of action: a handler for every branch, or one per branch name. */
export type KindHandlers = ActionHandler | { readonly [branch: string]: ActionHandler | undefined };

/** What apply() calls: `handlers.added.students(action)`, `handlers.changed(action)`, or `handlers.default(action)`. */
export interface Handlers {
  added?: KindHandlers;
  removed?: KindHandlers;
  changed?: KindHandlers;
  /** For actions that no kind / branch handler takes. */
  default?: ActionHandler;
}

/** What apply() did: every action lands in exactly one list, in order. */
export interface ApplyReport {
  applied: Action[];
  failed: { action: Action; error: unknown }[];
  /** Actions no handler was given for. */
  skipped: Action[];
}

function handlerFor(handlers: Handlers, kind: ActionKind, branch: string): ActionHandler | undefined {
  const forKind = handlers[kind];
  if (typeof forKind === 'function') return forKind;
  // Own properties only: a branch named "constructor" must not find Object's.
  if (forKind && Object.hasOwn(forKind, branch)) {
    const h = forKind[branch];
    if (typeof h === 'function') return h;
  }
  return handlers.default;
}

// An object with an `added`, `removed` or `changed` property is a Handlers record; anything
// else (a class instance, an object of `new_<branch>` methods) is a template.
function isHandlers(x: Handlers | Template): x is Handlers {
  return Object.hasOwn(x, 'added') || Object.hasOwn(x, 'removed') || Object.hasOwn(x, 'changed');
}

/**
 * Calls the handler of each action in order, awaiting async ones. `handlers` is either a
 * Handlers record (`handlers.added.students(action)`, then a handler for the whole kind, then
 * `handlers.default`) or a template (datastoresync's `>>`): an object or class instance whose
 * methods are named after the action (`new_students`, `old_students`,
 * `update_students_name` then `update_name`, then `default`), each called as a method with
 * the action. A handler that throws or rejects does not stop the others: the error is set on
 * the action (`action.error`) and the report lists what was applied, what failed (with the
 * error) and what had no handler.
 *
 * @example
 * const report = await apply(reconcile(csv, db), {
 *   added: { students: (a) => db.students.push({ ...a.left }) },
 *   changed: (a) => { const s = db.students.find((s) => s.id === a.id)!; s[a.attribute!] = a.to; },
 * });
 * if (report.failed.length) console.error(report.failed);
 */
export async function apply(actions: readonly Action[], handlers: Handlers | Template): Promise<ApplyReport> {
  const report: ApplyReport = { applied: [], failed: [], skipped: [] };
  const find = isHandlers(handlers) ? (a: Action) => handlerFor(handlers, a.kind, a.branch) : (a: Action) => templateHandler(handlers, a);
  for (const action of actions) {
    const handler = find(action);
    if (!handler) {
      report.skipped.push(action);
      continue;
    }
    try {
      await handler(action);
      report.applied.push(action);
    } catch (error) {
      action.error = error;
      report.failed.push({ action, error });
    }
  }
  return report;
}
