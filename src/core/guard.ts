// A per-tree check of local writes that runs when a mutation has been made and before anyone
// hears of it: a guard that throws undoes that mutation (the tree is as it was) and the throw
// reaches the assignment. The browser store uses it to refuse writes its token's path rules
// forbid. Trees without a guard pay one boolean test per write.
import type { ChangeOp, PathKey } from './change.js';
import { NotTrackedError } from './errors.js';
import { undo } from './rollback.js';
import { currentOrigin, type Entry } from './transact.js';
import type { Span } from './trie.js';
import { locate, toRaw, type Root } from './tree.js';

/** What a guard is shown: the write's path (ending with the key for set/delete), op, args and previous value. */
export interface GuardedWrite {
  path: PathKey[];
  op: ChangeOp;
  args: unknown[];
  previous: unknown;
}

/** Throws to refuse a local write; the write is then undone. */
export type WriteGuard = (write: GuardedWrite) => void;

const guards = new WeakMap<Root, WriteGuard>();
/** True once any tree has a guard: the only cost of guards for writes to unguarded trees. */
export let guarded = false;

/**
 * Sets (or with null removes) the guard of a tracked tree: called for every local write
 * (remote and load changes are not guarded) before it is delivered, it refuses the write by
 * throwing. The write is undone first, so the tree is unchanged; inside `transact` the throw
 * rolls the whole transaction back as any throw does.
 */
export function setWriteGuard(tracked: object, guard: WriteGuard | null): void {
  const loc = locate(toRaw(tracked));
  if (!loc || loc.path.length > 0) throw new NotTrackedError('the tree given to setWriteGuard() (a tracked root)');
  if (guard) {
    guards.set(loc.root, guard);
    guarded = true;
  } else guards.delete(loc.root);
}

/** Runs the guard of the tree `raw` is in, if any; undoes the write and rethrows when it refuses. */
export function checkWrite(raw: object, op: ChangeOp, args: unknown[], previous: unknown, key: PathKey | undefined, span: Span | undefined, at: number | undefined): void {
  if (currentOrigin() !== 'local') return;
  const loc = locate(raw, key);
  const guard = loc && guards.get(loc.root);
  if (!guard) return;
  try {
    guard({ path: loc.path, op, args, previous });
  } catch (err) {
    undo({ raw, op, args, previous, span, at } as Entry);
    throw err;
  }
}
