// tinysync/db — a tracked structure whose top-level keys are database rows, loaded lazily (Node).
export { close, dbStats, flush, hold, lock, trackDb, unhold } from './track-db.js';
export type { DbStats, TrackDbOptions } from './options.js';
export { DbError, NotADbError } from './errors.js';
export { MissingPackageError } from '../core/missing-package.js';
export type { RowCounters } from './rows.js';
