// tinysync/solid in real Chromium: Solid reruns exactly the computations that read a changed
// key, for local and remote changes, with For/Index, Map/Set, and cleanup on disposal.
import { createEffect, createRoot, For, Index } from 'solid-js';
import { render } from 'solid-js/web';
import { afterEach, describe, expect, it } from 'vitest';
import { track, transact } from 'tinysync';
import { createStore } from 'tinysync/browser';
import { text } from 'tinysync/crdt';
import { createTracked, reactive, usePresence, useStatus } from 'tinysync/solid';

interface Card {
  id: string;
  title: string;
  done: boolean;
}
interface Board {
  name: string;
  columns: Array<{ title: string; cards: Card[] }>;
}

function board(n: number): Board {
  const cards: Card[] = [];
  for (let i = 0; i < n; i++) cards.push({ id: `c${i}`, title: `card ${i}`, done: false });
  return { name: 'board', columns: [{ title: 'todo', cards }, { title: 'done', cards: [] }] };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Renders a board; counts title computations and Card component creations per card id. */
function renderBoard(state: Board) {
  const titleRuns = new Map<string, number>();
  const created = new Map<string, number>();
  let columnRuns = 0;
  const bump = (m: Map<string, number>, id: string) => m.set(id, (m.get(id) ?? 0) + 1);
  function CardView(props: { card: Card }) {
    const card = props.card;
    bump(created, card.id);
    return (
      <li data-id={card.id}>
        {(bump(titleRuns, card.id), card.title)}
      </li>
    );
  }
  const host = document.createElement('div');
  document.body.append(host);
  const dispose = render(
    () => (
      <For each={state.columns}>
        {(column) => (
          <section>
            <h2>{(columnRuns++, column.title)}</h2>
            <ul>
              <For each={column.cards}>{(card) => <CardView card={card} />}</For>
            </ul>
          </section>
        )}
      </For>
    ),
    host,
  );
  const stop = () => {
    dispose();
    host.remove();
  };
  cleanups.push(stop);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    host,
    titleRuns,
    created,
    columnRuns: () => columnRuns,
    totalTitleRuns: () => total(titleRuns),
    totalCreated: () => total(created),
    text: (id: string) => host.querySelector(`[data-id="${id}"]`)?.textContent,
    dispose: stop,
  };
}

describe('fine-grained rendering', () => {
  it('reruns exactly the one title computation when a card title changes on a 1,000-card board', () => {
    const state = createTracked(board(1000));
    const view = renderBoard(state);
    expect(view.totalTitleRuns()).toBe(1000);
    expect(view.totalCreated()).toBe(1000);

    state.columns[0]!.cards[3]!.title = 'edited';
    expect(view.text('c3')).toBe('edited');
    expect(view.titleRuns.get('c3')).toBe(2);
    expect(view.totalTitleRuns()).toBe(1001);
    expect(view.totalCreated()).toBe(1000);
    expect(view.columnRuns()).toBe(2);

    // A field nobody rendered reruns nothing.
    state.columns[0]!.cards[4]!.done = true;
    expect(view.totalTitleRuns()).toBe(1001);
  });

  it('a remote-origin change reruns the same single computation', () => {
    const state = track(board(1000));
    const view = renderBoard(reactive(state));
    transact(state, () => {
      state.columns[0]!.cards[999]!.title = 'from afar';
    }, { origin: 'remote' });
    expect(view.text('c999')).toBe('from afar');
    expect(view.titleRuns.get('c999')).toBe(2);
    expect(view.totalTitleRuns()).toBe(1001);
  });

  it('a transaction reruns each reader once, in one Solid batch', () => {
    const state = createTracked(board(50));
    const view = renderBoard(state);
    let allTitles = 0;
    cleanups.push(createRoot((dispose) => {
      createEffect(() => {
        allTitles++;
        state.columns[0]!.cards.map((c) => c.title).join();
      });
      return dispose;
    }));
    expect(allTitles).toBe(1);
    transact(state, () => {
      for (let i = 0; i < 10; i++) state.columns[0]!.cards[i]!.title += '!';
    });
    expect(allTitles).toBe(2);
    expect(view.totalTitleRuns()).toBe(60);
    for (let i = 0; i < 10; i++) expect(view.titleRuns.get(`c${i}`)).toBe(2);
  });

  it('For keeps the components of items that stay, through push, unshift, splice, sort and moves', () => {
    const state = createTracked(board(20));
    const view = renderBoard(state);
    const cards = state.columns[0]!.cards;
    const firstLi = view.host.querySelector('[data-id="c0"]');

    cards.push({ id: 'p', title: 'pushed', done: false });
    cards.unshift({ id: 'u', title: 'unshifted', done: false });
    cards.splice(5, 1);
    expect(view.totalCreated()).toBe(22);
    expect(view.totalTitleRuns()).toBe(22);
    expect(view.host.querySelector('[data-id="c0"]')).toBe(firstLi);
    expect([...view.host.querySelectorAll('li')].map((li) => li.dataset.id).slice(0, 6)).toEqual(['u', 'c0', 'c1', 'c2', 'c3', 'c5']);

    cards.sort((a, b) => b.id.localeCompare(a.id));
    expect(view.totalCreated()).toBe(22);
    expect(view.host.querySelector('[data-id="c0"]')).toBe(firstLi);
    expect(view.host.querySelector('li')!.dataset.id).toBe('u');

    // Moving a card to another column: the core copies it there, so it is a new component
    // in the new column, and the old column keeps all its other components.
    transact(state, () => {
      const [moved] = cards.splice(cards.findIndex((c) => c.id === 'c7'), 1);
      state.columns[1]!.cards.push(moved!);
    });
    expect(view.totalCreated()).toBe(23);
    expect(view.text('c7')).toBe('card 7');
    expect(view.host.querySelectorAll('section')[1]!.querySelectorAll('li')).toHaveLength(1);

    // Replacing one item by assignment swaps that one component.
    cards[1] = { id: 'r', title: 'replaced', done: false };
    expect(view.text('r')).toBe('replaced');
    expect(view.totalCreated()).toBe(24);
    expect(view.host.querySelector('[data-id="c0"]')).toBe(firstLi);
  });

  it('Index reruns only the slots whose item changed', () => {
    const state = createTracked({ items: ['a', 'b', 'c', 'd'] });
    const runs = [0, 0, 0, 0, 0];
    const host = document.createElement('div');
    const dispose = render(() => (
      <Index each={state.items}>{(item, i) => <span>{(runs[i]!++, item())}</span>}</Index>
    ), host);
    cleanups.push(dispose);
    expect(runs).toEqual([1, 1, 1, 1, 0]);
    state.items[2] = 'C';
    expect(host.textContent).toBe('abCd');
    expect(runs).toEqual([1, 1, 2, 1, 0]);
    state.items.push('e');
    expect(runs).toEqual([1, 1, 2, 1, 1]);
    state.items.splice(0, 1);
    expect(host.textContent).toBe('bCde');
    expect(runs).toEqual([2, 2, 3, 2, 1]);
  });

  it('reads of length and of single indices follow array methods', () => {
    const state = createTracked({ list: [1, 2, 3] });
    const log: string[] = [];
    cleanups.push(createRoot((dispose) => {
      createEffect(() => log.push(`len ${state.list.length}`));
      createEffect(() => log.push(`at5 ${state.list[5]}`));
      createEffect(() => log.push(`at0 ${state.list[0]}`));
      return dispose;
    }));
    log.length = 0;
    state.list.push(4);
    expect(log).toEqual(['len 4']);
    log.length = 0;
    state.list.push(5, 6);
    expect(log.sort()).toEqual(['at5 6', 'len 6']);
    log.length = 0;
    // Replacing an item reruns length readers too (Solid's For / Index need that), not at0.
    state.list[1] = 20;
    expect(log).toEqual(['len 6']);
    log.length = 0;
    state.list.reverse();
    expect(log.sort()).toEqual(['at0 6', 'at5 1', 'len 6']);
    log.length = 0;
    state.list.length = 2;
    expect(log.sort()).toEqual(['at5 undefined', 'len 2']);
  });
});

describe('objects, Maps and Sets', () => {
  it('Object.keys readers rerun when a key appears or goes, not when a value changes', () => {
    const state = createTracked<{ tags: Record<string, number> }>({ tags: { a: 1 } });
    let keysRuns = 0;
    let aRuns = 0;
    cleanups.push(createRoot((dispose) => {
      createEffect(() => { keysRuns++; Object.keys(state.tags); });
      createEffect(() => { aRuns++; void state.tags.a; });
      return dispose;
    }));
    state.tags.a = 2;
    expect([keysRuns, aRuns]).toEqual([1, 2]);
    state.tags.b = 1;
    expect([keysRuns, aRuns]).toEqual([2, 2]);
    delete state.tags.b;
    expect([keysRuns, aRuns]).toEqual([3, 2]);
    delete state.tags.a;
    expect([keysRuns, aRuns]).toEqual([4, 3]);
  });

  it('Map.get readers follow their key; iteration and size follow every write', () => {
    const state = createTracked({ users: new Map<string, { name: string }>([['ada', { name: 'Ada' }], ['bob', { name: 'Bob' }]]) });
    let adaRuns = 0;
    let sizeRuns = 0;
    let namesRuns = 0;
    let names = '';
    cleanups.push(createRoot((dispose) => {
      createEffect(() => { adaRuns++; void state.users.get('ada')?.name; });
      createEffect(() => { sizeRuns++; void state.users.size; });
      createEffect(() => { namesRuns++; names = [...state.users.values()].map((u) => u.name).join(); });
      return dispose;
    }));
    state.users.get('bob')!.name = 'Bobby';
    expect([adaRuns, sizeRuns, namesRuns, names]).toEqual([1, 1, 2, 'Ada,Bobby']);
    state.users.set('cy', { name: 'Cy' });
    expect([adaRuns, sizeRuns, namesRuns, names]).toEqual([1, 2, 3, 'Ada,Bobby,Cy']);
    state.users.set('ada', { name: 'Ada L.' });
    expect([adaRuns, sizeRuns, namesRuns, names]).toEqual([2, 3, 4, 'Ada L.,Bobby,Cy']);
    state.users.delete('bob');
    expect([adaRuns, sizeRuns, namesRuns]).toEqual([2, 4, 5]);
    state.users.clear();
    expect([adaRuns, sizeRuns, namesRuns, names]).toEqual([3, 5, 6, '']);
  });

  it('Set readers rerun on add, delete and clear', () => {
    const state = createTracked({ online: new Set<string>(['ada']) });
    const seen: string[] = [];
    cleanups.push(createRoot((dispose) => {
      createEffect(() => seen.push(`${state.online.has('bob')}/${state.online.size}`));
      return dispose;
    }));
    state.online.add('bob');
    state.online.add('bob');
    state.online.delete('ada');
    state.online.clear();
    expect(seen).toEqual(['false/1', 'true/2', 'true/1', 'false/0']);
  });
});

describe('lifetimes', () => {
  it('a nested object first read in a computation (its root never was) still reacts', () => {
    const state = track({ deep: { inner: { value: 1 } } });
    const inner = state.deep.inner; // read outside any computation
    let seen = 0;
    cleanups.push(createRoot((dispose) => {
      createEffect(() => { seen = reactive(inner).value; });
      return dispose;
    }));
    inner.value = 2;
    expect(seen).toBe(2);
    state.deep.inner.value = 3;
    expect(seen).toBe(3);
  });

  it('after disposal, changes rerun nothing and raise nothing', () => {
    const state = createTracked(board(10));
    const view = renderBoard(state);
    view.dispose();
    const before = view.totalTitleRuns();
    state.columns[0]!.cards[1]!.title = 'after';
    state.columns[0]!.cards.push({ id: 'x', title: 'x', done: false });
    expect(view.totalTitleRuns()).toBe(before);
    expect(view.totalCreated()).toBe(10);
  });

  it('a removed object no longer drives its old readers, and the new one does', () => {
    const state = createTracked({ selected: { title: 'a' } });
    const seen: string[] = [];
    cleanups.push(createRoot((dispose) => {
      createEffect(() => seen.push(state.selected.title));
      return dispose;
    }));
    const old = state.selected;
    state.selected = { title: 'b' };
    old.title = 'ignored';
    state.selected.title = 'c';
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('a computation that writes does not subscribe to what tinysync/solid reads while delivering', () => {
    const state = createTracked({ trigger: 0, log: [] as number[] });
    let writerRuns = 0;
    let lengthSeen = -1;
    cleanups.push(createRoot((dispose) => {
      createEffect(() => {
        writerRuns++;
        const n = state.trigger; // the only key this effect reads itself
        state.log.push(n); // delivery works out array lengths: that must not count as its read
      });
      createEffect(() => { lengthSeen = state.log.length; });
      return dispose;
    }));
    state.trigger = 1;
    state.trigger = 2;
    expect(writerRuns).toBe(3);
    expect(lengthSeen).toBe(3);
    expect([...state.log]).toEqual([0, 1, 2]);
  });

  it('reads outside a computation subscribe nothing', () => {
    const state = createTracked({ n: 1 });
    let runs = 0;
    cleanups.push(createRoot((dispose) => {
      createEffect(() => { runs++; });
      return dispose;
    }));
    void state.n;
    state.n = 2;
    expect(runs).toBe(1);
  });
});

describe('store signals', () => {
  it('useStatus follows onStatus and stops listening with its owner', () => {
    type Status = 'loading' | 'offline' | 'synced';
    let listener: ((s: Status) => void) | undefined;
    const store = {
      status: 'loading' as Status,
      onStatus(cb: (s: Status) => void) {
        listener = cb;
        return () => { listener = undefined; };
      },
    };
    const seen: string[] = [];
    const dispose = createRoot((dispose) => {
      const status = useStatus(store);
      createEffect(() => seen.push(status()));
      return dispose;
    });
    store.status = 'offline';
    listener!('offline');
    store.status = 'synced';
    listener!('synced');
    expect(seen).toEqual(['loading', 'offline', 'synced']);
    dispose();
    expect(listener).toBeUndefined();
  });

  it("useStatus of a store without sync reads 'local'", async () => {
    const store = await createStore(`solid-local-${Math.random().toString(36).slice(2)}`, { n: 0 }, { sync: false });
    try {
      const seen: string[] = [];
      const dispose = createRoot((dispose) => {
        const status = useStatus(store);
        createEffect(() => seen.push(status()));
        return dispose;
      });
      dispose();
      expect(seen).toEqual(['local']);
    } finally {
      await store.close();
    }
  });

  it('usePresence follows presence changes', () => {
    type Peer = { clientId: number; state: { name: string } };
    let peers: Peer[] = [{ clientId: 1, state: { name: 'ada' } }];
    const listeners = new Set<(p: Peer[]) => void>();
    const presence = {
      others: () => peers,
      onChange(cb: (p: Peer[]) => void) {
        listeners.add(cb);
        return () => void listeners.delete(cb);
      },
    };
    const seen: number[] = [];
    const dispose = createRoot((dispose) => {
      const others = usePresence(presence);
      createEffect(() => seen.push(others().length));
      return dispose;
    });
    peers = [...peers, { clientId: 2, state: { name: 'bob' } }];
    for (const l of listeners) l(peers);
    expect(seen).toEqual([1, 2]);
    dispose();
    expect(listeners.size).toBe(0);
  });
});

describe('collaborative text', () => {
  it('an edit of a text() field reruns what read that field, and a remote edit too', () => {
    const state = createTracked({ cards: [{ title: text('Draft'), done: false }] });
    const titles: string[] = [];
    let doneRuns = 0;
    cleanups.push(createRoot((dispose) => {
      createEffect(() => titles.push(state.cards[0]!.title.toString()));
      createEffect(() => { doneRuns++; void state.cards[0]!.done; });
      return dispose;
    }));
    state.cards[0]!.title.insert(5, ' v2');
    transact(state, () => state.cards[0]!.title.delete(0, 1), { origin: 'remote' });
    expect(titles).toEqual(['Draft', 'Draft v2', 'raft v2']);
    expect(doneRuns).toBe(1);
  });
});
