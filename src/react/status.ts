// Hooks over a store's own events: its network status and its presence (awareness) peers.
// Typed structurally so that this layer does not import the browser runtime.
import { useCallback, useState, useSyncExternalStore } from 'react';

/** What `useStatus` needs of a store (tinysync/browser's `Store` has it). */
export interface StatusSource<S> {
  readonly status: S;
  onStatus(cb: (status: S) => void): () => void;
}

/** What `usePresence` needs of a store's `presence`. */
export interface PresenceSource<P> {
  others(): P[];
  onChange(cb: (peers: P[]) => void): () => void;
}

/**
 * `store.status` (`'loading' | 'offline' | 'connecting' | 'synced'`), re-rendering the calling
 * component on every `store.onStatus` event.
 *
 * @example
 * const status = useStatus(store);
 * <span className={status}>{status}</span>
 */
export function useStatus<S>(store: StatusSource<S>): S {
  const subscribe = useCallback((cb: () => void) => store.onStatus(cb), [store]);
  const read = () => store.status;
  return useSyncExternalStore(subscribe, read, read);
}

/**
 * The other peers' presence states (`presence.others()`), re-rendering the calling component
 * on every presence change.
 *
 * @example
 * const peers = usePresence(store.presence);
 * <ul>{peers.map((p) => <li key={p.clientId}>{String(p.state.name)}</li>)}</ul>
 */
export function usePresence<P>(presence: PresenceSource<P>): P[] {
  // others() may build a new array per call: the snapshot is the one last announced.
  const [box] = useState(() => ({ presence, peers: presence.others() }));
  if (box.presence !== presence) Object.assign(box, { presence, peers: presence.others() });
  const subscribe = useCallback(
    (cb: () => void) =>
      presence.onChange((peers) => {
        box.peers = peers;
        cb();
      }),
    [presence, box],
  );
  const read = () => box.peers;
  return useSyncExternalStore(subscribe, read, read);
}
