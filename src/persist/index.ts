// tinysync/file — a tracked structure persisted to a JSON or YAML file (Node).
export { close, flush, hold, reload, trackFile, unhold, type FlushPolicy, type TrackFileOptions } from './file-store.js';
export { FileChangedError, FileParseError, FileWriteError, LockRootError, NotAFileError, type FilePosition } from './errors.js';
export { MissingPackageError } from '../core/missing-package.js';
export { lock } from './lock.js';
