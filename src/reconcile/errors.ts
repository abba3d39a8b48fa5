import { TinysyncError, type PathKey } from '../core/index.js';

/**
 * A branch reconcile() cannot read: an item without a usable key, two items with the same key,
 * a branch that is not an array, Map or object. `path` is `[side, branch, index]`.
 */
export class ReconcileError extends TinysyncError {
  override name = 'ReconcileError';
  constructor(code: 'E_RECONCILE_KEY' | 'E_RECONCILE_DUPLICATE' | 'E_RECONCILE_BRANCH', message: string, path: PathKey[]) {
    super(code, `tinysync: ${message}`, path);
  }
}

/** CSV text that does not parse (an unclosed quote, text after a closing quote, a short row). */
export class CsvError extends TinysyncError {
  override name = 'CsvError';
  readonly line: number;
  constructor(message: string, line: number) {
    super('E_CSV', `tinysync: CSV line ${line}: ${message}`, [line]);
    this.line = line;
  }
}
