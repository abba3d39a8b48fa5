// The sync worker's entry: exposes one Engine (one store) to the main thread through comlink.
import * as Comlink from 'comlink';
import { Engine } from './engine.js';
import type { ClientSink, OpenResult, RepairInfo, WorkerApi } from './protocol.js';

let engine: Engine | null = null;

function need(): Engine {
  if (!engine) throw Object.assign(new Error('tinysync: the sync worker was used before open()'), { name: 'E_WORKER' });
  return engine;
}

/** The engine, started: the main thread defers `start()`, but any call must find it done. */
function ready(): Engine {
  const e = need();
  e.start();
  return e;
}

/** Wraps the main thread's sink proxy so updates are transferred, not copied. */
function transferringSink(remote: Comlink.Remote<ClientSink>): ClientSink {
  const ignore = () => {};
  return {
    update: (updates) => void remote.update(Comlink.transfer(updates, updates)).catch(ignore),
    status: (s) => void remote.status(s).catch(ignore),
    error: (e) => void remote.error(e).catch(ignore),
    presence: (p) => void remote.presence(p).catch(ignore),
    reset: (state) => void remote.reset(Comlink.transfer(state, [state])).catch(ignore),
    leader: (l) => void remote.leader(l).catch(ignore),
    durable: (seq) => void remote.durable(seq).catch(ignore),
  };
}

const api: WorkerApi = {
  async open(opts, sink): Promise<OpenResult> {
    engine = new Engine(opts, transferringSink(sink as unknown as Comlink.Remote<ClientSink>));
    const { parts, status } = await engine.open();
    // Copies: the engine applies the originals itself in start().
    const buffers = parts.map((p) => p.slice().buffer);
    return Comlink.transfer({ parts: buffers, status }, buffers);
  },
  start() {
    need().start();
  },
  push(updates, seq) {
    ready().push(
      updates.map((b) => new Uint8Array(b)),
      seq,
    );
  },
  flushed: () => ready().flushed(),
  synced: () => ready().synced(),
  async lockAcquire(name, mainSv) {
    const { ticket, update } = await ready().lockAcquire(name, new Uint8Array(mainSv));
    const buffer = update.slice().buffer;
    return Comlink.transfer({ ticket, update: buffer }, [buffer]);
  },
  lockRelease: (ticket) => ready().lockRelease(ticket),
  async repair(): Promise<RepairInfo> {
    const r = await ready().repair();
    const dropped = r.update.slice().buffer;
    const state = r.state.slice().buffer;
    return Comlink.transfer({ dropped, inserts: r.inserts, deletes: r.deletes, state }, [dropped, state]);
  },
  presence(state) {
    ready().setPresence(state);
  },
  setOnline(online, source) {
    ready().setOnline(online, source);
  },
  ping: () => Date.now(),
  async close() {
    const durable = (await engine?.close()) ?? -1;
    engine = null;
    return durable;
  },
};

Comlink.expose(api);
