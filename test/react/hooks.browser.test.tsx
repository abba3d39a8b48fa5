/** @jsxImportSource react */
// tinysync/react's hooks in real Chromium under StrictMode (React 19 in project `browser`,
// React 18 in project `react18`): what a render reads is what re-renders it (keys, Maps, Sets,
// embedded text, conditional reads), views are read-only, memoized children given a view see
// changes, server rendering works, and useStore / useStatus / usePresence follow their source.
import { act, Component, memo, Profiler, useState, type ProfilerOnRenderCallback, type ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { NotTrackedError, track, transact } from 'tinysync';
import { text, type TrackedText } from 'tinysync/crdt';
import { ReadOnlyError, source, usePresence, useStatus, useStore, useTracked } from 'tinysync/react';
import { waitFor } from './helpers.js';
import { cleanups, mount, runCleanups } from './mount.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const counts = new Map<string, number>();
const count: ProfilerOnRenderCallback = (id) => counts.set(id, (counts.get(id) ?? 0) + 1);
/** Wraps what a component returns so that its renders are counted under `id`. */
const Counted = ({ id, children }: { id: string; children: ReactNode }) => (
  <Profiler id={id} onRender={count}>
    {children}
  </Profiler>
);

afterEach(async () => {
  await runCleanups();
  counts.clear();
});

/** Runs `fn` inside act() and returns the render counts it caused. */
async function renders(fn: () => void): Promise<Record<string, number>> {
  counts.clear();
  await act(async () => fn());
  return Object.fromEntries(counts);
}

describe('render tracking', () => {
  it('Map keys and Set contents re-render only their readers', async () => {
    const state = track({ prices: new Map([['a', 1], ['b', 2]]), tags: new Set(['x']) });
    function Price({ k }: { k: string }) {
      const view = useTracked(state);
      return <Counted id={k}>{String(view.prices.get(k))}</Counted>;
    }
    function Tags() {
      const view = useTracked(state);
      return <Counted id="tags">{[...view.tags].join(',')}</Counted>;
    }
    const host = await mount(
      <>
        <Price k="a" />
        <Price k="b" />
        <Tags />
      </>,
    );
    expect(await renders(() => state.prices.set('a', 10))).toEqual({ a: 1 });
    expect(await renders(() => state.tags.add('y'))).toEqual({ tags: 1 });
    expect(await renders(() => state.prices.delete('b'))).toEqual({ b: 1 });
    expect(host.textContent).toBe('10undefinedx,y');
  });

  it('a nested object whose tree no component read before still re-renders its reader, edit after edit', async () => {
    const state = track({ items: [{ title: 'a' }, { title: 'b' }] });
    function Item() {
      return <Counted id="item">{useTracked(state.items[1]!).title}</Counted>;
    }
    const host = await mount(<Item />);
    expect(await renders(() => (state.items[1]!.title = 'b1'))).toEqual({ item: 1 });
    expect(await renders(() => (state.items[0]!.title = 'a1'))).toEqual({});
    expect(await renders(() => (state.items[1]!.title = 'b2'))).toEqual({ item: 1 });
    expect(host.textContent).toBe('b2');
  });

  it('a key read only in an earlier render no longer re-renders the component', async () => {
    const state = track({ show: true, detail: 'd', other: 'o' });
    function Panel() {
      const view = useTracked(state);
      return <Counted id="panel">{view.show ? view.detail : view.other}</Counted>;
    }
    await mount(<Panel />);
    expect(await renders(() => (state.show = false))).toEqual({ panel: 1 });
    expect(await renders(() => (state.detail = 'changed'))).toEqual({});
    expect(await renders(() => (state.other = 'x'))).toEqual({ panel: 1 });
  });

  it('an edit inside an embedded text() re-renders what read that field, also when remote', async () => {
    const state = track({ notes: [{ body: text('hello') as TrackedText }] });
    function Note() {
      const view = useTracked(state);
      return <Counted id="note">{String(view.notes[0]!.body)}</Counted>;
    }
    const host = await mount(<Note />);
    expect(await renders(() => state.notes[0]!.body.insert(5, '!'))).toEqual({ note: 1 });
    expect(await renders(() => transact(state, () => state.notes[0]!.body.delete(0, 1), { origin: 'remote' }))).toEqual({ note: 1 });
    expect(host.textContent).toBe('ello!');
  });

  it('a memoized child that reads through its parent’s view (without useTracked) sees changes', async () => {
    const state = track({ user: { name: 'ada' }, clicks: 0 });
    const Name = memo(function Name({ user }: { user: { name: string } }) {
      return <Counted id="name">{user.name}</Counted>;
    });
    function Card() {
      const view = useTracked(state);
      return <Name user={view.user} />;
    }
    const host = await mount(<Card />);
    expect(await renders(() => (state.user.name = 'grace'))).toEqual({ name: 1 });
    expect(host.textContent).toBe('grace');
    expect(await renders(() => state.clicks++)).toEqual({});
  });

  it('views are read-only (ReadOnlyError with the path); source(view) is the tracked object to write to', async () => {
    const state = track({ todos: [{ title: 'a', done: false }], tags: new Map([['k', 'v']]) });
    let caught: unknown[] = [];
    let toggle = () => {};
    function Todo() {
      const view = useTracked(state);
      const todo = view.todos[0]!;
      caught = [];
      for (const write of [
        () => ((todo as { done: boolean }).done = true),
        () => view.todos.push({ title: 'b', done: false }),
        () => view.tags.set('k', 'w'),
        () => delete (view as { tags?: unknown }).tags,
      ]) {
        try {
          write();
        } catch (e) {
          caught.push(e);
        }
      }
      toggle = () => (source(todo).done = !todo.done);
      return <Counted id="todo">{String(todo.done)}</Counted>;
    }
    const host = await mount(<Todo />);
    expect(caught).toHaveLength(4);
    expect(caught.every((e) => e instanceof ReadOnlyError && e.code === 'E_READ_ONLY')).toBe(true);
    expect((caught[0] as ReadOnlyError).path).toEqual(['todos', 0, 'done']);
    expect((caught[1] as ReadOnlyError).path).toEqual(['todos', 'push']);
    expect(state.todos).toHaveLength(1);
    expect(state.tags.get('k')).toBe('v');
    expect(source(state)).toBe(state);
    expect(await renders(() => toggle())).toEqual({ todo: 1 });
    expect(state.todos[0]!.done).toBe(true);
    expect(host.textContent).toBe('true');
  });

  it('renders on the server (renderToString) from the current state', () => {
    const state = track({ items: [{ id: 'a', title: 'first' }, { id: 'b', title: 'second' }] });
    function Item({ item }: { item: { title: string } }) {
      return <li>{useTracked(item).title}</li>;
    }
    function List() {
      const view = useTracked(state);
      return <ul>{view.items.map((item) => <Item key={item.id} item={item} />)}</ul>;
    }
    expect(renderToString(<List />)).toBe('<ul><li>first</li><li>second</li></ul>');
  });

  it('refuses an object that is not tracked (NotTrackedError), instead of a view that never updates', () => {
    function Plain() {
      return <span>{useTracked({ title: 'plain' }).title}</span>;
    }
    expect(() => renderToString(<Plain />)).toThrow(NotTrackedError);
  });

  it('an unmounted component is no longer rendered nor kept by the store', async () => {
    const state = track({ a: 1 });
    let setShown: (b: boolean) => void = () => {};
    function Reader() {
      return <Counted id="reader">{useTracked(state).a}</Counted>;
    }
    function Host() {
      const [shown, set] = useState(true);
      setShown = set;
      return shown ? <Reader /> : null;
    }
    await mount(<Host />);
    expect(await renders(() => state.a++)).toEqual({ reader: 1 });
    await act(async () => setShown(false));
    expect(await renders(() => state.a++)).toEqual({});
  });
});

describe('useStore, useStatus, usePresence', () => {
  /** A stand-in for tinysync/browser's Store: status and presence events, and close(). */
  function fakeStore(name: string) {
    const statusCbs = new Set<(s: string) => void>();
    const presenceCbs = new Set<(p: Array<{ clientId: number }>) => void>();
    const store = {
      name,
      status: 'loading',
      peers: [] as Array<{ clientId: number }>,
      closed: 0,
      onStatus: (cb: (s: string) => void) => (statusCbs.add(cb), () => statusCbs.delete(cb)),
      setStatus(s: string) {
        store.status = s;
        for (const cb of statusCbs) cb(s);
      },
      presence: {
        others: () => [...store.peers],
        onChange: (cb: (p: Array<{ clientId: number }>) => void) => (presenceCbs.add(cb), () => presenceCbs.delete(cb)),
      },
      setPeers(peers: Array<{ clientId: number }>) {
        store.peers = peers;
        for (const cb of presenceCbs) cb(store.presence.others());
      },
      listeners: () => statusCbs.size + presenceCbs.size,
      close: async () => void store.closed++,
    };
    return store;
  }

  it('opens a store once for every component that asks for its name, and closes it after the last unmounts', async () => {
    let opened = 0;
    let made: ReturnType<typeof fakeStore> | undefined;
    const open = async (name: string) => {
      opened++;
      return (made = fakeStore(name));
    };
    let setShown: (b: boolean) => void = () => {};
    function Status() {
      const store = useStore('todos', open);
      return <span>{store ? <Live store={store} /> : 'opening'}</span>;
    }
    function Live({ store }: { store: ReturnType<typeof fakeStore> }) {
      const status = useStatus(store);
      const peers = usePresence(store.presence);
      return <Counted id="live">{`${store.name}:${status}:${peers.length}`}</Counted>;
    }
    function App() {
      const [shown, set] = useState(true);
      setShown = set;
      return shown ? (
        <>
          <Status />
          <Status />
        </>
      ) : null;
    }
    const host = await mount(<App />);
    await act(() => waitFor(() => host.textContent === 'todos:loading:0todos:loading:0'));
    expect(opened).toBe(1); // two components, StrictMode's double effects: one open

    await act(async () => made!.setStatus('synced'));
    expect(host.textContent).toBe('todos:synced:0todos:synced:0');
    await act(async () => made!.setPeers([{ clientId: 7 }]));
    expect(host.textContent).toBe('todos:synced:1todos:synced:1');
    expect(await renders(() => made!.setPeers([{ clientId: 7 }, { clientId: 8 }]))).toEqual({ live: 2 });

    await act(async () => setShown(false));
    expect(made!.listeners()).toBe(0);
    await waitFor(() => made!.closed === 1);
  });

  it('a failed open reaches the error boundary', async () => {
    class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
      override state: { error?: Error } = {};
      static getDerivedStateFromError(error: Error) {
        return { error };
      }
      override render() {
        return this.state.error ? `failed: ${this.state.error.message}` : this.props.children;
      }
    }
    function Opener() {
      const store = useStore('broken', () => Promise.reject(new Error('no IndexedDB')));
      return <span>{store ? 'open' : 'opening'}</span>;
    }
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => (errors.push(e.error), e.preventDefault());
    window.addEventListener('error', onError);
    cleanups.push(() => window.removeEventListener('error', onError));
    const quiet = console.error;
    console.error = () => {};
    cleanups.push(() => void (console.error = quiet));
    const host = await mount(
      <Boundary>
        <Opener />
      </Boundary>,
    );
    await act(() => waitFor(() => host.textContent!.startsWith('failed')));
    expect(host.textContent).toBe('failed: no IndexedDB');
  });
});
