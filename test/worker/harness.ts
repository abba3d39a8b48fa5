// Runs the worker engine in-process with a "main thread" Y.Doc wired to it the way the
// SyncClient does, minus comlink: local updates are pushed, incoming ones applied as remote.
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { Engine } from '../../src/worker/engine.js';
import type { ClientSink, ErrorInfo, NetStatus, OpenOptions, PeerState } from '../../src/worker/protocol.js';
import { MemoryLocks } from './memory-locks.js';

/** One lock manager for the whole test process: every "tab" shares it, like a browser profile. */
export const locks = new MemoryLocks();

export interface FakeTab {
  engine: Engine;
  doc: Y.Doc;
  map: Y.Map<unknown>;
  statuses: NetStatus[];
  errors: ErrorInfo[];
  peers: PeerState[];
  leader: boolean;
  /** `durable(seq)` reports, in order. */
  durable: number[];
  close(): Promise<void>;
}

export const REMOTE = Symbol('remote');

export async function openTab(opts: Partial<OpenOptions> & { name: string }): Promise<FakeTab> {
  const tab = { statuses: [], errors: [], peers: [], leader: false, durable: [] } as unknown as FakeTab;
  let doc = new Y.Doc();
  const sink: ClientSink = {
    update: (updates) => {
      for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u), REMOTE);
    },
    status: (s) => tab.statuses.push(s),
    error: (e) => tab.errors.push(e),
    presence: (p) => (tab.peers = p),
    reset: (state) => {
      doc.destroy();
      doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(state), REMOTE);
      wire();
    },
    leader: (l) => (tab.leader = l),
    durable: (seq) => tab.durable.push(seq),
  };
  const engine = new Engine({ persist: true, sync: false, ...opts }, sink, { locks, WebSocket });
  const wire = () => {
    tab.doc = doc;
    tab.map = doc.getMap('m');
    doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) engine.push([u]);
    });
  };
  const result = await engine.open();
  engine.start();
  for (const p of result.parts) Y.applyUpdate(doc, p, REMOTE);
  wire();
  tab.engine = engine;
  tab.close = async () => {
    await engine.close();
    doc.destroy();
  };
  return tab;
}

export { until } from './wait.js';
