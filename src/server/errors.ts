// Errors the server throws to its caller (bad options, bad tokens, unreadable documents).
// Problems caused by a client never throw: they close that client's socket with a close code.
import { TinysyncError } from '../core/index.js';

/** A token was missing, malformed, badly signed, expired, or does not grant what was asked. */
export class TokenError extends TinysyncError {
  override name = 'TokenError';
  /** The HTTP status the server answers with: 401 (who are you?) or 403 (not allowed). */
  readonly status: 401 | 403;
  constructor(code: string, message: string, status: 401 | 403, doc?: string, options?: { cause?: unknown }) {
    super(code, `tinysync: ${message}`, doc === undefined ? [] : [doc], options);
    this.status = status;
  }
}

/** A document's stored log could not be read or applied; the document is not served. */
export class DocumentUnavailableError extends TinysyncError {
  override name = 'DocumentUnavailableError';
  constructor(doc: string, options?: { cause?: unknown }) {
    super('E_DOC_UNAVAILABLE', `tinysync: stored log of document "${doc}" cannot be loaded; not serving it`, [doc], options);
  }
}

/**
 * A document nests deeper than `GET /docs/<doc>` exports as JSON (its types and the plain
 * objects and arrays inside them). The HTTP answer is 422; the binary export still works.
 */
export class DocumentTooDeepError extends TinysyncError {
  override name = 'DocumentTooDeepError';
  constructor(type: string, limit: number) {
    super('E_DOC_TOO_DEEP', `tinysync: "${type}" nests deeper than ${limit} levels, too deep to export as JSON; fetch /docs/<doc>/update (one binary update) instead`, [type]);
  }
}

/** The persistence backend failed to store an update; the document is closed to stay consistent. */
export class PersistenceError extends TinysyncError {
  override name = 'PersistenceError';
  constructor(doc: string, what: string, options?: { cause?: unknown }) {
    super('E_PERSIST', `tinysync: could not ${what} for document "${doc}"`, [doc], options);
  }
}

/**
 * A client's update was refused before it touched the document: `E_UPDATE_INVALID` when it is
 * malformed in a way Yjs would only notice halfway through applying it, `E_UPDATE_HELD` when
 * too much would wait in memory for history the server lacks (limits.maxPendingBytes).
 * `reason` is the close reason the client is sent.
 */
export class UpdateRefusedError extends TinysyncError {
  override name = 'UpdateRefusedError';
  readonly reason: string;
  constructor(doc: string, code: 'E_UPDATE_INVALID' | 'E_UPDATE_HELD', reason: string, options?: { cause?: unknown }) {
    super(code, `tinysync: update to document "${doc}" refused: ${reason}`, [doc], options);
    this.reason = reason;
  }
}

/** An option of createSyncServer() or a CLI flag has a value the server cannot use. */
export class OptionError extends TinysyncError {
  override name = 'OptionError';
  constructor(option: string, message: string) {
    super('E_OPTION', `tinysync: ${option}: ${message}`, [option]);
  }
}

/** An HTTP request the server answers with an error status (404, 405, 413, ...). */
export class HttpError extends TinysyncError {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super('E_HTTP', message);
    this.status = status;
  }
}
