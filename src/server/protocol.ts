// The y-websocket wire format: a varuint message type, then a sync or awareness payload.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export const SYNC_STEP1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;

/** A decoded client message, or the reason it is not a valid one. */
export type ClientMessage =
  | { kind: 'step1'; stateVector: Uint8Array }
  | { kind: 'update'; update: Uint8Array; step2: boolean }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'query-awareness' };

/**
 * Splits a frame into its message; throws on anything that is not a well-formed y-websocket
 * message (unknown type, truncated payload). The Yjs payload itself is validated later.
 */
export function decodeMessage(frame: Uint8Array): ClientMessage {
  const decoder = decoding.createDecoder(frame);
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MESSAGE_SYNC: {
      const sub = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (sub === SYNC_STEP1) return { kind: 'step1', stateVector: payload };
      if (sub === SYNC_STEP2 || sub === SYNC_UPDATE) return { kind: 'update', update: payload, step2: sub === SYNC_STEP2 };
      throw new Error(`unknown sync message type ${sub}`);
    }
    case MESSAGE_AWARENESS:
      return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case MESSAGE_QUERY_AWARENESS:
      return { kind: 'query-awareness' };
    default:
      throw new Error(`unknown message type ${type}`);
  }
}

/** One frame: the message type, then what `write` puts after it. */
function frame(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** The server's opening message: its state vector, so the client answers with what the server lacks. */
export function encodeStep1(doc: Y.Doc): Uint8Array {
  return frame(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, doc));
}

/** The answer to a client's step 1: `update` holds everything the client's state vector lacks. */
export function encodeStep2(update: Uint8Array): Uint8Array {
  return frame(MESSAGE_SYNC, (e) => {
    encoding.writeVarUint(e, SYNC_STEP2);
    encoding.writeVarUint8Array(e, update);
  });
}

/** One update, as broadcast to the clients of a document. */
export function encodeUpdate(update: Uint8Array): Uint8Array {
  return frame(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update));
}

/** An awareness update (states of some clients, already encoded), as broadcast. */
export function encodeAwareness(update: Uint8Array): Uint8Array {
  return frame(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update));
}
