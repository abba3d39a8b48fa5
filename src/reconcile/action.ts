// The Action record and how one is worded for people (datastoresync's `>`).

/** An item's key: what matches an item of the source with one of the target. */
export type Id = string | number;

/** One item of a branch: a record of attributes. */
export type Item = { readonly [attribute: string]: unknown };

/**
 * An item as an action carries it: a record, or the class instance the branch held. Its values
 * are `any`, not `unknown`, so that `action.left as Student` compiles.
 */
export type ActionItem = { readonly [attribute: string]: any };

/** A branch: items in an array (each carrying its key), or a Map / object keyed by id. */
export type Branch = readonly Item[] | ReadonlyMap<string, Item> | { readonly [id: string]: Item };

/** What reconcile found: an item to add, one to remove, or one attribute to change. */
export type ActionKind = 'added' | 'removed' | 'changed';

/**
 * One difference between source and target:
 * - `added`: the item `left` is in the source only (`left` is always the source's side: the new
 *   object, as the source has it);
 * - `removed`: the item `right` is in the target only;
 * - `changed`: `attribute` differs between `left` (source) and `right` (target): it goes
 *   `from` the target's value `to` the source's. `from` is absent when the target lacks the
 *   attribute, `to` is absent when the source lacks it (the attribute is to be deleted).
 */
export interface Action {
  kind: ActionKind;
  branch: string;
  id: Id;
  attribute?: string;
  from?: unknown;
  to?: unknown;
  left?: ActionItem;
  right?: ActionItem;
  /** The action in words: `students/3: name "Ann" → "Anne"`. */
  message: string;
  /** Set by apply() when this action's handler threw or rejected: what it threw. */
  error?: unknown;
}

/** A value as it would be read in data: strings quoted, Maps and Sets spelled out. */
export function show(value: unknown): string {
  if (value instanceof Map) return `Map ${JSON.stringify(Object.fromEntries(value as Map<string, unknown>), replacer)}`;
  if (value instanceof Set) return `Set ${JSON.stringify([...(value as Set<unknown>)])}`;
  return JSON.stringify(value, replacer) ?? String(value);
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value as Map<string, unknown>);
  if (value instanceof Set) return [...(value as Set<unknown>)];
  return value;
}

/** The `message` of an action. */
export function wording(action: Omit<Action, 'message'>): string {
  const where = `${action.branch}/${action.id}`;
  if (action.kind === 'added') return `${where}: added`;
  if (action.kind === 'removed') return `${where}: removed`;
  if (!('from' in action)) return `${where}: ${action.attribute} set to ${show(action.to)}`;
  if (!('to' in action)) return `${where}: ${action.attribute} removed (was ${show(action.from)})`;
  return `${where}: ${action.attribute} ${show(action.from)} → ${show(action.to)}`;
}

const SIGN: Record<ActionKind, string> = { added: '+', removed: '-', changed: '~' };

/**
 * The actions as lines for people (datastoresync's `>`): `+` added, `-` removed, `~` changed.
 *
 * @example
 * console.log(describe(reconcile(source, target)).join('\n'));
 * // + students/7: added
 * // ~ students/3: name "Ann" → "Anne"
 */
export function describe(actions: readonly Action[]): string[] {
  return actions.map((a) => `${SIGN[a.kind]} ${a.message}`);
}
