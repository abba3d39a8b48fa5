/** @jsxImportSource react */
// tinysync/react in real Chromium, under StrictMode, on React 19 (project `browser`) and on
// React 18 (project `react18`, the aliased install): a 1,000-row list where a remote edit of
// one row re-renders exactly that row, a push re-renders the list and the new row only, and a
// concurrent (startTransition) render never commits a torn frame. Renders are counted with
// React's Profiler (onRender: once per commit, not doubled by StrictMode).
import { act, memo, Profiler, StrictMode, startTransition, useState, version, type ProfilerOnRenderCallback } from 'react';
import { createRoot } from 'react-dom/client';
import * as Y from 'yjs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { track } from 'tinysync';
import { bind, type Binding } from 'tinysync/crdt';
import { useTracked } from 'tinysync/react';
import { waitFor } from './helpers.js';
import { cleanups, mount, runCleanups } from './mount.js';

interface Item {
  id: string;
  title: string;
}
interface Board {
  stamp: number;
  items: Item[];
}

const rows = (n: number): Item[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `row ${i}` }));

/** Commits per Profiler id ("list" for the list itself, the row id for each row). */
const counts = new Map<string, number>();
const count: ProfilerOnRenderCallback = (id) => counts.set(id, (counts.get(id) ?? 0) + 1);
const total = () => [...counts.values()].reduce((a, b) => a + b, 0);

const Row = memo(function Row({ item }: { item: Item }) {
  const row = useTracked(item);
  return (
    <Profiler id={row.id} onRender={count}>
      <li data-id={row.id}>{row.title}</li>
    </Profiler>
  );
});

function List({ board }: { board: Board }) {
  const view = useTracked(board);
  return (
    <>
      {/* A leaf profiler: it commits when List renders, not when a Row below renders alone. */}
      <Profiler id="list" onRender={count}>
        <span />
      </Profiler>
      <ul>
        {view.items.map((item) => (
          <Row key={item.id} item={item} />
        ))}
      </ul>
    </>
  );
}

afterEach(async () => {
  await runCleanups();
  counts.clear();
});

/** A tracked board bound to a Y.Doc, and a peer doc whose edits arrive as remote updates. */
function replicas(n: number) {
  const board = track<Board>({ stamp: 0, items: rows(n) });
  const doc = new Y.Doc();
  const binding = bind(board, doc);
  const peerDoc = new Y.Doc();
  Y.applyUpdate(peerDoc, Y.encodeStateAsUpdate(doc));
  const peer = track<Board>({ stamp: 0, items: [] });
  const peerBinding = bind(peer, peerDoc);
  cleanups.push(() => {
    binding.destroy();
    peerBinding.destroy();
    doc.destroy();
    peerDoc.destroy();
  });
  /** Makes `edit` on the peer and applies its one update here with origin 'remote'. */
  const remote = (edit: (peer: Board) => void) => {
    let update: Uint8Array | undefined;
    const grab = (u: Uint8Array) => (update = u);
    peerDoc.on('update', grab);
    edit(peer);
    peerDoc.off('update', grab);
    binding.applyUpdate(update!, 'remote');
  };
  return { board, binding: binding as Binding, remote };
}

describe(`tinysync/react on React ${version}`, () => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

  it('runs on the React this project is for (19, or the aliased 18)', () => {
    expect(version.split('.')[0]).toBe(inject('reactMajor'));
  });

  it('a remote title edit on a 1,000-row list re-renders exactly that one Row', async () => {
    const { board, remote } = replicas(1000);
    const host = await mount(<List board={board} />);
    expect(host.querySelectorAll('li')).toHaveLength(1000);
    expect(counts.get('list')).toBe(1);
    counts.clear();

    await act(async () => remote((peer) => (peer.items[500]!.title = 'edited far away')));

    expect(host.querySelector('[data-id="r500"]')!.textContent).toBe('edited far away');
    expect(Object.fromEntries(counts)).toEqual({ r500: 1 });
  });

  it('a remote push re-renders the list and mounts the new row, and no other row', async () => {
    const { board, remote } = replicas(1000);
    const host = await mount(<List board={board} />);
    counts.clear();

    await act(async () => remote((peer) => peer.items.push({ id: 'new', title: 'pushed' })));

    expect(host.querySelectorAll('li')).toHaveLength(1001);
    expect(host.querySelector('[data-id="new"]')!.textContent).toBe('pushed');
    expect(Object.fromEntries(counts)).toEqual({ list: 1, new: 1 });
  });

  it('local edits re-render the same single row, and a row removed stops rendering', async () => {
    const { board } = replicas(10);
    const host = await mount(<List board={board} />);
    counts.clear();
    await act(async () => {
      board.items[3]!.title = 'local';
    });
    expect(Object.fromEntries(counts)).toEqual({ r3: 1 });
    counts.clear();
    const removed = board.items[3]!;
    await act(async () => {
      board.items.splice(3, 1);
    });
    expect(Object.fromEntries(counts)).toEqual({ list: 1 });
    expect(host.querySelector('[data-id="r3"]')).toBeNull();
    counts.clear();
    await act(async () => {
      removed.title = 'detached';
      board.stamp++; // nobody read it
    });
    expect(total()).toBe(0);
  });

  it('a startTransition render interrupted by a store change commits no torn frame', async () => {
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
    cleanups.push(() => void ((globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true));
    const board = track<Board>({ stamp: 0, items: rows(300) });
    const torn: string[][] = [];
    let commits = 0;
    let changedDuringRender = false;
    let transitionRenders = 0;
    let setPass: (n: number) => void = () => {};

    // Every row shows the board's stamp; rendering one is slow, so React yields between rows.
    const SlowRow = memo(function SlowRow({ item, pass }: { item: Item; pass: number }) {
      const view = useTracked(board);
      const row = useTracked(item);
      if (pass > 0) {
        const until = performance.now() + 0.3;
        while (performance.now() < until) {
          // busy: a slow component
        }
        if (++transitionRenders === 20) {
          // Halfway through the transition's render, the store changes (as a remote edit would).
          setTimeout(() => {
            // Mid-render: not every row has rendered the new pass, and none of it is committed.
            changedDuringRender = transitionRenders < 2 * 300 && !host.textContent!.includes(':1');
            board.stamp = 1;
          });
        }
      }
      return <li>{`${row.id}:${view.stamp}:${pass}`}</li>;
    });
    function App() {
      const [pass, set] = useState(0);
      setPass = set;
      const view = useTracked(board);
      return (
        <ul>
          {view.items.map((item) => (
            <SlowRow key={item.id} item={item} pass={pass} />
          ))}
        </ul>
      );
    }
    const host = document.body.appendChild(document.createElement('div'));
    const root = createRoot(host);
    cleanups.push(() => {
      root.unmount();
      host.remove();
    });
    const onCommit = () => {
      commits++;
      const shown = [...host.querySelectorAll('li')].map((li) => li.textContent!.split(':').slice(1).join(':'));
      if (new Set(shown).size > 1) torn.push([...new Set(shown)]);
    };
    root.render(
      <StrictMode>
        <Profiler id="app" onRender={onCommit}>
          <App />
        </Profiler>
      </StrictMode>,
    );
    await waitFor(() => host.querySelectorAll('li').length === 300);
    startTransition(() => setPass(1));
    await waitFor(() => [...host.querySelectorAll('li')].every((li) => li.textContent!.endsWith(':1:1')), 20_000);

    expect(changedDuringRender).toBe(true);
    expect(commits).toBeGreaterThan(1);
    expect(torn).toEqual([]);
  });
});
