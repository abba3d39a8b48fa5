// The tracked core side by side with plain objects and its peers, in one run:
// - mutations (nested set, push, splice in the middle, Map set, Set add): plain, tinysync,
//   valtio (`valtio/vanilla` proxy, proxyMap / proxySet), solid-js createStore setters;
// - reading a nested field: plain, tinysync, valtio, mobx, solid-js; nested set and nested
//   read, whose aims sit close to a peer (≥ valtio, ≥ mobx), run in ROUNDS interleaved rounds and
//   report the median with each subject's ratio range to the peer;
// - one change with 10 vs 10,000 subscribers on other paths: tinysync subscribe() on sibling
//   keys, valtio subscribe() on sibling proxies;
// - one mutation in a store of 1,000 vs 1,000,000 items.
// Nobody observes the mutated values unless a case says so, so every library runs its bare
// write path. Each measured call performs BATCH operations, so that the timer's own cost does
// not flatten the ratios; figures are operations per second.
//
// Notes on the peers, printed with the tables:
// - solid-js: bench/vitest.config.ts points `solid-js` and `solid-js/store` at Solid's
//   production browser build (reactive, as apps ship it), not the development build that
//   vite-plugin-solid's conditions would pick, nor the inert server build; setters are used as
//   a Solid user would (path setters, `produce` for splice).
//   Solid stores do not wrap Map or Set, so Solid has no row there.
// - valtio: notifies subscribers asynchronously (one microtask per batch); the figures are the
//   synchronous cost of the mutation. With listeners only on sibling proxies, valtio schedules
//   nothing for the changed one, so its synchronous cost is the whole cost here.
import { describe, expect, it } from 'vitest';
import { configure as configureMobx, observable } from 'mobx';
import { createStore, produce } from 'solid-js/store';
import { proxy, subscribe as valtioSubscribe } from 'valtio/vanilla';
import { proxyMap, proxySet } from 'valtio/vanilla/utils';
import { subscribe, track } from 'tinysync';
import { opsPerSecond, report, timeOnce, type BenchRow } from './harness.js';

const BATCH = 100;
const TIME = 300;
const ROUNDS = 7;

// Writes outside actions are what this bench measures (mobx's bare write path).
configureMobx({ enforceActions: 'never' });

interface Item {
  id: number;
  label: string;
}
const item = (i: number): Item => ({ id: i, label: `item ${i}` });

/** Runs `op` BATCH times per measured call; reports operations (not calls) per second. */
async function measure(fns: Record<string, (i: number) => void>, batch = BATCH): Promise<Record<string, number>> {
  let n = 0;
  const batched = Object.fromEntries(
    Object.entries(fns).map(([name, op]) => [
      name,
      () => {
        for (let k = 0; k < batch; k++) op(n++);
      },
    ]),
  );
  const out = await opsPerSecond(batched, { time: TIME });
  return Object.fromEntries(Object.entries(out).map(([name, v]) => [name, v * batch]));
}

/**
 * measure() ROUNDS times (each round rotates who goes first): the median per subject, and each
 * subject's ratio to `peer` round by round as median and range.
 */
async function rounds(fns: Record<string, (i: number) => void>, peers: string[]): Promise<BenchRow[]> {
  const runs: Record<string, number>[] = [];
  const names = Object.keys(fns);
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...names.slice(r % names.length), ...names.slice(0, r % names.length)];
    runs.push(await measure(Object.fromEntries(order.map((n) => [n, fns[n]!]))));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return names.map((subject) => {
    const extra: Record<string, number> = { rounds: ROUNDS };
    for (const peer of peers) {
      const ratios = runs.map((run) => run[subject]! / run[peer]!);
      extra[`vs ${peer} median`] = median(ratios);
      extra[`vs ${peer} min`] = Math.min(...ratios);
      extra[`vs ${peer} max`] = Math.max(...ratios);
    }
    return { case: '', subject, value: median(runs.map((run) => run[subject]!)), unit: 'ops/s', better: 'higher' as const, extra };
  });
}

/** Prints each subject's round-by-round ratio to the peers (median and range). */
function printRanges(kase: string, all: BenchRow[], peers: string[]): void {
  for (const row of all) {
    if (!row.extra) continue;
    const parts = peers.filter((p) => p !== row.subject).map((p) => `${Number(row.extra![`vs ${p} median`]).toFixed(2)}× ${p} (${Number(row.extra![`vs ${p} min`]).toFixed(2)}–${Number(row.extra![`vs ${p} max`]).toFixed(2)}×)`);
    console.log(`${kase} · ${row.subject}: ${parts.join(', ')} over ${ROUNDS} rounds`);
  }
}

function rows(kase: string, figures: Record<string, number>): BenchRow[] {
  return Object.entries(figures).map(([subject, value]) => ({ case: kase, subject, value, unit: 'ops/s', better: 'higher' as const }));
}

const nested = () => ({ a: { b: { c: 0 } } });
const list1k = () => Array.from({ length: 1000 }, (_, i) => item(i));

describe('core benchmarks', () => {
  it('mutations: plain vs tinysync vs valtio vs solid-js', async () => {
    const all: BenchRow[] = [];

    {
      const plain = nested();
      const t = track(nested());
      const v = proxy(nested());
      const m = observable(nested());
      const [s, set] = createStore(nested());
      const r = await rounds(
        {
          plain: (i) => (plain.a.b.c = i),
          tinysync: (i) => (t.a.b.c = i),
          valtio: (i) => (v.a.b.c = i),
          mobx: (i) => (m.a.b.c = i),
          'solid-js': (i) => set('a', 'b', 'c', i),
        },
        ['valtio', 'mobx'],
      );
      expect([plain.a.b.c, t.a.b.c, v.a.b.c, m.a.b.c, s.a.b.c].every((x) => x > 0)).toBe(true);
      for (const row of r) row.case = 'nested set s.a.b.c = i';
      printRanges('nested set s.a.b.c = i', r, ['valtio', 'mobx']);
      all.push(...r);
    }

    {
      // Pushes into a list that is emptied every 1,000 items (amortised in the figure).
      const plain = { list: [] as Item[] };
      const t = track({ list: [] as Item[] });
      const v = proxy({ list: [] as Item[] });
      const [s, set] = createStore({ list: [] as Item[] });
      const r = await measure({
        plain: (i) => {
          if (plain.list.length >= 1000) plain.list = [];
          plain.list.push(item(i));
        },
        tinysync: (i) => {
          if (t.list.length >= 1000) t.list = [];
          t.list.push(item(i));
        },
        valtio: (i) => {
          if (v.list.length >= 1000) v.list = [];
          v.list.push(item(i));
        },
        'solid-js': (i) => {
          if (s.list.length >= 1000) set('list', []);
          set('list', s.list.length, item(i));
        },
      });
      expect([plain.list, t.list, v.list, s.list].every((l) => l.length > 0)).toBe(true);
      all.push(...rows('array push {id,label}', r));
    }

    {
      // Insert one item in the middle of a 1k list, then delete one there (length stays 1,000).
      const plain = { list: list1k() };
      const t = track({ list: list1k() });
      const v = proxy({ list: list1k() });
      const [s, set] = createStore({ list: list1k() });
      const r = await measure({
        plain: (i) => {
          plain.list.splice(500, 0, item(i));
          plain.list.splice(501, 1);
        },
        tinysync: (i) => {
          t.list.splice(500, 0, item(i));
          t.list.splice(501, 1);
        },
        valtio: (i) => {
          v.list.splice(500, 0, item(i));
          v.list.splice(501, 1);
        },
        'solid-js': (i) =>
          set(
            'list',
            produce((l) => {
              l.splice(500, 0, item(i));
              l.splice(501, 1);
            }),
          ),
      }, 1); // one op per call: valtio and Solid take milliseconds per splice here
      expect([plain.list, t.list, v.list, s.list].every((l) => l.length === 1000 && l[500]!.id >= 1000)).toBe(true);
      all.push(...rows('splice insert+delete, middle of 1k', r));
    }

    {
      const plain = new Map<string, number>();
      const t = track(new Map<string, number>());
      const v = proxyMap<string, number>();
      const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
      const r = await measure({
        plain: (i) => plain.set(keys[i % 100]!, i),
        tinysync: (i) => t.set(keys[i % 100]!, i),
        valtio: (i) => v.set(keys[i % 100]!, i),
      });
      expect([plain.size, t.size, v.size]).toEqual([100, 100, 100]);
      all.push(...rows('Map set (100 keys)', r));
    }

    {
      // New members each time; the Set is cleared every 1,000 adds (amortised).
      const plain = new Set<number>();
      const t = track(new Set<number>());
      const v = proxySet<number>();
      const r = await measure({
        plain: (i) => {
          if (plain.size >= 1000) plain.clear();
          plain.add(i);
        },
        tinysync: (i) => {
          if (t.size >= 1000) t.clear();
          t.add(i);
        },
        valtio: (i) => {
          if (v.size >= 1000) v.clear();
          v.add(i);
        },
      });
      expect([plain.size, t.size, v.size].every((x) => x > 0)).toBe(true);
      all.push(...rows('Set add', r));
    }

    report('core: mutations (vs plain)', all, 'plain');
    report('core: mutations (vs valtio)', all, 'valtio');
    report('core: nested set (vs mobx)', all.filter((row) => row.case.startsWith('nested set')), 'mobx');
  });

  it('reading a nested field: plain vs tinysync vs valtio vs mobx vs solid-js', async () => {
    const plain = nested();
    const t = track(nested());
    const v = proxy(nested());
    const m = observable(nested());
    const [s] = createStore(nested());
    let sink = 0;
    const all = await rounds(
      {
        plain: () => (sink += plain.a.b.c),
        tinysync: () => (sink += t.a.b.c),
        valtio: () => (sink += v.a.b.c),
        mobx: () => (sink += m.a.b.c),
        'solid-js': () => (sink += s.a.b.c),
      },
      ['valtio', 'plain'],
    );
    expect(sink).toBe(0);
    for (const row of all) row.case = 'read s.a.b.c';
    printRanges('read s.a.b.c', all, ['valtio', 'plain']);
    report('core: nested read (vs plain)', all, 'plain');
    report('core: nested read (vs valtio)', all, 'valtio');
  });

  it('one change with 10 vs 10,000 subscribers on other paths', async () => {
    const all: BenchRow[] = [];
    for (const count of [10, 10_000]) {
      const items = () => Object.fromEntries(Array.from({ length: count + 1 }, (_, i) => [`k${i}`, { v: 0 }]));
      const t = track({ items: items() });
      const v = proxy({ items: items() });
      let heard = 0;
      const stops: (() => void)[] = [];
      for (let j = 1; j <= count; j++) {
        stops.push(subscribe(t, ['items', `k${j}`, 'v'], () => heard++));
        stops.push(valtioSubscribe(v.items[`k${j}`]!, () => heard++));
      }
      const r = await measure({
        tinysync: (i) => (t.items.k0!.v = i),
        valtio: (i) => (v.items.k0!.v = i),
      });
      for (const stop of stops) stop();
      expect(heard).toBe(0);
      all.push(...rows(`change k0.v, ${count.toLocaleString('en-US')} subscribers elsewhere`, r));
    }
    {
      // For contrast, a subscriber on the changed field itself. tinysync calls it synchronously;
      // valtio only records the op and schedules a microtask, which runs between measured
      // calls (every BATCH changes) and is not in the figure: valtio's row is its synchronous cost.
      const t = track({ items: { k0: { v: 0 } } });
      const v = proxy({ items: { k0: { v: 0 } } });
      let tHeard = 0;
      let vHeard = 0;
      const stops = [subscribe(t, ['items', 'k0', 'v'], () => tHeard++), valtioSubscribe(v.items.k0, () => vHeard++)];
      const r = await measure({
        tinysync: (i) => (t.items.k0.v = i),
        valtio: (i) => (v.items.k0.v = i),
      });
      await Promise.resolve();
      for (const stop of stops) stop();
      expect(tHeard).toBeGreaterThan(0);
      expect(vHeard).toBeGreaterThan(0);
      all.push(...rows('change k0.v, 1 subscriber on it (valtio: sync part)', r));
    }
    // Ratios within each library: the 10,000-subscriber case relative to the 10-subscriber case.
    const cases = [...new Set(all.map((r) => r.case))];
    const scaled = all.map((r) => ({ ...r, case: r.subject, subject: r.case }));
    report('core: subscribers on other paths (by library)', scaled, cases[0]!);
    report('core: subscribers on other paths (vs valtio)', all, 'valtio');
  });

  it('one mutation in a store of 1,000 vs 1,000,000 items', async () => {
    const all: BenchRow[] = [];
    for (const size of [1000, 1_000_000]) {
      const make = () => ({ items: Array.from({ length: size }, (_, i) => ({ id: i, n: 0 })) });
      // The same 100 items, spread over the whole store, are written in turn.
      const at = Array.from({ length: 100 }, (_, k) => Math.floor((k * size) / 100));
      const plain = make();
      let t = track({ items: [] as { id: number; n: number }[] });
      let v = proxy({ items: [] as { id: number; n: number }[] });
      const setup = { track: await timeOnce(() => (t = track(make()))), proxy: await timeOnce(() => (v = proxy(make()))) };
      const r = await measure({
        plain: (i) => (plain.items[at[i % 100]!]!.n = i),
        tinysync: (i) => (t.items[at[i % 100]!]!.n = i),
        valtio: (i) => (v.items[at[i % 100]!]!.n = i),
      });
      // The same tree again, now with a subscriber on every item's field.
      let heard = 0;
      const stop = subscribe(t, ['items', '*', 'n'], () => heard++);
      Object.assign(r, await measure({ 'tinysync + subscriber': (i) => (t.items[at[i % 100]!]!.n = i) }));
      stop();
      expect(heard).toBeGreaterThan(0);
      const kase = `items[j].n = i, ${size.toLocaleString('en-US')} items`;
      all.push(
        ...rows(kase, r).map((row) =>
          row.subject === 'tinysync' ? { ...row, extra: { setupMs: setup.track } } : row.subject === 'valtio' ? { ...row, extra: { setupMs: setup.proxy } } : row,
        ),
      );
      console.log(`${kase}: track() took ${setup.track.toFixed(0)} ms, valtio proxy() ${setup.proxy.toFixed(0)} ms`);
    }
    const cases = [...new Set(all.map((r) => r.case))];
    const scaled = all.map((r) => ({ ...r, case: r.subject, subject: r.case }));
    report('core: store size (by library)', scaled, cases[0]!);
    report('core: store size (vs plain)', all, 'plain');
    report('core: store size (vs valtio)', all, 'valtio');
  });
});
