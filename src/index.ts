// The `tinysync` entry: what an application needs to track state. Diff, patch and revert are
// `tinysync/diff`; the hooks for writing bindings and persisters are `tinysync/extend` (kept
// out so that this entry stays within its 5 kB budget, package.json "sizeLimits").
export {
  AsyncTransactionError,
  isTracked,
  NotTrackedError,
  snapshot,
  subscribe,
  SubscriberError,
  TinysyncError,
  track,
  transact,
  ValueError,
  type Change,
  type ChangeOp,
  type Origin,
  type PathKey,
  type TrackOptions,
  type TransactOptions,
} from './core/index.js';
