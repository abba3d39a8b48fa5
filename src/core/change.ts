/** One step of a path: an object key or Map key (string) or an array index (number). */
export type PathKey = string | number;

/** Who made a change: this replica, a peer (CRDT update), or loading stored state. */
export type Origin = 'local' | 'remote' | 'load';

/**
 * The kind of mutation. Collection methods keep their name (`push`, `splice`, `add`, ...);
 * property and Map writes are `set` / `delete`. Truncating `length` is reported as the
 * `splice` it amounts to.
 */
export type ChangeOp =
  | 'set' | 'delete' | 'clear' | 'add'
  | 'push' | 'pop' | 'shift' | 'unshift' | 'splice'
  | 'sort' | 'reverse' | 'fill' | 'copyWithin'
  /** An edit of an embedded collaborative text (tinysync/crdt `text()`): args `[index, deleteCount, inserted]`. */
  | 'text';

/**
 * A record of one mutation of a tracked tree.
 *
 * - `path`: where it happened. For `set` / `delete` it ends with the key that changed
 *   (`['todos', 3, 'done']`); for collection methods it is the collection (`['todos']`).
 * - `args`: the method's arguments, normalised: `set` → `[key, value]`, `delete` → `[key]`,
 *   `splice` → `[start, deleteCount, ...items]` with concrete numbers, `fill` →
 *   `[value, start, end]`, `copyWithin` → `[target, start, end]`, `sort` → `[compare?]`.
 *   Values are the stored plain values (copies of what was assigned), not proxies.
 * - `target`: the tracked collection the mutation was made on.
 * - `previous`: what the mutation replaced or removed: the old value for `set` / `delete`
 *   (absent when the key is new), the removed items for `pop` / `shift` / `splice` / `fill` /
 *   `copyWithin` (an array), the whole old contents for `sort` / `reverse` / `clear`.
 */
export interface Change {
  root: object;
  name?: string;
  path: PathKey[];
  op: ChangeOp;
  args: unknown[];
  target: object;
  previous?: unknown;
  origin: Origin;
}
