// The one error of tinysync/react: a write through a render view.
import { formatPath, TinysyncError, type PathKey } from '../core/index.js';

/**
 * A write (assignment, delete, mutating method) through a view returned by `useTracked`.
 * Views are read-only so that rendering never mutates state; write to the tracked object
 * itself (`source(view)` gives it back).
 */
export class ReadOnlyError extends TinysyncError {
  override name = 'ReadOnlyError';
  constructor(path: PathKey[]) {
    super('E_READ_ONLY', `tinysync: views are read-only; write ${formatPath(path)} through source(view)`, path);
  }
}
