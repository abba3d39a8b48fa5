// Properties of the server's awareness decoder and ownership rules (the pieces the room tests in
// awareness.test.ts drive through sockets). FC_RUNS raises the number of runs (500 by default).
import fc from 'fast-check';
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  AwarenessLimitError,
  AwarenessOwners,
  decodeAwarenessEntries,
  encodeAwarenessEntries,
  InvalidAwarenessError,
  type AwarenessEntry,
} from '../../src/server/awareness-guard.js';
import { DEFAULT_LIMITS } from 'tinysync/server';
import { runs } from '../arbitraries.js';

const entry: fc.Arbitrary<AwarenessEntry> = fc.record({
  clientID: fc.nat({ max: 2 ** 32 - 1 }),
  clock: fc.nat({ max: 2 ** 32 - 1 }),
  json: fc.oneof(fc.json({ maxDepth: 3 }), fc.constant('null')),
});

describe('awareness decoder', () => {
  it('reads back exactly what was encoded', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        expect(decodeAwarenessEntries(encodeAwarenessEntries(entries), 'd', DEFAULT_LIMITS)).toEqual(entries);
      }),
      { numRuns: runs },
    );
  });

  it('on any bytes (random, truncated, bit-flipped) returns entries that encode back to those bytes, or throws one of its two errors', () => {
    const valid = fc.array(entry, { minLength: 1, maxLength: 4 }).map(encodeAwarenessEntries);
    const damaged = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      valid.chain((bytes) => fc.nat({ max: bytes.length - 1 }).map((n) => bytes.subarray(0, n))),
      valid.chain((bytes) =>
        fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 7 })).map(([i, bit]) => {
          const copy = bytes.slice();
          copy[i]! ^= 1 << bit;
          return copy;
        }),
      ),
    );
    fc.assert(
      fc.property(damaged, (bytes) => {
        // Inside a larger buffer, as ws hands frames over: a length must never reach past the view.
        const host = new Uint8Array(bytes.length + 16).fill(0x41);
        host.set(bytes, 8);
        const view = host.subarray(8, 8 + bytes.length);
        try {
          const entries = decodeAwarenessEntries(view, 'd', DEFAULT_LIMITS);
          expect(Buffer.from(encodeAwarenessEntries(entries)).equals(Buffer.from(bytes))).toBe(true);
        } catch (err) {
          expect(err instanceof InvalidAwarenessError || err instanceof AwarenessLimitError).toBe(true);
        }
      }),
      // Found by this property: a padded varUint (…, 0xb8, 0x00) reads as a shorter one; refused.
      { numRuns: runs, examples: [[Uint8Array.from([1, 252, 176, 152, 184, 0, 145, 135, 161, 247, 12, 2, 123, 125])]] },
    );
  });
});

describe('awareness ownership', () => {
  it('whatever three connections send, every state present came from its owner, and no connection owns more than allowed', () => {
    const limits = { ...DEFAULT_LIMITS, maxAwarenessIds: 2, maxAwarenessBytes: 200, maxAwarenessFrameBytes: 4096 };
    const step = fc.record({
      who: fc.nat({ max: 2 }),
      entries: fc.array(
        fc.record({
          clientID: fc.nat({ max: 4 }),
          clock: fc.nat({ max: 6 }),
          json: fc.oneof(fc.constant('null'), fc.json({ maxDepth: 2 })),
        }),
        { maxLength: 3 },
      ),
      leave: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        const doc = new Y.Doc();
        const awareness = new Awareness(doc);
        awareness.setLocalState(null);
        const owners = new AwarenessOwners<number>(awareness, 'd', limits);
        const owned = [new Set<number>(), new Set<number>(), new Set<number>()];
        /** Who last set each present state. */
        const setBy = new Map<number, number>();
        awareness.on('update', ({ removed }: { removed: number[] }) => {
          for (const id of removed) owners.removed(id);
        });
        for (const { who, entries, leave } of steps) {
          try {
            const kept = owners.admit(who, owned[who]!, entries);
            applyAwarenessUpdate(awareness, encodeAwarenessEntries(kept), who);
            for (const e of kept) if (e.json !== 'null') setBy.set(e.clientID, who);
          } catch (err) {
            expect(err instanceof AwarenessLimitError || err instanceof InvalidAwarenessError).toBe(true);
          }
          if (leave) {
            const ids = [...owned[who]!];
            owners.release(who, ids);
            owned[who]!.clear();
            removeAwarenessStates(awareness, ids, null);
          }
          for (const [id] of awareness.states) {
            if (id === awareness.clientID) continue;
            const owner = owned.findIndex((s) => s.has(id));
            expect(owner).toBe(setBy.get(id));
          }
          for (const s of owned) expect(s.size).toBeLessThanOrEqual(limits.maxAwarenessIds);
          expect(owned[0]!.size + owned[1]!.size + owned[2]!.size).toBe(new Set([...owned[0]!, ...owned[1]!, ...owned[2]!]).size);
        }
        awareness.destroy();
        doc.destroy();
      }),
      { numRuns: runs },
    );
  });
});
