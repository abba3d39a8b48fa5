// Test support shared by the server tests and the hostile-load benchmark: y-websocket frames
// built by hand (so a test can send what no real client would) and a seeded PRNG (so a run
// that fails on random input can be replayed exactly).
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * A y-websocket message: varuint numbers and varuint-length-prefixed byte arrays, in order.
 * `message(0, 2, update)` is a sync update frame, `message(0, 0, stateVector)` sync step 1,
 * `message(3)` query-awareness; anything else a test needs, malformed on purpose, is spelled the same way.
 */
export function message(...parts: (number | Uint8Array)[]): Uint8Array {
  const e = encoding.createEncoder();
  for (const p of parts) {
    if (typeof p === 'number') encoding.writeVarUint(e, p);
    else encoding.writeVarUint8Array(e, p);
  }
  return encoding.toUint8Array(e);
}

/** Sync step 1 with an empty state vector: "send me the whole document" in 4 bytes. */
export const STEP1 = message(0, 0, Y.encodeStateVector(new Y.Doc()));

/**
 * mulberry32: a small seeded PRNG returning floats in [0, 1). Tests and benchmarks use it
 * instead of Math.random so that a failing or surprising run can be replayed from its seed.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
