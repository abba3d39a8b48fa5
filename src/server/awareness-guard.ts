// Awareness (presence) updates from clients, checked before they reach a room's Awareness.
// y-protocols applies any entry from anyone: a client could overwrite or remove another
// client's presence and park megabytes in the server. Here each client id belongs to the
// connection that first announced it, a connection owns a bounded number of ids and bytes, and
// what is applied is re-encoded from checked JSON, so what the room relays is what it checked.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Awareness } from 'y-protocols/awareness';
import { TinysyncError } from '../core/index.js';
import type { AwarenessLimits } from './options.js';

/** Deepest nesting of a presence state: JSON.stringify recurses and would overflow the stack. */
export const MAX_AWARENESS_DEPTH = 64;

/** One entry of an awareness update: a client id, its clock, and its state as JSON text. */
export interface AwarenessEntry {
  clientID: number;
  clock: number;
  json: string;
}

/** A client's awareness update passed a limit (ids, bytes, frame size, nesting); the client is closed with 4013. */
export class AwarenessLimitError extends TinysyncError {
  override name = 'AwarenessLimitError';
  constructor(doc: string, message: string) {
    super('E_AWARENESS_LIMIT', `tinysync: awareness update on "${doc}": ${message}`, [doc]);
  }
}

/** A client's awareness update does not decode, or a state is not JSON; the client is closed with 1007. */
export class InvalidAwarenessError extends TinysyncError {
  override name = 'InvalidAwarenessError';
  constructor(doc: string, message: string, options?: { cause?: unknown }) {
    super('E_AWARENESS_INVALID', `tinysync: awareness update on "${doc}": ${message}`, [doc], options);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an awareness update (varUint count, then per entry varUint clientID, varUint clock,
 * varString JSON) without trusting any length in it: every read is checked against the bytes
 * that are there, and the update as a whole against `maxAwarenessFrameBytes`. The JSON is not
 * parsed here (entries for ids owned by others are dropped unread).
 */
export function decodeAwarenessEntries(update: Uint8Array, doc: string, limits: AwarenessLimits): AwarenessEntry[] {
  if (update.byteLength > limits.maxAwarenessFrameBytes) {
    throw new AwarenessLimitError(doc, `${update.byteLength} bytes, over the limit of ${limits.maxAwarenessFrameBytes}`);
  }
  const entries: AwarenessEntry[] = [];
  try {
    const decoder = decoding.createDecoder(update);
    const count = readCanonicalVarUint(decoder);
    // Each entry takes at least 3 bytes: a count beyond that is a lie, refused before looping.
    if (count > (update.byteLength - decoder.pos) / 3) throw new Error(`${count} entries cannot fit in ${update.byteLength} bytes`);
    for (let i = 0; i < count; i++) {
      const clientID = readCanonicalVarUint(decoder);
      const clock = readCanonicalVarUint(decoder);
      const length = readCanonicalVarUint(decoder);
      if (length > update.byteLength - decoder.pos) throw new Error('state runs past the end of the update');
      const json = utf8.decode(update.subarray(decoder.pos, decoder.pos + length));
      decoder.pos += length;
      entries.push({ clientID, clock, json });
    }
    if (decoder.pos !== update.byteLength) throw new Error('bytes after the last entry');
  } catch (err) {
    throw new InvalidAwarenessError(doc, 'does not decode', { cause: err });
  }
  return entries;
}

/**
 * A varUint in its shortest form. lib0 also reads padded forms (a last byte of 0 after
 * continuation bytes); refusing them keeps one byte sequence per update, so what the server
 * checked is byte for byte what it re-encodes and relays.
 */
function readCanonicalVarUint(decoder: decoding.Decoder): number {
  const start = decoder.pos;
  const n = decoding.readVarUint(decoder);
  if (decoder.pos - start > 1 && decoder.arr[decoder.pos - 1] === 0) throw new Error('varUint not in its shortest form');
  return n;
}

/** Encodes entries as one awareness update (the format y-protocols' applyAwarenessUpdate reads). */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientID);
    encoding.writeVarUint(encoder, e.clock);
    encoding.writeVarString(encoder, e.json);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * The states of `clients` (removed ones as `null`) as awareness updates of at most `maxBytes`
 * each, so a newcomer to a busy document gets many bounded frames instead of one huge one (and
 * a client that echoes what it receives, as y-websocket does, never sends back more than the
 * server accepts). An entry bigger than `maxBytes` goes alone in its update.
 */
export function encodeAwarenessChunks(awareness: Awareness, clients: Iterable<number>, maxBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let entries: AwarenessEntry[] = [];
  let bytes = 0;
  // Room for the entry count in front of the entries.
  const budget = maxBytes - 8;
  for (const clientID of clients) {
    const meta = awareness.meta.get(clientID);
    if (meta === undefined) continue;
    const json = JSON.stringify(awareness.states.get(clientID) ?? null);
    const size = 3 * 8 + Buffer.byteLength(json); // three varUints of at most 8 bytes, then the JSON
    if (entries.length > 0 && bytes + size > budget) {
      chunks.push(encodeAwarenessEntries(entries));
      entries = [];
      bytes = 0;
    }
    entries.push({ clientID, clock: meta.clock, json });
    bytes += size;
  }
  if (entries.length > 0) chunks.push(encodeAwarenessEntries(entries));
  return chunks;
}

/**
 * Who owns which awareness client id in one room, and how many bytes each owned state holds.
 * Ownership starts when a connection first announces an id with a state that the room would
 * take, and ends when that state leaves (its owner removed it, or it timed out) or the
 * connection goes (release()); until then other connections' entries for the id, removals
 * included, are dropped. One exception keeps a reconnecting device visible: its new connection
 * often announces its id before the server has noticed that the old one is dead. Such an entry
 * waits (if its clock is newer than the state the room has), and when the owner leaves, the id
 * passes to the last such connection that `mayTakeOver` accepts (the same token subject)
 * instead of being removed for everyone. So a connection's ids are its live states: a long-lived tab leader
 * that relays tabs as they open and close does not run into `maxAwarenessIds`.
 */
export class AwarenessOwners<O> {
  private readonly owners = new Map<number, { owner: O; owned: Set<number> }>();
  /** Bytes of the normalized JSON of each owned id's current state (absent: no state). */
  private readonly bytes = new Map<number, number>();

  /** Per id owned by one connection: the latest state another connection of its subject announced. */
  private readonly waiting = new Map<number, { owner: O; owned: Set<number>; entry: AwarenessEntry }>();

  constructor(
    private readonly awareness: Awareness,
    private readonly doc: string,
    private readonly limits: AwarenessLimits,
    private readonly mayTakeOver: (from: O, to: O) => boolean = () => false,
  ) {}

  /**
   * Filters a client's entries down to those it may apply: its own ids, or ids nobody owns,
   * and only entries the Awareness would take (newer clock). Claims the new ids for `owner`
   * (recorded in `owned`, the connection's set). Throws AwarenessLimitError (and claims
   * nothing) when the connection would own more ids or bytes than allowed, and
   * InvalidAwarenessError when a kept state is not JSON. The entries returned carry their state
   * re-serialized, which is what the room stores and relays.
   */
  admit(owner: O, owned: Set<number>, entries: readonly AwarenessEntry[]): AwarenessEntry[] {
    // One entry per id (the newest): later entries of an id would otherwise be judged against
    // the clock before the earlier ones were applied.
    const newest = new Map<number, AwarenessEntry>();
    for (const e of entries) {
      const seen = newest.get(e.clientID);
      if (seen === undefined || e.clock > seen.clock) newest.set(e.clientID, e);
    }
    const keep: AwarenessEntry[] = [];
    const claims: number[] = [];
    for (const e of newest.values()) {
      if (e.clientID === this.awareness.clientID) continue;
      const current = this.owners.get(e.clientID)?.owner;
      if (current !== undefined && current !== owner) {
        if (!this.mayTakeOver(current, owner)) continue;
        const json = this.normalize(e.json);
        // Only a newer clock: clients echo the states they receive (y-websocket does), and an
        // echo must not inherit the id of a peer that then leaves.
        if (json !== 'null' && this.applies(e.clientID, e.clock, false) && Buffer.byteLength(json) <= this.limits.maxAwarenessBytes) {
          this.waiting.set(e.clientID, { owner, owned, entry: { clientID: e.clientID, clock: e.clock, json } });
        } else if (this.waiting.get(e.clientID)?.owner === owner) this.waiting.delete(e.clientID);
        continue;
      }
      const json = this.normalize(e.json);
      if (!this.applies(e.clientID, e.clock, json === 'null')) continue;
      if (current === undefined) {
        // Nothing to remove for an id nobody owns; a removal never claims it.
        if (json === 'null') continue;
        claims.push(e.clientID);
      }
      keep.push({ clientID: e.clientID, clock: e.clock, json });
    }
    if (owned.size + claims.length > this.limits.maxAwarenessIds) {
      throw new AwarenessLimitError(this.doc, `a connection may own at most ${this.limits.maxAwarenessIds} client ids`);
    }
    const after = new Map<number, number>();
    for (const id of owned) after.set(id, this.bytes.get(id) ?? 0);
    for (const e of keep) after.set(e.clientID, e.json === 'null' ? 0 : Buffer.byteLength(e.json));
    let total = 0;
    for (const n of after.values()) total += n;
    if (total > this.limits.maxAwarenessBytes) {
      throw new AwarenessLimitError(this.doc, `states of one connection may hold at most ${this.limits.maxAwarenessBytes} bytes of JSON (got ${total})`);
    }
    for (const id of claims) {
      this.owners.set(id, { owner, owned });
      owned.add(id);
    }
    for (const e of keep) {
      if (e.json === 'null') this.bytes.delete(e.clientID);
      else this.bytes.set(e.clientID, Buffer.byteLength(e.json));
    }
    return keep;
  }

  /** A state left the Awareness (removed by its owner, timed out, or its owner left): the id is free. */
  removed(clientID: number): void {
    this.waiting.delete(clientID);
    this.owners.get(clientID)?.owned.delete(clientID);
    this.owners.delete(clientID);
    this.bytes.delete(clientID);
  }

  /**
   * The owner left: its ids are free again, or pass to a connection waiting for them (see the
   * class comment). Returns the entries of the new owners, which the caller applies; the states
   * of the other ids must be removed by the caller.
   */
  release(owner: O, owned: Iterable<number>): { to: O; entry: AwarenessEntry }[] {
    for (const [id, w] of this.waiting) if (w.owner === owner) this.waiting.delete(id);
    const handed: { to: O; entry: AwarenessEntry }[] = [];
    for (const id of owned) {
      if (this.owners.get(id)?.owner !== owner) continue;
      this.owners.delete(id);
      this.bytes.delete(id);
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      if (w === undefined || w.owned.size >= this.limits.maxAwarenessIds) continue;
      const size = Buffer.byteLength(w.entry.json);
      let total = size;
      for (const mine of w.owned) total += this.bytes.get(mine) ?? 0;
      if (total > this.limits.maxAwarenessBytes) continue;
      this.owners.set(id, { owner: w.owner, owned: w.owned });
      w.owned.add(id);
      this.bytes.set(id, size);
      handed.push({ to: w.owner, entry: w.entry });
    }
    return handed;
  }

  /** Mirrors applyAwarenessUpdate's test: a newer clock, or a removal at the same clock. */
  private applies(clientID: number, clock: number, isNull: boolean): boolean {
    const current = this.awareness.meta.get(clientID)?.clock ?? 0;
    return current < clock || (current === clock && isNull && this.awareness.states.has(clientID));
  }

  /** The state as the server will relay it: parsed, bounded in depth, serialized again. */
  private normalize(json: string): string {
    const depth = nestingDepth(json);
    if (depth > MAX_AWARENESS_DEPTH) throw new AwarenessLimitError(this.doc, `state nested ${depth} levels deep, over ${MAX_AWARENESS_DEPTH}`);
    try {
      return JSON.stringify(JSON.parse(json) as unknown);
    } catch (err) {
      throw new InvalidAwarenessError(this.doc, 'a state is not JSON', { cause: err });
    }
  }
}

/** Deepest bracket nesting of JSON text, brackets inside strings not counted. */
export function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
