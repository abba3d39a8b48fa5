// The other tabs of this browser profile: a BroadcastChannel between the sync workers of one
// store name, and the Web Locks election of the one worker that holds the WebSocket.
import { holdLock, type LockManagerLike } from './locks.js';
import type { NetStatus } from './protocol.js';

/** Messages between the workers of one store name. `from` is the sender's tab id. */
export type TabMessage =
  | { t: 'update'; from: string; u: Uint8Array }
  /** A new tab announces its state vector; every other tab answers with what it lacks. */
  | { t: 'hello'; from: string; sv: Uint8Array }
  | { t: 'state'; from: string; to: string; u: Uint8Array; sv: Uint8Array }
  | { t: 'awareness'; from: string; u: Uint8Array }
  /** The sender's awareness client id, sent once it holds its lifetime lock (see tab-lifetimes.ts). */
  | { t: 'here'; from: string; client: number }
  /** From the leader, on (re)connecting: every tab re-announces its presence (see `Presence.rejoin`). */
  | { t: 'rejoin'; from: string }
  /** From the leader: its network status and the state vector the server is known to hold. */
  | { t: 'net'; from: string; status: NetStatus; acked: Uint8Array | null; offline: boolean }
  /** The app took the store offline (`on`) or back online, in the sender's tab. */
  | { t: 'offline'; from: string; on: boolean }
  /** Asks the leader to announce `net` again (a new tab, or a new leader). */
  | { t: 'net?'; from: string }
  /** A tab repaired the store: the log was replaced; everyone reloads it. */
  | { t: 'reset'; from: string };

/** Distributive Omit, so each message variant keeps its own fields. */
type WithoutFrom<M> = M extends unknown ? Omit<M, 'from'> : never;

/**
 * One store's channel to the other tabs. Messages are delivered to every other worker on the
 * same name (not back to the sender), in the order each sender posted them.
 */
export class Tabs {
  readonly id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  private readonly channel: BroadcastChannel;
  private leadership: { release: () => void } | null = null;

  constructor(
    private readonly name: string,
    onMessage: (msg: TabMessage) => void,
  ) {
    this.channel = new BroadcastChannel(`tinysync:${name}`);
    this.channel.onmessage = (e: MessageEvent<TabMessage>) => {
      const msg = e.data;
      if (msg.from === this.id) return;
      if ('to' in msg && msg.to !== this.id) return;
      onMessage(msg);
    };
  }

  /** Posts to every other tab. */
  post(msg: WithoutFrom<TabMessage>): void {
    this.channel.postMessage({ ...msg, from: this.id });
  }

  /**
   * Joins the election for the network leadership of this store name: `onLeader` runs once
   * this tab holds the lock `tinysync:leader:<name>`, which it keeps until `close()` or until
   * the tab dies — then the next waiting tab gets it.
   */
  elect(locks: LockManagerLike, onLeader: () => void): void {
    const held = holdLock(locks, `tinysync:leader:${this.name}`);
    this.leadership = held;
    void held.acquired.then(() => {
      if (this.leadership === held) onLeader();
    });
  }

  close(): void {
    this.leadership?.release();
    this.leadership = null;
    this.channel.close();
  }
}
