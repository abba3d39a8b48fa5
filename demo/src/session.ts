// What every component of the dashboard shares: the store, who we are, and who edits what.
import type { Store } from 'tinysync/browser';
import { createTracked, usePresence } from 'tinysync/solid';
import { createEffect, untrack } from 'solid-js';
import type { Dashboard } from './model.js';
import type { Identity } from './identity.js';

/** This peer's presence state, as the others see it. */
export interface PeerInfo {
  name: string;
  color: string;
  /** Id of the card being edited, or null. */
  editing: string | null;
}

export interface Session {
  store: Store<Dashboard>;
  data: Dashboard;
  me: PeerInfo;
  /** The other peers (tabs and devices), from presence. */
  peers: () => Array<{ clientId: number; info: PeerInfo }>;
  /** card id → the peers editing it; per-key reactive, so only those cards rerun. */
  editors: Record<string, string[]>;
  setEditing(cardId: string | null): void;
  rename(name: string): void;
}

function asPeerInfo(state: Record<string, unknown>): PeerInfo | undefined {
  const { name, color, editing } = state;
  if (typeof name !== 'string' || typeof color !== 'string') return undefined;
  return { name, color, editing: typeof editing === 'string' ? editing : null };
}

/** Builds the session; call inside the app's root so that its listeners live with it. */
export function createSession(store: Store<Dashboard>, identity: Identity): Session {
  const me = createTracked<PeerInfo>({ name: identity.name, color: identity.color, editing: null });
  const others = usePresence(store.presence);
  const peers = () =>
    others().flatMap((p) => {
      const info = asPeerInfo(p.state);
      return info ? [{ clientId: p.clientId, info }] : [];
    });
  const editors = createTracked<Record<string, string[]>>({});

  createEffect(() => store.presence.set({ name: me.name, color: me.color, editing: me.editing }));
  createEffect(() => {
    const next = new Map<string, string[]>();
    for (const { info } of peers()) {
      if (info.editing) next.set(info.editing, [...(next.get(info.editing) ?? []), info.name]);
    }
    // Only cards whose editors changed are touched, so only they rerun.
    untrack(() => {
      for (const id of Object.keys(editors)) if (!next.has(id)) delete editors[id];
      for (const [id, names] of next) if (editors[id]?.join('\n') !== names.join('\n')) editors[id] = names;
    });
  });

  return {
    store,
    data: store.data,
    me,
    peers,
    editors,
    setEditing: (cardId) => {
      me.editing = cardId;
    },
    rename: (name) => {
      me.name = name;
    },
  };
}
