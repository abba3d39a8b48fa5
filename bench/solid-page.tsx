// The page of bench/solid.bench.ts: one board (1,000 or 10,000 cards) rendered twice with Solid — driven by
// tinysync (tracked tree bound to a Y.Doc, tinysync/solid) and by Solid's own store updated
// with reconcile(snapshot of the doc) — fed the same remote Yjs updates.
import { For } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { render } from 'solid-js/web';
import * as Y from 'yjs';
import { track } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { reactive } from 'tinysync/solid';

type Card = { id: string; title: string; author: string };
type Board = { columns: Array<{ id: string; cards: Card[] }> };

function board(size: number): Board {
  const columns = [0, 1, 2].map((c) => ({ id: `c${c}`, cards: [] as Card[] }));
  for (let i = 0; i < size; i++) columns[i % 3]!.cards.push({ id: `k${i}`, title: `Card ${i}`, author: 'x' });
  return { columns };
}

const View = (props: { b: Board }) => (
  <For each={props.b.columns}>
    {(col) => (
      <ul>
        <For each={col.cards}>{(card) => <li data-id={card.id}>{card.title}</li>}</For>
      </ul>
    )}
  </For>
);

/** Per-edit times (ms) from a remote update's arrival to the DOM showing it, for each side. */
function run(edits: number, size: number): { tinysync: number[]; solidStore: number[] } {
  const peer = track(board(size));
  const peerDoc = new Y.Doc();
  const peerBinding = bind(peer, peerDoc);
  const seed = Y.encodeStateAsUpdate(peerDoc);
  const updates: Array<{ update: Uint8Array; id: string; title: string }> = [];
  for (let n = 0; n < edits; n++) {
    const i = (n * 7919) % size;
    let update: Uint8Array | undefined;
    const grab = (u: Uint8Array) => (update = u);
    peerDoc.on('update', grab);
    peer.columns[i % 3]!.cards[Math.floor(i / 3)]!.title = `edit ${n}`;
    peerDoc.off('update', grab);
    updates.push({ update: update!, id: `k${i}`, title: `edit ${n}` });
  }

  const mine = track({ columns: [] } as Board);
  const myDoc = new Y.Doc();
  Y.applyUpdate(myDoc, seed);
  const binding = bind(mine, myDoc);
  const hostA = document.body.appendChild(document.createElement('div'));
  const disposeA = render(() => <View b={reactive(mine)} />, hostA);

  const docB = new Y.Doc();
  Y.applyUpdate(docB, seed);
  const [state, setState] = createStore<Board>(docB.getMap('tinysync').toJSON() as Board);
  const hostB = document.body.appendChild(document.createElement('div'));
  const disposeB = render(() => <View b={state} />, hostB);

  const cellA = new Map([...hostA.querySelectorAll<HTMLElement>('li')].map((li) => [li.dataset.id!, li]));
  const cellB = new Map([...hostB.querySelectorAll<HTMLElement>('li')].map((li) => [li.dataset.id!, li]));
  const tinysync: number[] = [];
  const solidStore: number[] = [];
  for (const { update, id, title } of updates) {
    const t0 = performance.now();
    binding.applyUpdate(update, 'remote');
    if (cellA.get(id)!.textContent !== title) throw new Error('tinysync: DOM not updated');
    const t1 = performance.now();
    Y.applyUpdate(docB, update, 'remote');
    setState(reconcile(docB.getMap('tinysync').toJSON() as Board));
    if (cellB.get(id)!.textContent !== title) throw new Error('solid store: DOM not updated');
    const t2 = performance.now();
    tinysync.push(t1 - t0);
    solidStore.push(t2 - t1);
  }
  disposeA();
  disposeB();
  binding.destroy();
  peerBinding.destroy();
  for (const d of [peerDoc, myDoc, docB]) d.destroy();
  return { tinysync, solidStore };
}

declare global {
  interface Window {
    runSolidBench?: typeof run;
  }
}
window.runSolidBench = run;
document.title = 'ready';
