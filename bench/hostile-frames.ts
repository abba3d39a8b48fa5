// The attack frames of the hostile-load benchmark (issue 11's attack classes), built before a
// run so that the attacker spends its time sending, not encoding. Every builder is seeded, so a
// run can be replayed.
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { message, prng, STEP1 } from '../test/server/frames.js';

// The frame builder and step 1 are shared with the server tests; the attack modules import them from here.
export { message, STEP1 };

/** An empty update (no structs, no deletions) as a 5-byte update frame. */
export const EMPTY_UPDATE = message(0, 2, Uint8Array.of(0, 0));

/** Issue 11's reproduction: an update that decodes, then throws halfway through applyUpdate. */
const ISSUE_REPRO = Buffer.from(
  '0107ec07002801026d34016101770162080103617272037d017d027601017a77013104010174016181ec07040084ec0706036465662701026d34066e6573746564012800ec070a01780175027d017d0a01ec07010502',
  'hex',
);

/** The content every attacked document starts with (a map, an array, text, nesting). */
export function seedUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('m').set('title', 'legitimate content');
  doc.getArray('a').insert(0, [1, 'two', { three: 3 }]);
  doc.getText('t').insert(0, 'hello world');
  const nested = new Y.Map<unknown>();
  doc.getMap('m').set('nested', nested);
  nested.set('deep', [1, 2, 3]);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** Whether `update` passes Yjs's decoder yet throws inside `Y.applyUpdate` on a doc holding `state`. */
function decodesButFails(update: Uint8Array, state: Uint8Array): boolean {
  try {
    Y.decodeUpdate(update);
  } catch {
    return false; // the point is an update that passes parsing
  }
  const scratch = new Y.Doc();
  Y.applyUpdate(scratch, state);
  try {
    Y.applyUpdate(scratch, update);
    return false;
  } catch {
    return true;
  } finally {
    scratch.destroy();
  }
}

/**
 * Class 1: sync step 2 frames whose update decodes but throws halfway through `Y.applyUpdate`
 * on a document holding {@link seedUpdate}: the issue's 86-byte reproduction under `variants`
 * fresh client ids (each one new to the server, so each is taken in again), then one-bit flips
 * of valid edits of the seed document, as many as `flipAttempts` tries find.
 */
export function failingUpdates(variants: number, flipAttempts: number, seed = 11): Uint8Array[] {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const seedState = seedUpdate();
  const variantFrames: Uint8Array[] = [];
  const flipFrames: Uint8Array[] = [];
  // The reproduction's client id, 1004, is the varuint ec 07; any id in 128..16383 is two bytes.
  const hex = ISSUE_REPRO.toString('hex');
  for (let id = 5000; variantFrames.length < variants && id < 16_000; id++) {
    const variant = Buffer.from(hex.replaceAll('ec07', Buffer.from([(id & 0x7f) | 0x80, id >> 7]).toString('hex')), 'hex');
    if (decodesButFails(variant, seedState)) variantFrames.push(message(0, 1, variant));
  }
  const seedVector = (() => {
    const d = new Y.Doc();
    Y.applyUpdate(d, seedState);
    const sv = Y.encodeStateVector(d);
    d.destroy();
    return sv;
  })();
  for (let attempt = 0; attempt < flipAttempts; attempt++) {
    const source = new Y.Doc();
    Y.applyUpdate(source, seedState);
    // New nested types filled in the same update: their items name their parent by id, the
    // kind of update whose flips most often decode and then fail (~4% of flips; plain sets ~0%).
    const sub = new Y.Map<unknown>();
    source.getMap('m').set(`sub${int(9)}`, sub);
    sub.set('x', int(9));
    const list = new Y.Array<unknown>();
    sub.set('list', list);
    list.insert(0, [int(9), 'y'.repeat(int(4))]);
    if (int(2)) source.getText('t').insert(int(11), 'zz');
    const update = Y.encodeStateAsUpdate(source, seedVector);
    source.destroy();
    const bit = int(update.length * 8);
    update[bit >> 3] = update[bit >> 3]! ^ (1 << (bit & 7));
    if (decodesButFails(update, seedState)) flipFrames.push(message(0, 2, update));
  }
  // Interleaved, so that an attack cut short by time still sends both kinds.
  const frames: Uint8Array[] = [];
  for (let i = 0; i < Math.max(variantFrames.length, flipFrames.length); i++) frames.push(...[variantFrames[i], flipFrames[i]].filter((f) => f !== undefined));
  return frames;
}

/**
 * Class 2: one update of `clients` clients, each inserting after an item of a client the server
 * never receives (every item's origin missing), then `followUps` small updates of the same kind
 * (a new client each, ~12–14 bytes).
 */
export function missingOriginUpdates(clients: number, followUps: number): { big: Uint8Array; small: Uint8Array[] } {
  const doc = new Y.Doc();
  doc.clientID = 1;
  doc.getText('t').insert(0, 'a'); // the struct the server never gets
  const withheld = Y.encodeStateVector(doc);
  doc.transact(() => {
    for (let c = 0; c < clients; c++) {
      doc.clientID = 1000 + c;
      doc.getText('t').insert(1, 'b');
    }
  });
  const big = message(0, 2, Y.encodeStateAsUpdate(doc, withheld));
  const small: Uint8Array[] = [];
  for (let c = 0; c < followUps; c++) {
    doc.clientID = 1000 + clients + c;
    const before = Y.encodeStateVector(doc);
    doc.getText('t').insert(1, 'c');
    small.push(message(0, 2, Y.encodeStateAsUpdate(doc, before)));
  }
  doc.destroy();
  return { big, small };
}

/** An awareness message (type 1) holding `entries` (state `null` removes the id). */
export function awarenessFrame(entries: { id: number; clock: number; state: unknown }[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { id, clock, state } of entries) {
    encoding.writeVarUint(e, id);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return message(1, encoding.toUint8Array(e));
}

/**
 * Class 3, the `i`-th frame of an awareness flood: in turn a ~1 MB state for a fresh id, a
 * fresh id's state... many small states under 20,000 fresh ids, and the legitimate clients'
 * ids (`victims`) overwritten or removed.
 */
export function awarenessFlood(i: number, victims: number[]): Uint8Array {
  const fresh = 1_000_000 + i * 100_000;
  switch (i % 4) {
    case 0:
    case 1:
      return awarenessFrame([{ id: fresh, clock: 1, state: { blob: 'x'.repeat(1_000_000) } }]);
    case 2:
      return awarenessFrame(Array.from({ length: 20_000 }, (_, k) => ({ id: fresh + k, clock: 1, state: { k } })));
    default:
      return awarenessFrame(victims.map((id) => ({ id, clock: 1000 + i, state: i % 8 === 3 ? null : { hijacked: i } })));
  }
}

/** Class 4: `count` updates of `bytes` each, every one replacing the same map entry. */
export function bigUpdates(count: number, bytes: number): Uint8Array[] {
  const doc = new Y.Doc();
  const frames: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => frames.push(message(0, 2, u)));
  for (let i = 0; i < count; i++) {
    doc.transact(() => {
      doc.getMap('big').set('blob', `${i}:${'x'.repeat(bytes)}`);
      doc.getMap('big').set('i', i);
    });
  }
  doc.destroy();
  return frames;
}

/** Class 5: a document of `structs` map entries (one struct each), as update frames of `perFrame` entries. */
export function manyStructs(structs: number, perFrame: number): Uint8Array[] {
  const doc = new Y.Doc();
  const frames: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => frames.push(message(0, 2, u)));
  for (let from = 0; from < structs; from += perFrame) {
    doc.transact(() => {
      for (let k = from; k < Math.min(structs, from + perFrame); k++) doc.getMap('many').set(`k${k}`, k);
    });
  }
  doc.destroy();
  return frames;
}

/** Class 4's document: two 500 KB strings (each step 1 with an empty state vector asks for ~1 MB). */
export function megabyteDocument(): Uint8Array[] {
  const doc = new Y.Doc();
  const frames: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => frames.push(message(0, 2, u)));
  doc.getMap('seed').set('a', 'a'.repeat(500_000));
  doc.getMap('seed').set('b', 'b'.repeat(500_000));
  doc.destroy();
  return frames;
}
