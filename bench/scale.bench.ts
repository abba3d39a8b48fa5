// Costs that must not grow with the data (issue 15), tinysync side by side with the reference
// in one run, ROUNDS rounds alternating who goes first; each row is the median with the range
// (min–max) across the rounds in results.json ("extra"):
// - one remote `list[j].done` change applied to a bound 100,000-record array, j = 10 / 50,000
//   / 99,990, vs raw Yjs applying the same update to a doc with an `observeDeep` handler that
//   reads each event's changes (both receive the same update bytes); each update is timed on
//   its own and a round's figure is the median of its 200 updates;
// - `bind()` of 100,000 records (and `track()` + `bind()`) vs raw Yjs building the same doc
//   (a root map holding a Y.Array of Y.Maps, in one transaction), CPU time and retained heap;
// - `snapshot()` after one change to a record of a 100,000-record array vs a plain `slice()` +
//   `Object.freeze` of that array, and the heap the snapshots leave once the app drops them.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshot, track } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { report, type BenchRow } from './harness.js';

const N = 100_000;
const ROUNDS = 7;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Card {
  id: number;
  title: string;
  done: boolean;
}
const cards = (): Card[] => Array.from({ length: N }, (_, i) => ({ id: i, title: `card ${i}`, done: false }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpu = (fn: () => void): number => {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** Samples per subject → one row each (median, range in `extra`). */
function rows(kase: string, unit: string, samples: Record<string, number[]>): BenchRow[] {
  return Object.entries(samples).map(([subject, xs]) => ({
    case: kase,
    subject,
    value: median(xs),
    unit,
    better: 'lower' as const,
    extra: { min: Math.min(...xs), max: Math.max(...xs), rounds: xs.length },
  }));
}

/** Prints "median (min–max)" per row, and each tinysync/reference ratio's range over rounds. */
function ranges(title: string, samples: Record<string, Record<string, number[]>>, baseline: string): void {
  console.log(`\n${title}`);
  for (const [kase, bySubject] of Object.entries(samples)) {
    const base = bySubject[baseline];
    for (const [subject, xs] of Object.entries(bySubject)) {
      const ratios = base && subject !== baseline ? xs.map((x, i) => x / base[i]!) : [];
      const r = ratios.length ? `  ratio ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×)` : '';
      console.log(`  ${kase} · ${subject}: ${median(xs).toPrecision(4)} (${Math.min(...xs).toPrecision(3)}–${Math.max(...xs).toPrecision(3)})${r}`);
    }
  }
}

describe('scale benchmarks (100,000 records)', () => {
  it('one remote field change: cost by position, vs raw Yjs observeDeep', () => {
    const K = 200; // updates per round and position
    const RAW = 'raw Yjs observeDeep';
    const TS = 'tinysync bind';
    const source = new Y.Doc();
    const list = new Y.Array<Y.Map<unknown>>();
    source.getMap('tinysync').set('list', list);
    list.push(
      cards().map((c) => {
        const m = new Y.Map<unknown>();
        for (const [k, v] of Object.entries(c)) m.set(k, v);
        return m;
      }),
    );
    const base = Y.encodeStateAsUpdate(source);
    const state = track({ list: [] as Card[] });
    const tsDoc = new Y.Doc();
    Y.applyUpdate(tsDoc, base);
    const binding = bind(state, tsDoc); // the doc holds data: it is loaded into the tree
    expect(state.list.length).toBe(N);
    const rawDoc = new Y.Doc();
    Y.applyUpdate(rawDoc, base);
    let seen = 0;
    rawDoc.getMap('tinysync').observeDeep((events) => {
      for (const e of events) seen += e.changes.keys.size;
    });

    const positions = [10, 50_000, 99_990];
    const samples: Record<string, Record<string, number[]>> = {};
    let flip = false;
    for (let r = 0; r <= ROUNDS; r++) {
      for (const j of positions) {
        const updates: Uint8Array[] = [];
        const keep = (u: Uint8Array) => updates.push(u);
        source.on('update', keep);
        for (let k = 0; k < K; k++) list.get(j).set('done', (flip = !flip));
        source.off('update', keep);
        const subjects: [string, (u: Uint8Array) => void][] = [
          [TS, (u) => binding.applyUpdate(u)],
          [RAW, (u) => Y.applyUpdate(rawDoc, u)],
        ];
        if (r % 2) subjects.reverse();
        const kase = `remote list[j].done change, j = ${j.toLocaleString('en-US')}`;
        for (const [subject, apply] of subjects) {
          // Each update timed on its own; the round's figure is their median, so that a
          // collection of this 100k-record heap landing in one of them does not count.
          const each: number[] = [];
          for (const u of updates) {
            const t0 = performance.now();
            apply(u);
            each.push((performance.now() - t0) * 1000);
          }
          if (r > 0) ((samples[kase] ??= {})[subject] ??= []).push(median(each)); // round 0 warms up
        }
        expect(state.list[j]!.done).toBe(flip);
      }
    }
    expect(seen).toBe((ROUNDS + 1) * positions.length * K);
    binding.destroy();
    const all = Object.entries(samples).flatMap(([kase, s]) => rows(kase, 'µs', s));
    ranges('remote change (µs per update): median (min–max)', samples, RAW);
    report('scale: remote change by position (vs raw Yjs observeDeep)', all, RAW);
    // The same rows by subject: each position's cost relative to j = 10.
    const first = `remote list[j].done change, j = 10`;
    report('scale: remote change by position (vs j = 10)', all.map((row) => ({ ...row, case: row.subject, subject: row.case })), first);
    const byPosition: Record<string, Record<string, number[]>> = {};
    for (const [kase, s] of Object.entries(samples)) byPosition[TS] = { ...byPosition[TS], [kase]: s[TS]! };
    ranges('tinysync: cost of j relative to j = 10', byPosition, first);
  }, 600_000);

  it('bind() of 100,000 records vs raw Yjs building the same doc: CPU time and heap', () => {
    const RAW = 'raw Yjs';
    const toMap = (c: Card) => {
      const m = new Y.Map<unknown>();
      m.set('id', c.id);
      m.set('title', c.title);
      m.set('done', c.done);
      return m;
    };
    const subjects: Record<string, (data: Card[]) => object> = {
      [RAW]: (data) => {
        const doc = new Y.Doc();
        doc.transact(() => {
          const list = new Y.Array<Y.Map<unknown>>();
          list.push(data.map(toMap));
          doc.getMap('tinysync').set('list', list);
        });
        return doc;
      },
      'tinysync bind()': (data) => {
        const state = track({ list: data });
        const doc = new Y.Doc();
        const t = cpu(() => bind(state, doc));
        return { doc, state, t };
      },
      'tinysync track() + bind()': (data) => {
        const state = track({ list: data });
        const doc = new Y.Doc();
        bind(state, doc);
        return { doc, state };
      },
    };
    const time: Record<string, Record<string, number[]>> = { 'build 100,000 records': {} };
    const mem: Record<string, Record<string, number[]>> = { 'heap held, 100,000 records': {} };
    const entries = Object.entries(subjects);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [subject, build] of [...entries.slice(r % entries.length), ...entries.slice(0, r % entries.length)]) {
        let data: Card[] | undefined = cards();
        const h0 = heap();
        let held: object | undefined;
        let t = cpu(() => (held = build(data!)));
        // bind() alone: the tracking of the data before it is not in its figure.
        if ('t' in held!) t = (held as { t: number }).t;
        data = undefined; // what stays is what the subject holds (track() copied the data)
        const h1 = heap();
        (time['build 100,000 records']![subject] ??= []).push(t);
        (mem['heap held, 100,000 records']![subject] ??= []).push((h1 - h0) / N);
        expect(held).toBeDefined();
        held = undefined;
      }
    }
    ranges('bind (ms CPU): median (min–max)', time, RAW);
    ranges('heap held (bytes per record): median (min–max)', mem, RAW);
    report('scale: bind 100,000 records (vs raw Yjs)', [...rows('bind 100,000 records', 'ms CPU', time['build 100,000 records']!), ...rows('heap held per record', 'B', mem['heap held, 100,000 records']!)], RAW);
  }, 600_000);

  it('snapshot() after one change vs plain slice() + freeze, and the heap snapshots leave behind', async () => {
    const K = 5;
    const PLAIN = 'plain slice() + freeze';
    const plain = cards();
    const state = track({ list: cards() });
    const before = heap();
    let kept = snapshot(state);
    const samples: Record<string, number[]> = {};
    for (let r = 0; r < ROUNDS * 3; r++) {
      const subjects: [string, () => void][] = [
        [PLAIN, () => { for (let k = 0; k < K; k++) { plain[(r * 7919 + k) % N]!.done = !plain[(r * 7919 + k) % N]!.done; kept = Object.freeze(plain.slice()) as never; } }],
        ['tinysync snapshot()', () => { for (let k = 0; k < K; k++) { const c = state.list[(r * 7919 + k) % N]!; c.done = !c.done; kept = snapshot(state); } }],
      ];
      if (r % 2) subjects.reverse();
      for (const [subject, run] of subjects) {
        const t0 = performance.now();
        run();
        (samples[subject] ??= []).push((performance.now() - t0) / K);
      }
      expect(snapshot(state).list[(r * 7919) % N]).toEqual(state.list[(r * 7919) % N]);
    }
    // What the cache keeps once the app lets go: the heap, and (more directly, since a heap
    // delta of a few MB is within V8's noise) how many of 1,000 sampled record copies live on.
    const sampled = Array.from({ length: 1000 }, (_, k) => new WeakRef((kept as unknown as { list: Card[] }).list[k * 100]!));
    kept = undefined as never;
    // A WeakRef's target lives at least until the current task ends (ECMAScript's
    // KeepDuringJob), as in an app, where snapshots are dropped between tasks: measure after one.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const retained = (heap() - before) / N;
    const alive = sampled.filter((w) => w.deref() !== undefined).length;
    expect(kept).toBeUndefined();
    ranges('snapshot after one change (ms): median (min–max)', { 'snapshot after one change, 100,000 records': samples }, PLAIN);
    console.log(`  heap left by dropped snapshots: ${retained.toFixed(1)} B per record; record copies still alive: ${alive} of 1,000 sampled`);
    report('scale: snapshot after one change (vs plain slice + freeze)', [
      ...rows('snapshot after one change, 100,000 records', 'ms', samples),
      { case: 'heap left once snapshots are dropped', subject: 'tinysync snapshot()', value: retained, unit: 'B per record', better: 'lower' },
      { case: 'record copies alive once snapshots are dropped', subject: 'tinysync snapshot()', value: alive / 10, unit: '%', better: 'lower' },
    ], PLAIN);
  }, 600_000);
});
