import { TinysyncError, type PathKey } from '../core/index.js';

/**
 * Bytes handed to `binding.applyUpdate` that are not a valid Yjs update. Nothing was applied:
 * the tracked tree and the doc are as they were before the call.
 */
export class UpdateError extends TinysyncError {
  override name = 'UpdateError';
  constructor(cause: unknown) {
    super('E_UPDATE', `tinysync: malformed Yjs update (${cause instanceof Error ? cause.message : String(cause)}); nothing was applied`, [], { cause });
  }
}

/**
 * The tracked tree and the doc cannot be bound (a root of another kind already exists under
 * that name, the tree is already bound to this doc), or a change reached a container the
 * binding does not know (an internal inconsistency, reported rather than silently diverging).
 */
export class BindingError extends TinysyncError {
  override name = 'BindingError';
  constructor(message: string, path: PathKey[] = []) {
    super('E_BIND', `tinysync: ${message}`, path);
  }
}
