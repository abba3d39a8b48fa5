import { formatPath, TinysyncError, type PathKey } from '../core/index.js';

/**
 * An op that does not apply to the patched value: its path leads nowhere, it does not fit the
 * kind of container there, or what is there is not the old value the op expects (the value
 * was not the `a` the ops were made from). `patch` and `revert` leave the target as it was.
 */
export class PatchError extends TinysyncError {
  override name = 'PatchError';
  constructor(op: string, path: PathKey[], why: string) {
    super('E_PATCH', `tinysync: cannot ${op} at ${formatPath(path)}: ${why}`, path);
  }
}
