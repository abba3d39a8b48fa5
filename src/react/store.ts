// Opening a store once per app: components that ask for the same name share one store, which
// is closed once the last of them unmounts.
import { useEffect, useReducer } from 'react';

/** What `useStore` needs of a store (tinysync/browser's `Store` has it). */
export interface Closable {
  close(): Promise<void> | void;
}

interface Opening {
  promise: Promise<Closable>;
  store?: Closable;
  /** Boxed: a promise may reject with `undefined`. */
  error?: [unknown];
  users: number;
  timer?: ReturnType<typeof setTimeout>;
}

const openings = new Map<string, Opening>();

/**
 * The store named `name`, opened by `open(name)` when the first component asks for it and
 * closed after the last one unmounts; `undefined` while it opens (render a placeholder). A
 * failed open is thrown during render, for an error boundary. StrictMode's unmount-remount is
 * absorbed: the close waits one task and is cancelled by a new user.
 *
 * @example
 * const store = useStore('todos', (name) => createStore(name, { items: [] }, { sync: { url } }));
 * if (!store) return <p>Loading…</p>;
 */
export function useStore<S extends Closable>(name: string, open: (name: string) => Promise<S>): S | undefined {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    let opening = openings.get(name);
    if (!opening) {
      const entry: Opening = { promise: open(name), users: 0 };
      entry.promise.then(
        (store) => (entry.store = store),
        (error: unknown) => (entry.error = [error]),
      );
      openings.set(name, (opening = entry));
    }
    const entry = opening;
    clearTimeout(entry.timer);
    entry.users++;
    let mounted = true;
    void entry.promise.then(
      () => mounted && rerender(),
      () => mounted && rerender(),
    );
    return () => {
      mounted = false;
      if (--entry.users) return;
      entry.timer = setTimeout(() => {
        if (entry.users) return;
        openings.delete(name);
        void entry.promise.then((store) => store.close(), () => {});
      });
    };
    // `open` is read once per name, like useState's initializer.
  }, [name]);
  const opening = openings.get(name);
  if (opening?.error) throw opening.error[0];
  return opening?.store as S | undefined;
}
