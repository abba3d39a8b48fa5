import { formatPath, TinysyncError, type PathKey } from '../core/index.js';

/** Where in a file a problem sits: 1-based line and column. */
export interface FilePosition {
  line: number;
  col: number;
}

function at(file: string, pos: FilePosition | undefined): string {
  return pos ? `${file}:${pos.line}:${pos.col}` : file;
}

/**
 * A file that does not parse, or holds something tinysync does not store (a value the value
 * rules refuse, a root of the wrong kind). Names the file and, when known, line and column.
 * The file is left exactly as it was.
 */
export class FileParseError extends TinysyncError {
  override name = 'FileParseError';
  readonly file: string;
  readonly line: number | undefined;
  readonly col: number | undefined;
  constructor(code: 'E_FILE_PARSE' | 'E_FILE_VALUE', file: string, pos: FilePosition | undefined, what: string, options?: { cause?: unknown }) {
    super(code, `tinysync: ${at(file, pos)}: ${what}`, [file], options);
    this.file = file;
    this.line = pos?.line;
    this.col = pos?.col;
  }
}

/**
 * The file was modified on disk by someone else since tinysync last read or wrote it. Nothing
 * was written: call `reload()` to take the disk version, or `flush(data, { overwrite: true })`
 * to replace it with the tracked one.
 */
export class FileChangedError extends TinysyncError {
  override name = 'FileChangedError';
  readonly file: string;
  constructor(file: string) {
    super('E_FILE_CHANGED', `tinysync: ${file} was changed on disk by another writer; not overwritten (reload() takes the disk version)`, [file]);
    this.file = file;
  }
}

/** Writing the file failed (disk full, permissions, ...). The changes stay pending. */
export class FileWriteError extends TinysyncError {
  override name = 'FileWriteError';
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super('E_FILE_WRITE', `tinysync: could not write ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, [file], { cause });
    this.file = file;
  }
}

/** `hold()`, `flush()`, ... were given something that is not the root returned by `trackFile()`, or a closed one. */
export class NotAFileError extends TinysyncError {
  override name = 'NotAFileError';
  constructor(fn: string) {
    super('E_NOT_FILE', `tinysync: ${fn}() takes the root returned by trackFile() (and the file must still be open)`);
  }
}

/** lock() was given a tracked value that is not the root of its tree (lock the root instead). */
export class LockRootError extends TinysyncError {
  override name = 'LockRootError';
  constructor(path: PathKey[]) {
    super('E_LOCK_ROOT', `tinysync: lock() takes the root of a tracked tree, not the value at ${formatPath(path)}`, path);
  }
}
