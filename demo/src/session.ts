// What every component of the dashboard shares: the store, who we are, and who edits what.
import type { Store } from 'tinysync/browser';
import { createTracked, usePresence } from 'tinysync/solid';
import { createEffect, untrack } from 'solid-js';
import type { Dashboard } from './model.js';
import { deviceId, tokenSubject, type Identity } from './identity.js';

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
  /** This device's slot in the KPI counters: the device id, or a viewer token's subject (the only slot it may write). */
  slot: string;
  /** Whether the token lets this store add, edit, move and delete cards (false for a viewer link). */
  canEditCards: boolean;
  /** Whether it may add chart points. */
  canAddPoints: boolean;
  setEditing(cardId: string | null): void;
  rename(name: string): void;
}

function asPeerInfo(state: Record<string, unknown>): PeerInfo | undefined {
  const { name, color, editing } = state;
  if (typeof name !== 'string' || typeof color !== 'string') return undefined;
  return { name, color, editing: typeof editing === 'string' ? editing : null };
}

/** Builds the session; call inside the app's root so that its listeners live with it. */
export function createSession(store: Store<Dashboard>, identity: Identity, token?: string): Session {
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

  // A token with path rules (a viewer link) writes only the slots named by its subject.
  const device = deviceId();
  const sub = token === undefined ? undefined : tokenSubject(token);
  const slot = sub !== undefined && !store.canWrite(['kpis', 'deploys', device]) ? sub : device;
  return {
    store,
    data: store.data,
    me,
    peers,
    editors,
    slot,
    canEditCards: store.canWrite(['columns', 0, 'cards', 0]),
    canAddPoints: store.canWrite(['series', 0]),
    setEditing: (cardId) => {
      me.editing = cardId;
    },
    rename: (name) => {
      me.name = name;
    },
  };
}
