// Awareness (y-protocols) in the worker: this tab's state, relayed to the other tabs over the
// BroadcastChannel and to the server by the leader's provider, which shares this instance.
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { PeerState } from './protocol.js';

/** Origin of awareness updates that came from another tab (they are not relayed back). */
export const FROM_TABS = Symbol('tinysync:tabs');
/** Origin of the removal of a tab that is gone (its worker ended without saying goodbye). */
const GONE = 'gone';

/**
 * One tab's awareness. Changes made here or received from the server are posted to the other
 * tabs; `onPeers` gets the other peers' states whenever they change (remote states expire
 * after y-protocols' 30 s timeout unless renewed, so a closed tab or lost device disappears).
 */
export class Presence {
  readonly awareness: Awareness;

  constructor(
    doc: Y.Doc,
    private readonly post: (update: Uint8Array) => void,
    private readonly onPeers: (peers: PeerState[]) => void,
  ) {
    this.awareness = new Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on('update', this.relay);
    this.awareness.on('change', this.changed);
  }

  /** Sets (null clears) this tab's state. */
  set(state: Record<string, unknown> | null): void {
    this.awareness.setLocalState(state);
  }

  /** Applies an awareness update another tab posted. */
  receive(update: Uint8Array): void {
    applyAwarenessUpdate(this.awareness, update, FROM_TABS);
  }

  /** This tab's state, encoded for a tab that just joined (null if it has none). */
  encodeLocal(): Uint8Array | null {
    if (this.awareness.getLocalState() === null) return null;
    return encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]);
  }

  /**
   * Rejoins after a reconnect. Peers whose states were removed (the socket closed, a relayed
   * removal) keep their last clock here, and y-protocols takes a state only with a newer clock:
   * the same state heard again would be ignored until its owner renews it (up to 15 s). So their
   * clocks are forgotten, and this tab's state is re-announced with a new clock, which the
   * server and the others (who removed it with the old one) take in at once.
   */
  rejoin(): void {
    const { awareness } = this;
    for (const clientId of [...awareness.meta.keys()]) {
      if (clientId !== awareness.clientID && !awareness.states.has(clientId)) awareness.meta.delete(clientId);
    }
    const local = awareness.getLocalState();
    if (local !== null) awareness.setLocalState(local);
  }

  /** Removes the states of peers known to be gone (a closed tab); relayed like any change. */
  remove(clientIds: number[]): void {
    removeAwarenessStates(this.awareness, clientIds.filter((id) => id !== this.awareness.clientID), GONE);
  }

  /** This tab's awareness client id (it changes when `repair()` replaces the doc). */
  get clientId(): number {
    return this.awareness.clientID;
  }

  /** Every other peer's state. */
  others(): PeerState[] {
    const out: PeerState[] = [];
    for (const [clientId, state] of this.awareness.getStates()) {
      if (clientId !== this.awareness.clientID && state) out.push({ clientId, state: state as Record<string, unknown> });
    }
    return out;
  }

  /** Announces this tab's departure and stops the renewal timer. */
  destroy(): void {
    removeAwarenessStates(this.awareness, [this.awareness.clientID], 'closed');
    this.awareness.off('update', this.relay);
    this.awareness.off('change', this.changed);
    this.awareness.destroy();
  }

  private readonly relay = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === FROM_TABS) return;
    const clients = added.concat(updated, removed);
    if (clients.length > 0) this.post(encodeAwarenessUpdate(this.awareness, clients));
  };

  private readonly changed = () => this.onPeers(this.others());
}
