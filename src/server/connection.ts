// One client socket on one document, as the room sees it.
import type { WebSocket } from 'ws';
import type { Outbox } from './backpressure.js';
import { CloseCode } from './close-codes.js';
import type { PathRules } from '../core/index.js';
import type { Right } from './tokens.js';

/** A connected client: its socket, what its token allows, and the awareness ids it controls. */
export interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  readonly doc: string;
  readonly right: Right;
  readonly sub: string;
  /** The token's path rules, when it may write only some paths (checked on every update). */
  readonly rules?: PathRules | undefined;
  /** Awareness client ids this socket owns (announced first over it, state still present); removed when it closes. */
  readonly awarenessIds: Set<number>;
  /** Set once the socket is closing; queued messages of a closed client are dropped. */
  closed: boolean;
  /** Whether a pong came back since the last ping. */
  alive: boolean;
  /** Bounds what waits to be sent to this client; set when the room attaches it. */
  outbox?: Outbox;
}

/** Closes a client with a code and reason once; later calls do nothing. */
export function closeConn(conn: Conn, code: number, reason: string): void {
  if (conn.closed) return;
  conn.closed = true;
  // Close reasons are limited to 123 bytes by the protocol.
  conn.ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
}

/**
 * Sends a frame unless the socket is closing. A failed write surfaces as the socket's 'error'
 * and 'close' events, which detach the client, so no per-send callback is needed. A client
 * whose outgoing buffer is past its outbox's limit (it does not read) is closed with 4008
 * instead: the frame is dropped, and the client resyncs when it reconnects.
 */
export function sendTo(conn: Conn, frame: Uint8Array): void {
  if (conn.closed || conn.ws.readyState !== conn.ws.OPEN) return;
  const buffered = conn.ws.bufferedAmount;
  if (conn.outbox && !conn.outbox.admits(buffered, frame.byteLength)) {
    conn.outbox.onOverflow(buffered);
    closeConn(conn, CloseCode.SLOW_READER, 'outgoing buffer full: the client does not read fast enough');
    return;
  }
  conn.ws.send(frame);
}
