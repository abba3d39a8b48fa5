// The check a writer's update passes before it may touch a room's document. Y.applyUpdate
// trusts its input: a change that names itself or a later change of its own client as its
// neighbour or parent makes it throw halfway (after taking in part of the update), a
// zero-length change or delete range leaves a document whose snapshot cannot be loaded, and
// changes whose history is missing wait in memory where Yjs retries them with work that grows
// with their number. One pass over the decoded update, against the document's state vector,
// finds all of these without touching the document.
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { UpdateRefusedError } from './errors.js';
import { scanSteps } from './scan-cost.js';

type Struct = Y.Item | Y.GC | Y.Skip;

/** One client's run of changes in an update, and how far the simulated integration got. */
interface ClientRun {
  structs: Struct[];
  /** Index of the first change not yet known to integrate. */
  next: number;
  /** The client's clock once the changes before `next` are integrated. */
  state: number;
  /** Set once a change of the run waits for missing history: it and all after it are held aside. */
  blocked: boolean;
}

/** Most bytes a delete range (client, clock, length) takes in an update, for the held-aside estimate. */
const DELETE_RANGE_BYTES = 24;
/** Most bytes of a client's header (client, first clock, count) in an update. */
const CLIENT_HEADER_BYTES = 24;

/** The close reason of an update refused because too much would wait for missing history. */
export const TOO_MUCH_HELD = 'update refused: too much would wait for history the server lacks (maxPendingBytes)';

/**
 * Most list steps Yjs's conflict resolution may take for one update (see scan-cost.ts); an
 * honest update takes a few per change. Yjs spends about a microsecond per step.
 */
export const MAX_SCAN_STEPS = 100_000;

/** The runs of an update, created on first use with the client's clock in the document. */
type Runs = (client: number) => ClientRun;

/**
 * Checks a writer's update against `doc` before it is applied, and throws UpdateRefusedError
 * (its `reason` is the close reason for the client) when the update is malformed in a way
 * Y.applyUpdate would only notice halfway, or when applying it would leave more than
 * `maxPendingBytes` held aside for missing history, counting the `heldBytes` already waiting. It
 * simulates Yjs's integration on clocks alone: each change needs its client's earlier changes,
 * and its left and right neighbours and parent either in the document or integrated earlier
 * from the update. Cost is linear in the update's size; the document is only read (its state
 * vector, per client met). `encoding_` is 'v2' for the parts Yjs itself held aside. Returns
 * the decoded update (read only), for checks that follow (path rules).
 */
export function checkUpdate(docName: string, doc: Y.Doc, update: Uint8Array, heldBytes: number, maxPendingBytes: number, encoding_: 'v1' | 'v2' = 'v1'): ReturnType<typeof Y.decodeUpdate> {
  const refuse = (reason: string, cause?: unknown): never => {
    throw new UpdateRefusedError(docName, 'E_UPDATE_INVALID', reason, cause === undefined ? undefined : { cause });
  };
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = encoding_ === 'v1' ? Y.decodeUpdate(update) : Y.decodeUpdateV2(update);
  } catch (err) {
    return refuse('invalid update', err);
  }
  const byClient = new Map<number, ClientRun>();
  const runs: Runs = (client) => {
    let run = byClient.get(client);
    if (run === undefined) {
      run = { structs: [], next: 0, state: Y.getState(doc.store, client), blocked: false };
      byClient.set(client, run);
    }
    return run;
  };
  let current: ClientRun | undefined;
  let currentClient = -1;
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    if (client !== currentClient || current === undefined) {
      // Yjs keeps only the last run of a client listed twice: what the check sees would differ.
      if (byClient.has(client)) refuse('invalid update: a client is listed twice');
      current = runs(client);
      currentClient = client;
    }
    if (!(struct.length >= 1) || !Number.isSafeInteger(clock + struct.length)) refuse('invalid update: a change of length 0 or beyond the largest clock');
    // A change is made after its neighbours and parent: one of its own client's at or after
    // its own clock is a forgery, and Yjs would look it up without checking it exists.
    if (struct instanceof Y.Item && (later(struct.origin, client, clock) || later(struct.rightOrigin, client, clock) || later(struct.parent, client, clock))) {
      refuse('invalid update: a change depends on itself or a later change');
    }
    current.structs.push(struct);
  }
  for (const [client, ranges] of decoded.ds.clients) {
    for (const { clock, len } of ranges) {
      if (!(len >= 1) || !Number.isSafeInteger(clock + len)) refuse('invalid update: an empty delete range or one beyond the largest clock');
    }
  }

  // What would be held aside, on top of what already waits: the changes of the runs that
  // block (measured by writing them again, as soon as a run blocks, so a flood of them is
  // refused early) and the delete ranges beyond what the document will then hold.
  let extra = heldBytes;
  const encoder = new Y.UpdateEncoderV1();
  const check = (): void => {
    if (extra + encoding.length(encoder.restEncoder) > maxPendingBytes) throw new UpdateRefusedError(docName, 'E_UPDATE_HELD', TOO_MUCH_HELD);
  };
  integrate([...byClient.values()], runs, (run) => {
    extra += CLIENT_HEADER_BYTES;
    for (let i = run.next; i < run.structs.length; i++) run.structs[i]!.write(encoder, 0);
    check();
  });
  for (const [client, ranges] of decoded.ds.clients) {
    const state = runs(client).state;
    for (const { clock, len } of ranges) if (clock + len > state) extra += DELETE_RANGE_BYTES;
    check();
  }

  const lookup = (id: Y.ID): Struct | undefined => {
    const structs = byClient.get(id.client)?.structs;
    if (!structs || structs.length === 0 || id.clock < structs[0]!.id.clock) return undefined;
    let lo = 0;
    let hi = structs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = structs[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return undefined;
  };
  const items = decoded.structs.filter((s): s is Y.Item => s instanceof Y.Item);
  if (scanSteps(doc, items, lookup, MAX_SCAN_STEPS) > MAX_SCAN_STEPS) {
    refuse('update refused: too costly to integrate (changes placed far from their neighbours)');
  }
  return decoded;
}

/** Whether `dep` (an ID, or a root type's name) is a change of `client` at or after `clock`. */
function later(dep: Y.ID | Y.AbstractType<any> | string | null, client: number, clock: number): boolean {
  return dep instanceof Y.ID && dep.client === client && dep.clock >= clock;
}

/**
 * Advances every run as far as Yjs would integrate it, marking the runs that stop at a missing
 * dependency as blocked. A change waiting for another client's change resumes that client
 * first (depth first, with an explicit stack); a cycle, a gap in a client's clocks, or a
 * dependency on a blocked client blocks every run on the stack, as Yjs then holds all of them
 * aside. Each step integrates one change or blocks a run, so the work is linear.
 */
function integrate(all: ClientRun[], runs: Runs, blocked: (run: ClientRun) => void): void {
  const onStack = new Set<ClientRun>();
  const stack: ClientRun[] = [];
  const blockStack = (): void => {
    for (const run of stack) {
      run.blocked = true;
      onStack.delete(run);
      blocked(run);
    }
    stack.length = 0;
  };
  for (const start of all) {
    if (start.blocked || start.next >= start.structs.length) continue;
    stack.push(start);
    onStack.add(start);
    while (stack.length > 0) {
      const run = stack[stack.length - 1]!;
      if (run.blocked || run.next >= run.structs.length) {
        stack.pop();
        onStack.delete(run);
        continue;
      }
      const struct = run.structs[run.next]!;
      if (struct instanceof Y.Skip) {
        // A gap inside the update: Yjs skips it without advancing the client's clock.
        run.next++;
        continue;
      }
      if (struct.id.clock > run.state) {
        blockStack();
        continue;
      }
      const waitingFor = struct instanceof Y.Item ? missingDependency(struct, runs) : null;
      if (waitingFor === null) {
        run.state = Math.max(run.state, struct.id.clock + struct.length);
        run.next++;
        continue;
      }
      if (waitingFor === 'never' || onStack.has(waitingFor)) {
        blockStack();
        continue;
      }
      stack.push(waitingFor);
      onStack.add(waitingFor);
    }
  }
}

/**
 * The run that must advance before `item` can integrate, null when nothing is missing, or
 * 'never' when a dependency is neither in the document nor anywhere ahead in the update.
 */
function missingDependency(item: Y.Item, runs: Runs): ClientRun | 'never' | null {
  return waitOn(item.origin, item, runs) ?? waitOn(item.rightOrigin, item, runs) ?? waitOn(item.parent, item, runs);
}

/** missingDependency for one of the item's dependencies (an ID; a root type's name needs nothing). */
function waitOn(dep: Y.ID | Y.AbstractType<any> | string | null, item: Y.Item, runs: Runs): ClientRun | 'never' | null {
  if (!(dep instanceof Y.ID) || dep.client === item.id.client) return null; // own client's: earlier, checked while reading
  const run = runs(dep.client);
  if (dep.clock < run.state) return null;
  if (run.blocked) return 'never';
  const last = run.structs[run.structs.length - 1];
  if (last === undefined || dep.clock >= last.id.clock + last.length) return 'never';
  return run;
}
