// The Yjs binding side by side with raw Yjs doing the same operations, crdt-benchmarks style
// (N = 6,000), in one run: every case runs ROUNDS times, alternating subjects on fresh docs,
// and the median CPU time of the process is reported (steadier than wall time when other jobs
// share the cores), with the encoded doc size (Y.encodeStateAsUpdate). Every doc gets the
// same client id, since the size of ids in the encoding would otherwise vary from run to run.
// Each subject's ratio to raw Yjs is also taken round by round and printed as median (range).
// - B1.1 append N items one by one; B1.2 insert N items at random positions; B1.3 delete N
//   items at random positions; B3.1 set N keys of one map; B3.3 set N string values on one
//   key; nested: N field sets on objects three levels deep. One operation = one transaction
//   on both sides (tinysync: a mutation outside transact(); raw: an automatic Y transaction).
// - Each of these also as "raw Yjs as bound": raw Yjs doing what the binding makes Yjs do (the
//   initial value under a seed client, each operation in a transaction with its own origin, an
//   afterTransaction listener), with no tinysync code: the floor of tinysync's ratio.
// - B3.3 also with an undo history on both sides (raw Y.UndoManager vs `undo: true`).
// - B1.4: N single pushes of small objects inside ONE transaction (raw: one doc.transact with
//   N `push` calls). Yjs walks the transaction's not-yet-merged items on every push, so the
//   raw loop is quadratic; the binding gathers the pushes into one insert.
// - B4: the automerge-paper editing trace (259,778 patches), each patch one transaction:
//   as splices of a tracked array of characters vs raw Y.Array (with plain-array splicing, the
//   tracked array without a binding, and with a no-op batch listener in its place, in the same
//   run, to show where the time goes), and
//   through a text() field vs raw Y.Text. The final content must equal the trace's endContent.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { track, transact } from 'tinysync';
import { onBatch } from 'tinysync/extend';
import { bind, text, type TrackedText } from 'tinysync/crdt';
import { report, type BenchRow } from './harness.js';

const N = 6000;
// 21, not 9: on the shared 2-core machine single rounds ranged 0.3-4x, and nine of them moved
// the median by 0.2x from run to run.
const ROUNDS = 21;
const CLIENT = 0x5eed1234;
const RAW = 'raw Yjs';
const TS = 'tinysync';
const BOUND = 'raw Yjs as bound';
/** A second client id, for the initial value (the binding writes it under a seed client). */
const SEED = 0x5eed5678;
// The shared data sits next to the repository: one level up from a checkout, two from a
// worktree under wt/.
const TRACE = ['../shared', '../../shared']
  .map((up) => resolve(fileURLToPath(new URL('..', import.meta.url)), up, 'data/editing-traces/automerge-paper.json.gz'))
  .find((path) => existsSync(path)) ?? '../shared/data/editing-traces/automerge-paper.json.gz';

/** A small deterministic PRNG so that both subjects get the same positions. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return (s >>> 0) % n;
  };
}

const size = (doc: Y.Doc) => Y.encodeStateAsUpdate(doc).byteLength;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Subject {
  /** Prepares a fresh doc (untimed); returns the timed work and a check of the result. */
  setup(): { run: () => void; doc: Y.Doc; done?: () => void };
}

async function measure(kase: string, subjects: Record<string, Subject>, rounds = ROUNDS): Promise<{ time: BenchRow[]; size: BenchRow[] }> {
  const times: Record<string, number[]> = {};
  const sizes: Record<string, number> = {};
  const entries = Object.entries(subjects);
  for (let r = 0; r < rounds; r++) {
    // Rotate who goes first: a run also pays for collecting the garbage of the run before it.
    for (const [name, subject] of [...entries.slice(r % entries.length), ...entries.slice(0, r % entries.length)]) {
      const { run, doc, done } = subject.setup();
      const before = process.cpuUsage();
      run();
      const used = process.cpuUsage(before);
      (times[name] ??= []).push((used.user + used.system) / 1000);
      sizes[name] = size(doc);
      done?.();
      doc.destroy();
    }
  }
  // Each round ran every subject: its ratio to raw Yjs in that round, median and range.
  const base = times[RAW];
  const spread = (t: number[]) => {
    if (!base || t === base) return undefined;
    const ratios = t.map((x, i) => x / base[i]!);
    return { ratioMedian: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), rounds };
  };
  for (const [subject, t] of Object.entries(times)) {
    const r = spread(t);
    if (r) console.log(`${kase} · ${subject}: ${r.ratioMedian.toFixed(2)}× raw Yjs (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}× over ${rounds} rounds)`);
  }
  return {
    time: Object.entries(times).map(([subject, t]) => ({ case: kase, subject, value: median(t), unit: 'ms CPU', better: 'lower' as const, ...(spread(t) ? { extra: spread(t)! } : {}) })),
    size: Object.entries(sizes)
      .filter(([subject]) => !subject.includes('no binding') && !subject.includes('no-op') && !subject.startsWith('plain') && subject !== BOUND)
      .map(([subject, value]) => ({ case: kase, subject, value, unit: 'bytes', better: 'lower' as const })),
  };
}

/** A raw Yjs doc with the same layout as a bound tree: root map "tinysync" holding `key`. */
function newDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = CLIENT;
  return doc;
}

function rawDoc<T>(key: string, type: T): { doc: Y.Doc; type: T } {
  const doc = newDoc();
  doc.getMap('tinysync').set(key, type);
  return { doc, type };
}

/**
 * Raw Yjs doing what the binding makes Yjs do, without any tinysync code: the initial container
 * written under a second client (the binding's seed client), every operation in a
 * `doc.transact` with an origin of its own, and an `afterTransaction` listener that returns on
 * that origin (the binding's observer of remote changes). What any binding with these
 * guarantees pays on top of raw Yjs: the floor of the ratio.
 */
function asBound<T>(key: string, type: T): { doc: Y.Doc; type: T; op: (fn: () => void) => void } {
  const doc = newDoc();
  doc.clientID = SEED;
  doc.getMap('tinysync').set(key, type);
  doc.clientID = CLIENT;
  const origin = { binding: 'tinysync' };
  doc.on('afterTransaction', (txn: Y.Transaction) => {
    if (txn.origin === origin) return;
  });
  return { doc, type, op: (fn) => doc.transact(fn, origin) };
}

function tracked<T extends object>(initial: T, undo = false): { doc: Y.Doc; state: T; done: () => void } {
  const state = track(initial);
  const doc = newDoc();
  const binding = bind(state, doc, { undo });
  return { doc, state, done: () => binding.destroy() };
}

const all: { time: BenchRow[]; size: BenchRow[] } = { time: [], size: [] };
const collect = (r: { time: BenchRow[]; size: BenchRow[] }) => {
  all.time.push(...r.time);
  all.size.push(...r.size);
};

describe('crdt benchmarks', () => {
  it('B1, B3 and nested: tinysync vs raw Yjs (N = 6,000)', async () => {
    collect(
      await measure('B1.1 append N items', {
        [RAW]: {
          setup: () => {
            const { doc, type } = rawDoc('list', new Y.Array<number>());
            return { doc, run: () => { for (let i = 0; i < N; i++) type.push([i]); } };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ list: [] as number[] });
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.list.push(i); } };
          },
        },
        [BOUND]: {
          setup: () => {
            const { doc, type, op } = asBound('list', new Y.Array<number>());
            return { doc, run: () => { for (let i = 0; i < N; i++) op(() => type.insert(type.length, [i])); } };
          },
        },
      }),
    );
    collect(
      await measure('B1.2 insert N items at random positions', {
        [RAW]: {
          setup: () => {
            const { doc, type } = rawDoc('list', new Y.Array<number>());
            const rand = prng(1);
            return { doc, run: () => { for (let i = 0; i < N; i++) type.insert(rand(type.length + 1), [i]); } };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ list: [] as number[] });
            const rand = prng(1);
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.list.splice(rand(state.list.length + 1), 0, i); } };
          },
        },
        [BOUND]: {
          setup: () => {
            const { doc, type, op } = asBound('list', new Y.Array<number>());
            const rand = prng(1);
            return { doc, run: () => { for (let i = 0; i < N; i++) op(() => type.insert(rand(type.length + 1), [i])); } };
          },
        },
      }),
    );
    collect(
      await measure(
        'B1.4 push N objects in one transaction',
        {
          [RAW]: {
            setup: () => {
              const { doc, type } = rawDoc('list', new Y.Array<Y.Map<number>>());
              return {
                doc,
                run: () =>
                  doc.transact(() => {
                    for (let i = 0; i < N; i++) {
                      const item = new Y.Map<number>();
                      item.set('id', i);
                      type.push([item]);
                    }
                  }),
              };
            },
          },
          [TS]: {
            setup: () => {
              const { doc, state, done } = tracked({ list: [] as { id: number }[] });
              return { doc, done, run: () => transact(state, () => { for (let i = 0; i < N; i++) state.list.push({ id: i }); }) };
            },
          },
        },
        5,
      ),
    );
    const full = () => Array.from({ length: N }, (_, i) => i);
    collect(
      await measure('B1.3 delete N items at random positions', {
        [RAW]: {
          setup: () => {
            // Prefilled under one client in one transaction, like the tracked initial value.
            const { doc, type } = rawDoc('list', Y.Array.from(full()));
            const rand = prng(2);
            return { doc, run: () => { for (let i = 0; i < N; i++) type.delete(rand(type.length), 1); } };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ list: full() });
            const rand = prng(2);
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.list.splice(rand(state.list.length), 1); } };
          },
        },
        [BOUND]: {
          setup: () => {
            const { doc, type, op } = asBound('list', Y.Array.from(full()));
            const rand = prng(2);
            return { doc, run: () => { for (let i = 0; i < N; i++) op(() => type.delete(rand(type.length), 1)); } };
          },
        },
      }),
    );
    collect(
      await measure('B3.1 set N keys in a map', {
        [RAW]: {
          setup: () => {
            const { doc, type } = rawDoc('map', new Y.Map<number>());
            return { doc, run: () => { for (let i = 0; i < N; i++) type.set(`k${i}`, i); } };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ map: {} as Record<string, number> });
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.map[`k${i}`] = i; } };
          },
        },
        [BOUND]: {
          setup: () => {
            const { doc, type, op } = asBound('map', new Y.Map<number>());
            return { doc, run: () => { for (let i = 0; i < N; i++) op(() => type.set(`k${i}`, i)); } };
          },
        },
      }),
    );
    collect(
      await measure('B3.3 set N string values on one key', {
        [RAW]: {
          setup: () => {
            const { doc, type } = rawDoc('map', new Y.Map<string>());
            return { doc, run: () => { for (let i = 0; i < N; i++) type.set('k', `value ${i}`); } };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ map: {} as Record<string, string> });
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.map.k = `value ${i}`; } };
          },
        },
        [BOUND]: {
          setup: () => {
            const { doc, type, op } = asBound('map', new Y.Map<string>());
            return { doc, run: () => { for (let i = 0; i < N; i++) op(() => type.set('k', `value ${i}`)); } };
          },
        },
        // With an undo history both keep every overwritten value (no garbage collection).
        [`${RAW} + UndoManager`]: {
          setup: () => {
            const { doc, type } = rawDoc('map', new Y.Map<string>());
            const um = new Y.UndoManager(type, { captureTimeout: 0 });
            return { doc, done: () => um.destroy(), run: () => { for (let i = 0; i < N; i++) type.set('k', `value ${i}`); } };
          },
        },
        [`${TS}, undo: true`]: {
          setup: () => {
            const { doc, state, done } = tracked({ map: {} as Record<string, string> }, true);
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.map.k = `value ${i}`; } };
          },
        },
      }),
    );
    collect(
      await measure('nested: N field sets three levels deep', {
        [RAW]: {
          setup: () => {
            const c = new Y.Map<number>();
            const b = new Y.Map<unknown>();
            const a = new Y.Map<unknown>();
            const { doc } = rawDoc('a', a);
            a.set('b', b);
            b.set('c', c);
            return { doc, run: () => { for (let i = 0; i < N; i++) c.set(`f${i % 10}`, i); } };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ a: { b: { c: {} as Record<string, number> } } });
            return { doc, done, run: () => { for (let i = 0; i < N; i++) state.a.b.c[`f${i % 10}`] = i; } };
          },
        },
        [BOUND]: {
          setup: () => {
            const c = new Y.Map<number>();
            const b = new Y.Map<unknown>();
            const a = new Y.Map<unknown>();
            b.set('c', c);
            a.set('b', b);
            const { doc, op } = asBound('a', a);
            return { doc, run: () => { for (let i = 0; i < N; i++) op(() => c.set(`f${i % 10}`, i)); } };
          },
        },
      }),
    );
  }, 120_000);

  it('B4: the automerge-paper trace as array splices and through text()', async () => {
    if (!existsSync(TRACE)) {
      console.log(`\nB4 skipped: ${TRACE} is missing (see /work/shared/data/editing-traces/README.md)`);
      return;
    }
    const trace = JSON.parse(gunzipSync(readFileSync(TRACE)).toString('utf8')) as {
      endContent: string;
      txns: { patches: [number, number, string][] }[];
    };
    const patches = trace.txns.flatMap((t) => t.patches);
    const array = await measure(
      'B4 trace as array splices',
      {
        [RAW]: {
          setup: () => {
            const { doc, type } = rawDoc('chars', new Y.Array<string>());
            return {
              doc,
              run: () => {
                for (const [pos, del, ins] of patches) {
                  doc.transact(() => {
                    if (del) type.delete(pos, del);
                    if (ins) type.insert(pos, [...ins]);
                  });
                }
                expect(type.toArray().join('')).toBe(trace.endContent);
              },
            };
          },
        },
        [TS]: {
          setup: () => {
            const { doc, state, done } = tracked({ chars: [] as string[] });
            return {
              doc,
              done,
              run: () => {
                for (const [pos, del, ins] of patches) state.chars.splice(pos, del, ...ins);
                expect(state.chars.join('')).toBe(trace.endContent);
              },
            };
          },
        },
        // The core's cost of building and delivering each Change, without the binding's work.
        'tinysync, no-op batch listener': {
          setup: () => {
            const state = track({ chars: [] as string[] });
            onBatch(state, () => {});
            return { doc: new Y.Doc(), run: () => { for (const [pos, del, ins] of patches) state.chars.splice(pos, del, ...ins); } };
          },
        },
        'tinysync, no binding': {
          setup: () => {
            const state = track({ chars: [] as string[] });
            return { doc: new Y.Doc(), run: () => { for (const [pos, del, ins] of patches) state.chars.splice(pos, del, ...ins); } };
          },
        },
        'plain array splice': {
          setup: () => {
            const chars: string[] = [];
            return {
              doc: new Y.Doc(),
              run: () => {
                for (const [pos, del, ins] of patches) chars.splice(pos, del, ...ins);
                expect(chars.join('')).toBe(trace.endContent);
              },
            };
          },
        },
      },
      1,
    );
    collect(array);
    collect(
      await measure(
        'B4 trace through text()',
        {
          [RAW]: {
            setup: () => {
              const { doc, type } = rawDoc('text', new Y.Text());
              return {
                doc,
                run: () => {
                  for (const [pos, del, ins] of patches) {
                    doc.transact(() => {
                      if (del) type.delete(pos, del);
                      if (ins) type.insert(pos, ins);
                    });
                  }
                  expect(type.toString()).toBe(trace.endContent);
                },
              };
            },
          },
          [TS]: {
            setup: () => {
              const { doc, state, done } = tracked({ text: text() as TrackedText });
              return {
                doc,
                done,
                run: () => {
                  const t = state.text;
                  for (const [pos, del, ins] of patches) t.splice(pos, del, ins);
                  expect(t.toString()).toBe(trace.endContent);
                },
              };
            },
          },
        },
        2,
      ),
    );
  }, 300_000);

  it('reports', () => {
    report('crdt: time, tinysync vs raw Yjs (median CPU ms)', all.time, RAW);
    report('crdt: encoded doc size, tinysync vs raw Yjs (bytes)', all.size, RAW);
  });
});
