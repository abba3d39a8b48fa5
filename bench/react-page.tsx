/** @jsxImportSource react */
// The page of bench/react.bench.ts: one 1,000-row list rendered three times with React 19 —
// by tinysync/react (a tracked tree bound to a Y.Doc), by valtio's useSnapshot and by
// TinyBase's ui-react hooks (each fed from its own Y.Doc by the small observeDeep glue an
// app would write) — and the same remote Yjs updates applied to each. Every side uses its
// library's fine-grained pattern: the row reads its own item (useTracked(item),
// useSnapshot(itemProxy), useCell(table, id, cell)) and is memoized.
import { memo } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { createStore as createTinyBase } from 'tinybase';
import { Provider, useCell, useRowIds } from 'tinybase/ui-react';
import { proxy, useSnapshot } from 'valtio';
import * as Y from 'yjs';
import { track } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { useTracked } from 'tinysync/react';

type Item = { id: string; title: string };
type List = { items: Item[] };
type Subject = 'tinysync' | 'valtio' | 'tinybase';

const N = 1000;
const list = (): List => ({ items: Array.from({ length: N }, (_, i) => ({ id: `k${i}`, title: `Row ${i}` })) });
const renders: Record<Subject, { list: number; rows: number }> = {
  tinysync: { list: 0, rows: 0 },
  valtio: { list: 0, rows: 0 },
  tinybase: { list: 0, rows: 0 },
};

const TRow = memo(function TRow({ item }: { item: Item }) {
  renders.tinysync.rows++;
  const row = useTracked(item);
  return <li data-id={row.id}>{row.title}</li>;
});
function TList({ data }: { data: List }) {
  renders.tinysync.list++;
  const view = useTracked(data);
  return <ul>{view.items.map((item) => <TRow key={item.id} item={item} />)}</ul>;
}

const VRow = memo(function VRow({ item }: { item: Item }) {
  renders.valtio.rows++;
  const row = useSnapshot(item);
  return <li data-id={row.id}>{row.title}</li>;
});
function VList({ state }: { state: List }) {
  renders.valtio.list++;
  const snap = useSnapshot(state);
  return <ul>{snap.items.map((item, i) => <VRow key={item.id} item={state.items[i]!} />)}</ul>;
}

const BRow = memo(function BRow({ id }: { id: string }) {
  renders.tinybase.rows++;
  const title = useCell('items', id, 'title');
  return <li data-id={id}>{String(title)}</li>;
});
function BList() {
  renders.tinybase.list++;
  const ids = useRowIds('items');
  return <ul>{ids.map((id) => <BRow key={id} id={id} />)}</ul>;
}

/** Calls `set(path, target, key, value)` for every key a remote update changes in a Y.Map. */
function glue(doc: Y.Doc, set: (path: (string | number)[], target: Y.Map<unknown>, key: string, value: unknown) => void): void {
  doc.getMap('tinysync').observeDeep((events) => {
    for (const e of events) {
      if (!(e.target instanceof Y.Map)) continue;
      const target = e.target as Y.Map<unknown>;
      for (const key of e.changes.keys.keys()) {
        const v = target.get(key);
        set(e.path, target, key, v instanceof Y.AbstractType ? v.toJSON() : v);
      }
    }
  });
}

/** Resolves once `host` shows `title` in row `id` (a MutationObserver: after React's commit). */
function shown(host: HTMLElement, id: string, title: string, apply: () => void): Promise<number> {
  const li = host.querySelector<HTMLElement>(`[data-id="${id}"]`)!;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const mo = new MutationObserver(() => {
      if (li.textContent !== title) return;
      mo.disconnect();
      resolve(performance.now() - t0);
    });
    mo.observe(host, { childList: true, characterData: true, subtree: true });
    apply();
  });
}

/** Per-edit times (ms) from a remote update's arrival to the DOM showing it, and render counts. */
async function run(edits: number) {
  const peer = track(list());
  const peerDoc = new Y.Doc();
  const peerBinding = bind(peer, peerDoc);
  const seed = Y.encodeStateAsUpdate(peerDoc);
  const updates: Array<{ update: Uint8Array; id: string; title: string }> = [];
  for (let n = 0; n < edits; n++) {
    const i = (n * 7919) % N;
    let update: Uint8Array | undefined;
    const grab = (u: Uint8Array) => (update = u);
    peerDoc.on('update', grab);
    peer.items[i]!.title = `edit ${n}`;
    peerDoc.off('update', grab);
    updates.push({ update: update!, id: `k${i}`, title: `edit ${n}` });
  }

  const mount = (ui: React.ReactNode) => {
    const host = document.body.appendChild(document.createElement('div'));
    const root = createRoot(host);
    flushSync(() => root.render(ui));
    return { host, root };
  };

  // tinysync: the tree bound to its doc; remote updates through the binding.
  const data = track<List>({ items: [] });
  const tDoc = new Y.Doc();
  Y.applyUpdate(tDoc, seed);
  const binding = bind(data, tDoc);
  const t = mount(<TList data={data} />);

  // valtio: a proxy patched from its doc.
  const vDoc = new Y.Doc();
  Y.applyUpdate(vDoc, seed);
  const state = proxy<List>(vDoc.getMap('tinysync').toJSON() as List);
  glue(vDoc, (path, _target, key, value) => {
    let at: unknown = state;
    for (const k of path) at = (at as Record<string | number, unknown>)[k];
    (at as Record<string, unknown>)[key] = value;
  });
  const v = mount(<VList state={state} />);

  // TinyBase: a table of rows by id, patched from its doc.
  const bDoc = new Y.Doc();
  Y.applyUpdate(bDoc, seed);
  const store = createTinyBase().setTable('items', Object.fromEntries((bDoc.getMap('tinysync').toJSON() as List).items.map((it) => [it.id, { title: it.title }])));
  glue(bDoc, (_path, target, key, value) => store.setCell('items', String(target.get('id')), key, value as string));
  const b = mount(
    <Provider store={store}>
      <BList />
    </Provider>,
  );

  await new Promise((r) => requestAnimationFrame(r));
  for (const h of [t.host, v.host, b.host]) if (h.querySelectorAll('li').length !== N) throw new Error('not rendered');
  for (const r of Object.values(renders)) Object.assign(r, { list: 0, rows: 0 });

  const times: Record<Subject, number[]> = { tinysync: [], valtio: [], tinybase: [] };
  for (const { update, id, title } of updates) {
    times.tinysync.push(await shown(t.host, id, title, () => binding.applyUpdate(update, 'remote')));
    times.valtio.push(await shown(v.host, id, title, () => Y.applyUpdate(vDoc, update, 'remote')));
    times.tinybase.push(await shown(b.host, id, title, () => Y.applyUpdate(bDoc, update, 'remote')));
  }
  // Renders still pending after the DOM showed the edit (none expected) are counted too.
  await new Promise((r) => requestAnimationFrame(r));
  for (const x of [t, v, b]) x.root.unmount();
  binding.destroy();
  peerBinding.destroy();
  for (const d of [peerDoc, tDoc, vDoc, bDoc]) d.destroy();
  return { times, renders };
}

declare global {
  interface Window {
    runReactBench?: typeof run;
  }
}
window.runReactBench = run;
document.title = 'ready';
