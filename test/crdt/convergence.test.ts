// Convergence fuzz, after Yjs's own randomized tests: three tracked replicas, each bound to
// its own Y.Doc, do random mutations of every kind (nested containers, transactions, some of
// which throw) while their updates travel with random delay, duplication and reordering, and
// replicas disconnect and reconnect, and undo / redo their own transactions. At the end every replica's snapshot equals every other's
// and equals its doc's JSON mapped back to Map / Set. FC_RUNS sets the number of runs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshot, transact } from 'tinysync';
import { isText, text, type TrackedText } from 'tinysync/crdt';
import { docValue, replica, type Replica } from './replicas.js';

type Root = { a: unknown[]; o: Record<string, unknown>; m: Map<string, unknown>; s: Set<unknown>; n: number; t: TrackedText };
const initial = (): Root => ({ a: [1, { x: 1 }], o: { p: [] }, m: new Map([['k', { deep: [1] }]]), s: new Set(['s']), n: 0, t: text('abc') });

const KEYS = ['a', 'b', 'c', '__proto__', '\u0000x', 'p'];

/** A value from an integer: primitives mostly, sometimes nested containers. */
function value(seed: number, depth = 0): unknown {
  const r = seed % 13;
  if (depth > 2 || r < 6) return [seed, `v${seed % 7}`, true, null, false, -seed / 4][r % 6];
  if (r < 8) return { [KEYS[seed % KEYS.length]!]: value(seed >> 3, depth + 1), z: seed % 3 };
  if (r < 10) return [value(seed >> 2, depth + 1), value(seed >> 4, depth + 1)];
  if (r < 11) return new Map([[`m${seed % 3}`, value(seed >> 3, depth + 1)]]);
  if (r < 12) return new Set([seed % 5, `e${seed % 3}`, null]);
  return seed % 2 ? {} : text(`t${seed % 10}`);
}

type Container = { kind: 'object' | 'array' | 'map' | 'set' | 'text'; ref: object };

function containers(root: object): Container[] {
  const out: Container[] = [];
  const visit = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      out.push({ kind: 'array', ref: v });
      for (const x of v) visit(x);
    } else if (v instanceof Map) {
      out.push({ kind: 'map', ref: v });
      for (const x of v.values()) visit(x);
    } else if (v instanceof Set) {
      out.push({ kind: 'set', ref: v });
    } else if (isText(v)) {
      out.push({ kind: 'text', ref: v });
    } else {
      out.push({ kind: 'object', ref: v });
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k]);
    }
  };
  visit(root);
  return out;
}

const byJSON = (x: unknown, y: unknown) => {
  const a = JSON.stringify(x) ?? '';
  const b = JSON.stringify(y) ?? '';
  return a < b ? -1 : a > b ? 1 : 0;
};

/** One random mutation of a random container, chosen by three integers. */
function mutate(state: Root, pick: number, op: number, arg: number): void {
  const all = containers(state);
  const c = all[pick % all.length]!;
  const key = KEYS[arg % KEYS.length]!;
  if (c.kind === 'object') {
    const o = c.ref as Record<string, unknown>;
    if (op % 4 === 0 && c.ref !== state) delete o[key];
    else if (c.ref === state) {
      // Replace a root field by a fresh container of the same kind, or bump the number.
      const f = (['a', 'o', 'm', 's', 'n', 't'] as const)[arg % 6]!;
      if (op % 3 !== 0 || f === 'n') state.n = arg;
      else if (f === 'a') state.a = [value(arg)];
      else if (f === 'o') state.o = { q: value(arg) };
      else if (f === 'm') state.m = new Map([['r', value(arg)]]);
      else if (f === 's') state.s = new Set([arg % 4]);
      else state.t = text(`new ${arg}`);
    } else o[key] = value(arg);
    return;
  }
  if (c.kind === 'map') {
    const m = c.ref as Map<string, unknown>;
    if (op % 5 === 0) m.clear();
    else if (op % 3 === 0) m.delete(`m${arg % 3}`);
    else m.set(`m${arg % 3}`, value(arg));
    return;
  }
  if (c.kind === 'text') {
    const t = c.ref as TrackedText;
    if (op % 3 === 0) t.delete(arg % (t.length + 1), 1 + (op % 3));
    else t.insert(arg % (t.length + 1), `${'xyz'[op % 3]}${arg % 10}`);
    return;
  }
  if (c.kind === 'set') {
    const s = c.ref as Set<unknown>;
    if (op % 7 === 0) s.clear();
    else if (op % 3 === 0) s.delete(arg % 5);
    else s.add(arg % 2 ? arg % 5 : `e${arg % 3}`);
    return;
  }
  const a = c.ref as unknown[];
  const at = a.length ? arg % (a.length + 1) : 0;
  switch (op % 13) {
    case 0:
      a.push(value(arg), value(arg >> 1));
      break;
    case 1:
      a.pop();
      break;
    case 2:
      a.shift();
      break;
    case 3:
      a.unshift(value(arg));
      break;
    case 4:
      a.splice(at, arg % 3, ...(arg % 2 ? [value(arg >> 2)] : []));
      break;
    case 5:
      a[Math.min(at, a.length)] = value(arg >> 1);
      break;
    case 6:
      a.length = Math.min(a.length, arg % 3);
      break;
    case 7:
      a.sort(byJSON);
      break;
    case 8:
      a.reverse();
      break;
    case 9:
      a.fill(value(arg), at % 3, at);
      break;
    case 10:
      a.copyWithin(arg % 2, at);
      break;
    case 11:
      a.sort();
      break;
    default:
      a.splice(at, 0, value(arg), value(arg + 1));
  }
}

// Array ops (codes of mutate) for bursts: mostly appends, with edits that join or end a run.
const BURST = [0, 0, 5, 12, 1, 0, 4, 3, 0, 7, 2, 0, 6, 8];

/**
 * Several edits of one array in one transaction: touching inserts are gathered into one Yjs
 * insert by the binding, other edits force the gathered run out first.
 */
function burst(state: Root, pick: number, op: number, arg: number): void {
  const arrays = containers(state).filter((c) => c.kind === 'array');
  const target = arrays[pick % Math.max(arrays.length, 1)]?.ref;
  if (!target) return;
  for (let i = 0; i < 8; i++) {
    const at = containers(state).findIndex((c) => c.ref === target);
    if (at < 0) return; // replaced by an earlier edit of this burst
    mutate(state, at, BURST[(op + i) % BURST.length]!, arg * (i + 1) + i);
  }
}

type Command = [kind: number, who: number, pick: number, op: number, arg: number];

class Network {
  readonly pending: { to: number; update: Uint8Array }[] = [];
  readonly online: boolean[];
  constructor(readonly replicas: Replica<Root>[]) {
    this.online = replicas.map(() => true);
    replicas.forEach((r, from) => {
      r.doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== r.binding.origin && origin !== (r.binding as unknown as { undoManager?: unknown }).undoManager) {
          if (this.receiving) return;
        }
        if (!this.online[from]) return;
        replicas.forEach((_, to) => {
          if (to !== from) this.pending.push({ to, update });
        });
      });
    });
  }
  receiving = false;
  deliver(i: number, keep = false): void {
    const msg = this.pending[i];
    if (!msg) return;
    if (!keep) this.pending.splice(i, 1);
    if (!this.online[msg.to]) return;
    this.receiving = true;
    try {
      this.replicas[msg.to]!.binding.applyUpdate(msg.update);
    } finally {
      this.receiving = false;
    }
  }
  sync(x: number, y: number): void {
    const [a, b] = [this.replicas[x]!, this.replicas[y]!];
    this.receiving = true;
    try {
      b.binding.applyUpdate(Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
      a.binding.applyUpdate(Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)));
    } finally {
      this.receiving = false;
    }
  }
  reconnect(r: number): void {
    if (this.online[r]) return;
    this.online[r] = true;
    this.replicas.forEach((_, o) => {
      if (o !== r && this.online[o]) this.sync(r, o);
    });
  }
}

export function run(commands: Command[], clientIds: readonly number[] = [1, 2, 3]): void {
  const replicas = clientIds.map((id) => {
    const doc = new Y.Doc();
    doc.clientID = id;
    return replica(initial(), { doc });
  });
  const net = new Network(replicas);
  try {
    for (const [kind, who, pick, op, arg] of commands) {
      const r = replicas[who % 3]!;
      const k = kind % 20;
      if (k < 8) {
        mutate(r.state, pick, op, arg);
      } else if (k < 10) {
        const before = r.updates.length;
        const snap = snapshot(r.state);
        expect(() =>
          transact(r.state, () => {
            mutate(r.state, pick, op, arg);
            mutate(r.state, arg, pick, op);
            if (k === 9) throw new Error('abort');
          }),
        ).toThrowErrorIf(k === 9);
        if (k === 9) {
          expect(r.updates.length).toBe(before);
          expect(snapshot(r.state)).toEqual(snap);
        } else expect(r.updates.length - before).toBeLessThanOrEqual(1);
      } else if (k < 15) {
        net.deliver(pick % Math.max(net.pending.length, 1));
      } else if (k < 16) {
        net.deliver(pick % Math.max(net.pending.length, 1), true);
      } else if (k < 17) {
        net.online[who % 3] = false;
      } else if (k < 18) {
        net.reconnect(who % 3);
      } else if (k < 19) {
        if (op % 3 === 0) r.binding.undo();
        else if (op % 3 === 1) r.binding.redo();
        else net.deliver(net.pending.length - 1);
      } else if (op % 2) {
        transact(r.state, () => {
          for (let i = 0; i < 3; i++) mutate(r.state, pick + i, op + i, arg * (i + 1));
        });
      } else {
        transact(r.state, () => burst(r.state, pick, op, arg));
      }
      // Locally, the doc always mirrors the tree.
      expect(docValue(r.doc)).toEqual(snapshot(r.state));
    }
    for (let i = 0; i < 3; i++) net.reconnect(i);
    while (net.pending.length) net.deliver(net.pending.length - 1);
    net.sync(0, 1);
    net.sync(1, 2);
    net.sync(0, 2);
    const expected = snapshot(replicas[0]!.state);
    if (process.env.DEBUG_BATCH) for (const r of replicas) console.log('FINAL', r.doc.clientID, JSON.stringify([...(snapshot(r.state).m as Map<string, unknown>)]), JSON.stringify(docValue(r.doc, 'map') as object, (_k, v: unknown) => (v instanceof Map ? [...v] : v)));
    for (const r of replicas) {
      expect(snapshot(r.state)).toEqual(expected);
      expect(docValue(r.doc)).toEqual(expected);
    }
  } finally {
    for (const r of replicas) r.destroy();
  }
}

declare module 'vitest' {
  interface Assertion {
    toThrowErrorIf(cond: boolean): void;
  }
}
expect.extend({
  toThrowErrorIf(received: () => void, cond: boolean) {
    let threw = false;
    try {
      received();
    } catch {
      threw = true;
    }
    return { pass: threw === cond, message: () => `expected ${cond ? '' : 'no '}throw` };
  },
});

const RUNS = Number(process.env.FC_RUNS ?? 300);

describe('convergence', () => {
  it(`three replicas converge under random ops, delay, duplication, reordering and disconnects (${RUNS} runs)`, () => {
    const nat = fc.nat(1 << 20);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(19), fc.nat(2), nat, nat, nat), { maxLength: 40 }),
        fc.uniqueArray(fc.nat(2 ** 31), { minLength: 3, maxLength: 3 }),
        (commands, clientIds) => run(commands as Command[], clientIds),
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
