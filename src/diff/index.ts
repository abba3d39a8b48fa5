export { diff } from './diff.js';
export { PatchError } from './errors.js';
export type { AddOp, DeleteOp, DiscardOp, Op, SetOp, SpliceOp } from './ops.js';
export { patch, revert } from './patch.js';
