// The parts of updates a room holds aside until the history they depend on arrives. Yjs keeps
// such parts itself (doc.store.pendingStructs / pendingDs), but merges every new one into them
// and re-applies them on every later update: work proportional to all that waits, per frame, so
// a burst of small frames with missing history costs the square of their number. The room
// instead takes them out of the doc after each apply and retries each one only when a client
// it waits for has advanced.
import * as Y from 'yjs';

/** One held-aside part: a Yjs v2 update, who sent it, and the first clock it lacks per client. */
export interface HeldPart<Sender> {
  update: Uint8Array;
  sender: Sender;
  /** Per client, the lowest clock the part waits for; it is retried once the doc has it. */
  waitsFor: Map<number, number>;
}

/** Bytes counted per part on top of its update, for the objects that hold it. */
const PART_OVERHEAD = 64;

/** What a room holds aside, bounded in bytes by its owner. */
export class HeldAside<Sender> {
  private parts = new Set<HeldPart<Sender>>();
  /** Bytes held: the parts' updates plus a fixed overhead each. */
  bytes = 0;

  get size(): number {
    return this.parts.size;
  }

  /**
   * Moves what the last Y.applyUpdate left pending in `doc` (structs and deletes whose history
   * is missing) into this set, attributed to `sender`. The doc is left with nothing pending,
   * so Yjs never merges nor retries parts itself.
   */
  take(doc: Y.Doc, sender: Sender): void {
    const { pendingStructs, pendingDs } = doc.store;
    doc.store.pendingStructs = null;
    doc.store.pendingDs = null;
    if (pendingStructs) this.add({ update: pendingStructs.update, sender, waitsFor: new Map(pendingStructs.missing) });
    if (pendingDs) {
      const waitsFor = new Map<number, number>();
      for (const [client, ranges] of Y.decodeUpdateV2(pendingDs).ds.clients) {
        waitsFor.set(client, ranges.reduce((min, r) => Math.min(min, r.clock), Infinity));
      }
      this.add({ update: pendingDs, sender, waitsFor });
    }
  }

  /**
   * Removes and returns a part whose awaited history `doc` now has (some client it waits for
   * reached the awaited clock), or undefined when none can make progress.
   */
  nextDue(doc: Y.Doc): HeldPart<Sender> | undefined {
    for (const part of this.parts) {
      for (const [client, clock] of part.waitsFor) {
        if (Y.getState(doc.store, client) > clock) {
          this.delete(part);
          return part;
        }
      }
    }
    return undefined;
  }

  /** Drops every part (the doc was rebuilt, or what waits grew past the bound). */
  clear(): void {
    this.parts.clear();
    this.bytes = 0;
  }

  private add(part: HeldPart<Sender>): void {
    this.parts.add(part);
    this.bytes += part.update.byteLength + PART_OVERHEAD;
  }

  private delete(part: HeldPart<Sender>): void {
    this.parts.delete(part);
    this.bytes -= part.update.byteLength + PART_OVERHEAD;
  }
}
