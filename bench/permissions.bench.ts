// Issue 17, point 5: what per-path write rules cost the server per update. A restricted
// writer's update is checked by forbiddenPath (resolving every change to its path in the
// room's document) on top of what every update gets: the validity check, which decodes the
// update (the path check reuses the decoded form), and Y.applyUpdate. Measured here: decoding
// and applying ("decode + apply, no rules", the baseline; the server's validity check also
// scans the decoded update, and stores and relays it, none of which is counted, so the ratio
// is an upper bound) against decoding, checking the paths and applying ("+ path check"), on a
// board of 1,000 cards and 200 KPI counters:
// - 200 small edits in a row (a counter set, a card title changed, a card added), each its own
//   update, checked and applied against the document as it is at that moment: on a fresh copy
//   of the board, and on one that has taken 200 such edits already (as a running room has; the
//   check keeps the places it met, so this is the steady cost);
// - one paste of 1,000 cards (one update, 3,000 items).
// Each figure is the median of 21 repetitions on fresh copies of the document. The issue aims at
// at most 1.3× the cost without rules.
import { track } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { compilePathRules, forbiddenPath, type PathRules } from 'tinysync/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { report, type BenchRow } from './harness.js';

const WARMUP = 5;
const REPS = 21;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Board {
  kpis: Record<string, Record<string, number>>;
  cards: { title: string; done: boolean }[];
  settings: { theme: string };
}

/** The board as one update, and a tracked replica bound to a doc holding it. */
function board(): { base: Uint8Array; data: Board; doc: Y.Doc } {
  const kpis: Board['kpis'] = {};
  for (let k = 0; k < 20; k++) kpis[`kpi${k}`] = Object.fromEntries(Array.from({ length: 10 }, (_, u) => [`user${u}`, 0]));
  const cards = Array.from({ length: 1000 }, (_, i) => ({ title: `card ${i}`, done: false }));
  const doc = new Y.Doc();
  const data = track<Board>({ kpis, cards, settings: { theme: 'dark' } });
  bind(data, doc);
  return { base: Y.encodeStateAsUpdate(doc), data, doc };
}

/** Each update of `mutations` made on a replica of `base`, in order. */
function recordUpdates(mutate: (data: Board, i: number) => void, count: number): { base: Uint8Array; updates: Uint8Array[] } {
  const { base, data, doc } = board();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < count; i++) mutate(data, i);
  return { base, updates };
}

/**
 * Ms to decode and apply `updates` in order to a fresh copy of `base`, with the path check before
 * each apply when `rules` are given. The first `warm` updates are taken untimed (checked the
 * same way): a room that has been running a while, whose places the check has met before.
 */
function timeOnce(base: Uint8Array, updates: Uint8Array[], rules: PathRules | null, warm = 0): number {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, base);
  for (const update of updates.slice(0, warm)) {
    if (rules && forbiddenPath(doc, Y.decodeUpdate(update), rules) !== null) throw new Error('refused');
    Y.applyUpdate(doc, update);
  }
  const t0 = performance.now();
  for (const update of updates.slice(warm)) {
    // The room decodes each update once for its validity check; the path check reuses that.
    const decoded = Y.decodeUpdate(update);
    if (rules && forbiddenPath(doc, decoded, rules) !== null) throw new Error('refused');
    Y.applyUpdate(doc, update);
  }
  const ms = performance.now() - t0;
  doc.destroy();
  return ms;
}

/** Medians of both, measured in alternation so that the load of a shared machine hits both alike. */
function measure(base: Uint8Array, updates: Uint8Array[], rules: PathRules, warm = 0): { plain: number; checked: number } {
  const plain: number[] = [];
  const checked: number[] = [];
  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    const a = timeOnce(base, updates, null, warm);
    const b = timeOnce(base, updates, rules, warm);
    if (rep >= WARMUP) {
      plain.push(a);
      checked.push(b);
    }
  }
  return { plain: median(plain), checked: median(checked) };
}

describe('server: path rules', () => {
  it('costs of checking paths per update, vs applying it without rules', () => {
    const rules = compilePathRules(['/kpis/*/{sub}', '/cards/**'], 'user3');
    const edits = (d: Board, i: number) => {
      if (i % 3 === 0) d.kpis[`kpi${i % 20}`]!.user3 = i;
      else if (i % 3 === 1) d.cards[(i * 7) % d.cards.length]!.title = `edited ${i}`;
      else d.cards.push({ title: `new ${i}`, done: false });
    };
    const small = recordUpdates(edits, 200);
    // The same kind of edits on a room that has already taken 200 of them.
    const later = recordUpdates(edits, 400);
    const paste = recordUpdates((d) => d.cards.push(...Array.from({ length: 1000 }, (_, i) => ({ title: `pasted ${i}`, done: i % 2 === 0 }))), 1);
    expect(paste.updates).toHaveLength(1);
    const rows: BenchRow[] = [];
    for (const [name, { base, updates }, warm] of [
      ['200 small edits (ms)', small, 0],
      ['200 small edits after 200 others (ms)', later, 200],
      ['paste of 1,000 cards (ms)', paste, 0],
    ] as const) {
      const { plain, checked } = measure(base, updates, rules, warm);
      rows.push({ case: name, subject: 'decode + apply, no rules', value: plain, unit: 'ms', better: 'lower' });
      rows.push({ case: name, subject: '+ path check', value: checked, unit: 'ms', better: 'lower' });
    }
    report('server: per-path write rules (ms, median of 21)', rows, 'decode + apply, no rules');
  });
});
