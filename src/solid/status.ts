// Signals over a store's own events: its network status and its presence (awareness) peers.
// Typed structurally so that this layer does not import the browser runtime.
import { createSignal, getOwner, onCleanup, type Accessor } from 'solid-js';

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

/** Stops `stop` when the current Solid owner is disposed (kept for good outside any owner). */
function whileOwned(stop: () => void): void {
  if (getOwner()) onCleanup(stop);
}

/**
 * A signal of `store.status` (`'loading' | 'local' | 'offline' | 'connecting' | 'synced'`;
 * `'local'` for a store without `sync`), updated by
 * `store.onStatus`. The listener is removed when the calling component or root is disposed.
 *
 * @example
 * const status = useStatus(store);
 * <span class={status()}>{status()}</span>
 */
export function useStatus<S>(store: StatusSource<S>): Accessor<S> {
  const [status, setStatus] = createSignal<S>(store.status, { equals: false });
  whileOwned(store.onStatus(() => setStatus(() => store.status)));
  return status;
}

/**
 * A signal of the other peers' presence states (`store.presence.others()`), updated on every
 * presence change; removed with the calling owner.
 *
 * @example
 * const peers = usePresence(store.presence);
 * <For each={peers()}>{(p) => <li>{String(p.state.name)}</li>}</For>
 */
export function usePresence<P>(presence: PresenceSource<P>): Accessor<P[]> {
  const [peers, setPeers] = createSignal<P[]>(presence.others(), { equals: false });
  whileOwned(presence.onChange(() => setPeers(() => presence.others())));
  return peers;
}
