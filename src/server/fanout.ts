// The fan-out seam: how an update stored by one instance reaches the clients of the other
// instances holding its document. Without one (a single instance) a room only broadcasts to its
// own clients; redis-fanout.ts implements it over Redis Streams.
import type { DependencyState } from './postgres.js';

/** Marks changes a room received from another instance: they are broadcast but never published or stored again. */
export const REMOTE = Symbol('remote instance');

/** What a room publishes: called in the order the room stored and applied things. */
export interface FanoutPublisher {
  /** An update that is stored (`seq` in the storage) and now goes to the other instances. */
  publishUpdate(doc: string, seq: number, update: Uint8Array): void;
  /** An awareness update of this instance's clients (not stored anywhere). */
  publishAwareness(doc: string, update: Uint8Array): void;
}

/** Where a followed document's traffic from other instances goes (its loaded room). */
export interface FanoutSink {
  /** Another instance stored and applied `update`. */
  update(update: Uint8Array, seq: number): void;
  awareness(update: Uint8Array): void;
  /** Messages may have been missed (a gap in the sequence, Redis restarted): read the stored log again. */
  catchUp(): void;
  /** An instance that just started following the document asks for everyone's presence. */
  presenceWanted(): void;
}

/** One document followed by this instance, from before its room loads until it unloads. */
export interface FanoutLink {
  /** Resolves once the position in the channel is known (so loading the log after it misses nothing). */
  readonly ready: Promise<void>;
  /** Starts delivering (what arrived since `ready` first). */
  deliverTo(sink: FanoutSink): void;
  stop(): void;
}

/** A fan-out channel between the instances that share one storage. */
export interface Fanout extends FanoutPublisher {
  /** Starts following `doc`'s channel; call before loading its stored log. */
  follow(doc: string): FanoutLink;
  /** `up` when connected to the channel. */
  readonly state: DependencyState;
  close(): Promise<void>;
}
