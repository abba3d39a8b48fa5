// WebSocket close codes the server uses. 1000–1011 are the standard ones; 4000–4999 are ours,
// so a client can tell "you may not write" from "the server broke" and stop retrying.

/** Close codes sent to sync clients, with the reason text that accompanies each. */
export const CloseCode = {
  /** The server is shutting down (SIGINT/SIGTERM or close()). Reconnect later. */
  GOING_AWAY: 1001,
  /** The frame is not a valid y-websocket message or its update could not be applied. */
  INVALID_MESSAGE: 1007,
  /** The frame is larger than `limits.maxMessageBytes` (sent by `ws` itself). */
  TOO_BIG: 1009,
  /** The server could not persist an update; the document was closed to stay consistent. */
  INTERNAL_ERROR: 1011,
  /** The connection's token expired while it was open. */
  TOKEN_EXPIRED: 4001,
  /** A client holding a read token sent a change, or one to a path its token's `paths` do not allow. The change was not applied. */
  READ_ONLY: 4003,
  /** The client did not read: what waited to be sent to it passed `limits.maxBufferedBytes`. Reconnect. */
  SLOW_READER: 4008,
  /** An awareness update passed a limit (ids or bytes per connection, bytes per frame, nesting). */
  AWARENESS_LIMIT: 4013,
  /** More sync step 1 / query-awareness requests than `limits.syncRequestBurst` waited for their turn. */
  RATE_LIMITED: 4029,
  /** The document's stored log cannot be loaded, so it is not served (its data is left untouched). */
  DOC_UNAVAILABLE: 4500,
  /**
   * The storage (PostgreSQL) cannot be reached: this client sent a change, which was not
   * applied, or its document is not loaded here. Reads go on; reconnect later, nothing is lost.
   */
  STORAGE_UNAVAILABLE: 4503,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
