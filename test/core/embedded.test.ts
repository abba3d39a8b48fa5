// Embedded values: objects a tree keeps by reference and that report their own edits (the
// contract behind tinysync/crdt's text()). Here with a minimal counter that implements it.
import { expect, test } from 'vitest';
import { snapshot, track, transact, type Change } from 'tinysync';
import { EMBEDDED, type EmbeddedHooks, type EmbeddedReport } from 'tinysync/extend';

class Counter {
  value = 0;
  #report: EmbeddedReport | undefined;
  add(n: number) {
    this.value += n;
    this.#report?.('text', [n], this.value - n);
  }
  get [EMBEDDED](): EmbeddedHooks {
    return {
      attach: (report) => (this.#report = report),
      undo: (_op, _args, previous) => (this.value = previous as number),
      snapshot: () => this.value,
      clone: () => Object.assign(new Counter(), { value: this.value }),
    };
  }
}

test('an embedded value is stored by reference and reports its edits at its path', () => {
  const changes: Change[] = [];
  const counter = new Counter();
  const state = track({ stats: { hits: counter } }, { onChange: (c) => changes.push(c) });
  expect(state.stats.hits).toBe(counter);
  state.stats.hits.add(2);
  expect(changes.map((c) => [c.op, c.path, c.args, c.previous])).toEqual([['text', ['stats', 'hits'], [2], 0]]);
  expect(changes[0]!.target).toBe(counter);
  expect(snapshot(state)).toEqual({ stats: { hits: 2 } });
});

test('deep inside an assigned value, after a rollback, and when assigned twice', () => {
  const changes: Change[] = [];
  const state = track<{ list: { c: Counter }[]; other?: Counter }>({ list: [] }, { onChange: (c) => changes.push(c) });
  state.list.push({ c: new Counter() });
  const c = state.list[0]!.c;
  c.add(1);
  expect(changes.at(-1)!.path).toEqual(['list', 0, 'c']);
  expect(() => transact(state, () => { c.add(5); throw new Error('no'); })).toThrow('no');
  expect(c.value).toBe(1);
  state.other = c; // already in the tree: the second place gets a clone
  expect(state.other).not.toBe(c);
  expect(state.other.value).toBe(1);
  state.list.pop(); // removed: its edits reach nobody
  const heard = changes.length;
  c.add(1);
  expect(changes.length).toBe(heard);
});

test('one embedded value given twice in one write is stored once and cloned once', () => {
  const c = new Counter();
  const state = track<{ list: Counter[]; pair?: { a: Counter; b: Counter } }>({ list: [] });
  state.list.push(c, c);
  expect(state.list[0]).toBe(c);
  expect(state.list[1]).not.toBe(c);
  state.list.fill(new Counter());
  expect(new Set(state.list).size).toBe(2);
  const d = new Counter();
  state.pair = { a: d, b: d };
  expect(state.pair.a).not.toBe(state.pair.b);
});
