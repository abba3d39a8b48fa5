export type { Change, ChangeOp, Origin, PathKey } from './change.js';
export { AsyncTransactionError, NotTrackedError, SubscriberError, TinysyncError, ValueError } from './errors.js';
export { formatPath } from './paths.js';
export { snapshot } from './snapshot.js';
export { onBatch, pathOf, subscribe } from './subscribe.js';
export { isTracked, track, type TrackOptions } from './track.js';
export { transact, type TransactOptions } from './transact.js';
export { ITERATE, setReadObserver, type ReadObserver } from './reads.js';
