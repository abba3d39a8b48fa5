// Issue 11, points 1 and 2: an update is checked before it touches a document, a bad one never
// reaches the stored log or other clients (even when Y.applyUpdate throws halfway), snapshots
// are test-loaded before they replace a log, and no frame stalls the server. FC_RUNS sets the
// number of room-level runs of the property (2,000 by default: each run is a fraction of a ms).
import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { CloseCode, createToken, DEFAULT_LIMITS, docToJSON, SqlitePersistence, UpdateRefusedError, type LogRecord, type Persistence } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Room } from '../../src/server/room.js';
import { message } from './frames.js';
import { attempt, cleanup, closed, connectClient, SECRET, startServer, synced, tempDir, waitFor } from './helpers.js';
import { fakeConn, memoryStore, type FakeConn } from './room-fakes.js';

afterEach(cleanup);

const RUNS = Number(process.env.FC_RUNS ?? 2000);

/** The reproduction of issue 11: the update of its one sync-step-2 frame (the frame is 0, 1, length, this). */
const ISSUE_UPDATE = Buffer.from(
  '0107ec07002801026d34016101770162080103617272037d017d027601017a77013104010174016181ec07040084ec0706036465662701026d34066e6573746564012800ec070a01780175027d017d0a01ec07010502',
  'hex',
);

/** A scratch doc; a fixed guid spares the random one, the main cost of a small Y.Doc. */
const probe = () => new Y.Doc({ guid: 'probe' });

const hex = (updates: Uint8Array[]): string[] => updates.map((u) => Buffer.from(u).toString('hex'));

async function openRoom(store: Persistence, name: string, logs: LogRecord[] = [], maxPendingBytes = 16 * 1024): Promise<Room> {
  return Room.load(name, { persistence: store, logger: (r) => logs.push(r), compactAfterUpdates: 10_000, limits: { ...DEFAULT_LIMITS, maxPendingBytes } });
}

/** Attaches a connection and drops the opening messages (step 1, presence) it is sent. */
async function attached(room: Room, right: 'read' | 'write' = 'write'): Promise<FakeConn> {
  const c = fakeConn(room, undefined, 'test', right);
  room.attach(c.conn);
  await room.drain();
  c.sent.length = 0;
  return c;
}

/** Content of a stored log loaded into a fresh doc; throws as Room.load would. */
function reload(updates: Uint8Array[]): { json: unknown; sv: string } {
  const doc = probe();
  try {
    doc.transact(() => {
      for (const u of updates) Y.applyUpdate(doc, u);
    });
    if (doc.store.pendingStructs || doc.store.pendingDs) throw new Error('stored log leaves structs pending');
    return { json: docToJSON(doc), sv: Buffer.from(Y.encodeStateVector(doc)).toString('hex') };
  } finally {
    doc.destroy();
  }
}

const state = (doc: Y.Doc) => ({ json: docToJSON(doc), sv: Buffer.from(Y.encodeStateVector(doc)).toString('hex') });

/** The content a room holds before each hostile update: a few structs of client 1. */
function preContent(): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = 1;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.getText('t').insert(0, 'hello');
  doc.getText('t').insert(5, ' world');
  doc.getMap('m').set('legit', 'yes');
  doc.getArray('a').insert(0, [1, { x: 2 }]);
  doc.destroy();
  return updates;
}
const PRE = preContent();
const PRE_MERGED = Y.mergeUpdates(PRE);

/**
 * Valid updates from three clients that start from PRE and edit it concurrently (inserts,
 * deletes, map overwrites, nested types): the material the bit flips are made of.
 */
function validUpdates(count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let seed = 1; seed <= count; seed++) {
    let s = seed;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const docs = [2, 3, 4].map((c) => {
      const d = new Y.Doc();
      d.clientID = c * 1000 + seed;
      for (const u of PRE) Y.applyUpdate(d, u);
      return d;
    });
    const sync = () => {
      for (const a of docs) for (const b of docs) if (a !== b) Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    };
    for (let i = 0; i < 12; i++) {
      const d = docs[Math.floor(rand() * docs.length)]!;
      const t = d.getText('t');
      if (t.length > 3 && rand() < 0.3) t.delete(Math.floor(rand() * (t.length - 2)), 2);
      else t.insert(Math.floor(rand() * (t.length + 1)), 'xy');
      if (rand() < 0.5) d.getMap('m').set(`k${Math.floor(rand() * 3)}`, i);
      const a = d.getArray('a');
      if (rand() < 0.3 && a.length > 0) a.delete(0, 1);
      else a.insert(Math.floor(rand() * (a.length + 1)), [i]);
      if (rand() < 0.2) {
        const m = new Y.Map<number>();
        d.getMap('m').set('n', m);
        m.set('z', i);
      }
      if (i % 4 === 0) sync();
    }
    sync();
    const pre = new Y.Doc();
    for (const u of PRE) Y.applyUpdate(pre, u);
    out.push(Y.encodeStateAsUpdate(docs[0]!, Y.encodeStateVector(pre)));
    pre.destroy();
    for (const d of docs) d.destroy();
  }
  return out;
}
const VALID = validUpdates(40);

/** Whether `update` decodes, yet Y.applyUpdate throws on it in a doc holding PRE. */
function decodesButFails(update: Uint8Array): boolean {
  try {
    Y.decodeUpdate(update);
  } catch {
    return false;
  }
  const doc = probe();
  try {
    Y.applyUpdate(doc, PRE_MERGED);
    Y.applyUpdate(doc, update);
    return false;
  } catch {
    return true;
  } finally {
    doc.destroy();
  }
}

/**
 * One to three bit flips of a valid update that still decode but make Y.applyUpdate throw.
 * About one flip in thirty does; fast-check picks the update and a seed, and the flips are
 * searched from that seed (replayable), which is much faster than filtering fast-check's values.
 */
const brokenUpdate: fc.Arbitrary<Uint8Array> = fc.record({ which: fc.nat({ max: VALID.length - 1 }), seed: fc.integer() }).map(({ which, seed }) => {
  let s = seed >>> 0;
  const rand = (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  for (let tries = 0; ; tries++) {
    const u = Uint8Array.from(VALID[(which + Math.floor(tries / 1000)) % VALID.length]!);
    const flips = 1 + rand(3);
    for (let f = 0; f < flips; f++) u[rand(u.length)]! ^= 1 << rand(8);
    if (decodesButFails(u)) return u;
  }
});

describe('sync server: a bad update never reaches storage or peers (room)', () => {
  it('refuses the 86-byte update of issue 11 with 1007; the doc, its stored log and peers are as before, and it compacts and reloads', async () => {
    const store = memoryStore();
    for (const u of PRE) store.append('doc', u);
    const logs: LogRecord[] = [];
    const room = await openRoom(store, 'doc', logs);
    const peer = await attached(room);
    const attacker = await attached(room);
    const before = state(room.doc);
    room.receive(attacker.conn, message(0, 1, ISSUE_UPDATE));
    await room.drain();
    expect(attacker.closedWith).toEqual({ code: CloseCode.INVALID_MESSAGE, reason: expect.stringMatching(/^invalid update: /) });
    const refusal = logs.find((l) => l.event === 'client-refused');
    expect(refusal?.error).toBeInstanceOf(UpdateRefusedError);
    expect(refusal?.error).toMatchObject({ code: 'E_UPDATE_INVALID', path: ['doc'] });
    expect(peer.sent).toHaveLength(0);
    expect(hex(store.logs.get('doc')!)).toEqual(hex(PRE));
    expect(state(room.doc)).toEqual(before);
    // The idle unload compacts: the snapshot replaces the log and loads.
    await room.run(() => room.compactNow());
    expect(store.logs.get('doc')).toHaveLength(1);
    expect(reload(store.logs.get('doc')!)).toEqual(before);
    const again = await openRoom(store, 'doc');
    expect(state(again.doc)).toEqual(before);
  });

  it('stores and relays nothing of an update Y.applyUpdate throws on halfway, and rebuilds the doc from its stored log', async () => {
    // An update the check cannot fault (valid structure, history present), made to throw
    // after Yjs took it in by an observer: the case of a Yjs failure the check did not foresee.
    const store = memoryStore();
    for (const u of PRE) store.append('doc', u);
    const logs: LogRecord[] = [];
    const room = await openRoom(store, 'doc', logs);
    const peer = await attached(room);
    const writer = await attached(room);
    const before = state(room.doc);
    let armed = true;
    room.doc.on('afterTransaction', () => {
      if (armed) {
        armed = false;
        throw new Error('Yjs failed halfway');
      }
    });
    const source = new Y.Doc();
    for (const u of PRE) Y.applyUpdate(source, u);
    const sv = Y.encodeStateVector(source);
    source.getMap('m').set('bad', 'never stored');
    source.getText('t').delete(0, 5);
    const bad = Y.encodeStateAsUpdate(source, sv);
    room.receive(writer.conn, message(0, 2, bad));
    await room.drain();
    expect(writer.closedWith).toEqual({ code: CloseCode.INVALID_MESSAGE, reason: 'update could not be applied' });
    expect(peer.sent).toHaveLength(0);
    expect(hex(store.logs.get('doc')!)).toEqual(hex(PRE));
    expect(state(room.doc)).toEqual(before);
    expect(logs.some((l) => l.event === 'doc-rebuilt')).toBe(true);
    // The rebuilt doc serves on: a later good update is stored and relayed once.
    const writer2 = await attached(room);
    room.receive(writer2.conn, message(0, 2, bad));
    await room.drain();
    expect(writer2.closedWith).toBeUndefined();
    expect(peer.sent).toHaveLength(1);
    expect(reload(store.logs.get('doc')!)).toEqual(state(room.doc));
    expect((docToJSON(room.doc).m as Record<string, unknown>).bad).toBe('never stored');
    source.destroy();
  });

  it('does not replace the log by a snapshot that does not load, and logs it', async () => {
    const store = memoryStore();
    for (const u of PRE) store.append('doc', u);
    const logs: LogRecord[] = [];
    const room = await openRoom(store, 'doc', logs);
    // A doc whose snapshot cannot load: the zero-length struct the issue's update leaves in a
    // document when applied unchecked (put there directly: no client update can do it now).
    try {
      Y.applyUpdate(room.doc, ISSUE_UPDATE);
    } catch {
      // the part before the throw stays in the doc, as it did on the landed server
    }
    const logBefore = hex(store.logs.get('doc')!);
    await room.run(() => room.compactNow());
    expect(hex(store.logs.get('doc')!)).toEqual(logBefore);
    expect(logs.find((l) => l.event === 'compact-failed')).toMatchObject({ level: 'error', doc: 'doc' });
    expect(reload(store.logs.get('doc')!).json).toEqual(reload(PRE).json);
  });

  it(`property: ${RUNS} bit-flipped updates that decode but fail to apply leave doc, log and peers as before`, async () => {
    let rebuilt = 0;
    let refused = 0;
    // One room for every run: nothing may change it, so each run starts where the last ended.
    const store = memoryStore();
    for (const u of PRE) store.append('doc', u);
    const logs: LogRecord[] = [];
    const room = await openRoom(store, 'doc', logs);
    const peer = await attached(room);
    const before = state(room.doc);
    await fc.assert(
      fc.asyncProperty(brokenUpdate, fc.boolean(), async (update, step2) => {
        const reader = await attached(room, 'read');
        const attacker = await attached(room);
        const rebuilds = logs.filter((l) => l.event === 'doc-rebuilt').length;
        room.receive(attacker.conn, message(0, step2 ? 1 : 2, update));
        room.receive(reader.conn, message(0, 2, update));
        await room.drain();
        room.detach(attacker.conn);
        room.detach(reader.conn);
        expect(attacker.closedWith?.code).toBe(CloseCode.INVALID_MESSAGE);
        expect([CloseCode.INVALID_MESSAGE, CloseCode.READ_ONLY]).toContain(reader.closedWith?.code);
        expect(peer.sent).toHaveLength(0);
        expect(peer.closedWith).toBeUndefined();
        expect(state(room.doc)).toEqual(before);
        // Compaction (as at the idle unload) writes a snapshot that reloads to the same content.
        await room.run(() => room.compactNow());
        expect(reload(store.logs.get('doc')!)).toEqual(before);
        if (logs.filter((l) => l.event === 'doc-rebuilt').length > rebuilds) rebuilt++;
        else refused++;
      }),
      { numRuns: RUNS },
    );
    expect(rebuilt + refused).toBe(RUNS);
    // The room still takes a good update after all of them, and a restart loads its log.
    const writer = await attached(room);
    const source = new Y.Doc();
    for (const u of PRE) Y.applyUpdate(source, u);
    const sv = Y.encodeStateVector(source);
    source.getMap('m').set('after', 'attack');
    room.receive(writer.conn, message(0, 2, Y.encodeStateAsUpdate(source, sv)));
    await room.drain();
    expect(peer.sent).toHaveLength(1);
    room.shutDown(1001, 'restart');
    const again = await openRoom(store, 'doc');
    expect((docToJSON(again.doc).m as Record<string, unknown>).after).toBe('attack');
    again.shutDown(1001, 'test over');
    source.destroy();
  }, 300_000);
});

const token = (doc: string, right: 'read' | 'write') => createToken({ secret: SECRET, doc, right, ttl: '1h', sub: `test-${right}` });

/** The document as GET /docs/<doc>/update serves it, decoded: its JSON and state vector. */
async function served(http: string, doc: string, bearer?: string): Promise<{ json: unknown; sv: string }> {
  const res = await fetch(`${http}/docs/${doc}/update`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
  expect(res.status).toBe(200);
  return reload([new Uint8Array(await res.arrayBuffer())]);
}

/** Opens a raw socket with `t` and sends `frame`; resolves with the close code and reason. */
async function sendAndClose(url: string, frame: Uint8Array): Promise<{ code: number; reason: string }> {
  const r = await attempt(url);
  if (r.refused) throw new Error(`refused: ${r.status}`);
  const done = closed(r.ws);
  r.ws.send(frame);
  return done;
}

/**
 * Polls GET /health back to back until `stop` resolves and returns the slowest answer (ms).
 * The server runs in this process, so a stalled event loop delays these answers too.
 */
async function slowestHealth(http: string, stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => (done = true));
  let slowest = 0;
  while (!done) {
    const t0 = performance.now();
    const res = await fetch(`${http}/health`);
    await res.json();
    slowest = Math.max(slowest, performance.now() - t0);
  }
  return slowest;
}

/**
 * Three docs editing concurrently, each change its own update: the frames of honest clients.
 * `ops` picks, per step, the doc, the kind of edit and positions.
 */
function honestUpdates(ops: number[][]): { updates: Uint8Array[]; final: Y.Doc } {
  const docs = [1, 2, 3].map((c) => {
    const d = new Y.Doc({ guid: 'honest' });
    d.clientID = c;
    return d;
  });
  const updates: Uint8Array[] = [];
  for (const d of docs) d.on('update', (u: Uint8Array, origin: unknown) => origin !== 'sync' && updates.push(u));
  for (const [who, kind, at] of ops) {
    const d = docs[who! % 3]!;
    const t = d.getText('t');
    const a = d.getArray<unknown>('a');
    if (kind === 0) t.insert(at! % (t.length + 1), 'ab');
    else if (kind === 1 && t.length > 0) t.delete(at! % t.length, 1);
    else if (kind === 2) a.insert(at! % (a.length + 1), [at]);
    else if (kind === 3 && a.length > 0) a.delete(at! % a.length, 1);
    else if (kind === 4) d.getMap('m').set(`k${at! % 3}`, at);
    else if (kind === 5) {
      const m = new Y.Map<number>();
      a.insert(0, [m]);
      m.set('x', at!);
    } else {
      // sync two docs: later changes then depend on the other's
      const other = docs[(who! + 1) % 3]!;
      Y.applyUpdate(other, Y.encodeStateAsUpdate(d, Y.encodeStateVector(other)), 'sync');
    }
  }
  const final = new Y.Doc({ guid: 'final' });
  for (const u of updates) Y.applyUpdate(final, u);
  for (const d of docs) d.destroy();
  return { updates, final };
}

describe('sync server: the update check lets every honest update through', () => {
  it(`property: ${Math.round(RUNS / 10)} histories of honest updates, delivered in any order, are all accepted and converge`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(2), fc.nat(6), fc.nat(50)), { minLength: 1, maxLength: 30 }),
        fc.func(fc.integer()),
        async (ops, order) => {
          const { updates, final } = honestUpdates(ops);
          const shuffled = updates.map((u, i) => [order(i), i, u] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map(([, , u]) => u);
          const store = memoryStore();
          const room = await openRoom(store, 'doc');
          const peer = await attached(room);
          const writer = await attached(room);
          for (const u of shuffled) room.receive(writer.conn, message(0, 2, u));
          await room.drain();
          expect(writer.closedWith).toBeUndefined();
          expect(state(room.doc)).toEqual(state(final));
          // What was stored and relayed is the whole history: a reload and the peer agree.
          expect(reload(store.logs.get('doc') ?? [])).toEqual(state(final));
          const mirror = probe();
          for (const f of peer.sent) Y.applyUpdate(mirror, f.subarray(3));
          expect(state(mirror)).toEqual(state(final));
          mirror.destroy();
          final.destroy();
          room.shutDown(1001, 'test over');
        },
      ),
      { numRuns: Math.round(RUNS / 10) },
    );
  }, 120_000);

  it('relays a held-aside update, once its history arrives, to the client that brought the history too', async () => {
    const store = memoryStore();
    const room = await openRoom(store, 'doc');
    const { updates } = honestUpdates([
      [0, 4, 1],
      [0, 4, 2],
    ]);
    const early = await attached(room);
    const late = await attached(room);
    room.receive(early.conn, message(0, 2, updates[1]!)); // lacks its history: held aside
    await room.drain();
    expect(late.sent).toHaveLength(0);
    expect(store.logs.get('doc')).toBeUndefined();
    room.receive(late.conn, message(0, 2, updates[0]!));
    await room.drain();
    const mirror = probe();
    Y.applyUpdate(mirror, updates[0]!);
    for (const f of late.sent) Y.applyUpdate(mirror, f.subarray(3));
    expect(mirror.getMap('m').toJSON()).toEqual({ k1: 1, k2: 2 });
    expect(early.closedWith).toBeUndefined();
    expect(reload(store.logs.get('doc')!).json).toMatchObject({ m: { k1: 1, k2: 2 } });
    mirror.destroy();
  });

  it('keeps a read-only client that sends deletions the doc already has, and closes it with 4003 for a new deletion', async () => {
    const store = memoryStore();
    const source = new Y.Doc();
    const logged: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => logged.push(u));
    source.getText('t').insert(0, 'abcdefgh');
    source.getText('t').delete(2, 3);
    for (const u of logged) store.append('doc', u);
    const room = await openRoom(store, 'doc');
    const reader = await attached(room, 'read');
    room.receive(reader.conn, message(0, 1, Y.encodeStateAsUpdate(source))); // all known, deletions included
    await room.drain();
    expect(reader.closedWith).toBeUndefined();
    const sv = Y.encodeStateVector(source);
    source.getText('t').delete(0, 1); // a deletion of a live character: new
    room.receive(reader.conn, message(0, 2, Y.encodeStateAsUpdate(source, sv)));
    await room.drain();
    expect(reader.closedWith?.code).toBe(CloseCode.READ_ONLY);
    expect(docToJSON(room.doc).t).toBe('abfgh');
    source.destroy();
  });
});

/** A text of `n` one-character structs (two clients alternate, so none merge), as stored updates. */
function longText(n: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.transact(() => {
    for (let i = 0; i < n; i++) {
      doc.clientID = 1 + (i % 2);
      doc.getText('t').insert(i, 'x');
    }
  });
  return { doc, updates };
}

/**
 * `count` one-character inserts by `client`, each placed between `origin` and `right` (ids, or
 * null), hand-written (v1): what an attacker sends to make every insert walk the document.
 */
function farApart(count: number, origin: Y.ID | null, right: Y.ID | null, client = 99): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, count);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0);
  for (let i = 0; i < count; i++) {
    encoding.writeUint8(e, 4 | (origin ? 0x80 : 0) | (right ? 0x40 : 0)); // ContentString
    if (origin) {
      encoding.writeVarUint(e, origin.client);
      encoding.writeVarUint(e, origin.clock);
    }
    if (right) {
      encoding.writeVarUint(e, right.client);
      encoding.writeVarUint(e, right.clock);
    }
    if (!origin && !right) {
      encoding.writeVarUint(e, 1); // parent is a root type...
      encoding.writeVarString(e, 't'); // ...by name
    }
    encoding.writeVarString(e, 'y');
  }
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}

describe('sync server: no update makes Yjs walk the document per change', () => {
  it('refuses updates whose changes sit far from their neighbours at once, and takes honest edits of the same document', async () => {
    const { doc, updates } = longText(20_000);
    const store = memoryStore();
    store.append('doc', Y.mergeUpdates(updates));
    const room = await openRoom(store, 'doc');
    const peer = await attached(room);
    const structs = [...room.doc.store.clients.values()].flat();
    const first = structs.find((s) => s.id.client === 1 && s.id.clock === 0)!.id;
    const last = structs.find((s) => s.id.client === 2 && s.id.clock === 9_999)!.id;
    const before = state(room.doc);
    const attacks = {
      'left at the start, right at the end': farApart(1_000, first, last),
      'no neighbours: from the start of the list to its end': farApart(1_000, null, null),
      'no left neighbour, right at the end': farApart(1_000, null, last),
    };
    for (const [what, update] of Object.entries(attacks)) {
      const attacker = await attached(room);
      const t0 = performance.now();
      room.receive(attacker.conn, message(0, 2, update));
      await room.drain();
      const ms = performance.now() - t0;
      expect(attacker.closedWith, what).toEqual({ code: CloseCode.INVALID_MESSAGE, reason: expect.stringContaining('too costly to integrate') });
      expect(ms, what).toBeLessThan(2_000); // generous for a loaded machine: the landed server spent 11 s on the first
    }
    expect(state(room.doc)).toEqual(before);
    expect(peer.sent).toHaveLength(0);
    // An honest client editing all over the same document is not refused.
    const writer = await attached(room);
    const sv = Y.encodeStateVector(doc);
    doc.clientID = 7;
    for (let i = 0; i < 200; i++) {
      const t = doc.getText('t');
      if (i % 3 === 2) t.delete((i * 7919) % t.length, 2);
      else t.insert((i * 104_729) % t.length, 'ab');
    }
    room.receive(writer.conn, message(0, 2, Y.encodeStateAsUpdate(doc, sv)));
    await room.drain();
    expect(writer.closedWith).toBeUndefined();
    expect(docToJSON(room.doc).t).toBe(doc.getText('t').toString());
    doc.destroy();
  }, 60_000);

  it('checks a held-aside update again when its history arrives, and drops it if it would walk the document', async () => {
    const { doc, updates } = longText(20_000);
    doc.destroy();
    const store = memoryStore();
    store.append('doc', Y.mergeUpdates(updates));
    const logs: LogRecord[] = [];
    const room = await openRoom(store, 'doc', logs);
    const peer = await attached(room);
    const structs = [...room.doc.store.clients.values()].flat();
    const first = structs.find((s) => s.id.client === 1 && s.id.clock === 0)!.id;
    const last = structs.find((s) => s.id.client === 2 && s.id.clock === 9_999)!.id;
    // 1,000 inserts after the first character, right neighbour a change of client 98 the server
    // lacks: held aside, and where they would land cannot be known yet.
    const attacker = await attached(room);
    room.receive(attacker.conn, message(0, 2, farApart(1_000, first, Y.createID(98, 0))));
    await room.drain();
    expect(attacker.closedWith).toBeUndefined();
    // Client 98's change arrives, appended at the end: each held insert would now walk the text.
    const writer = await attached(room);
    const t0 = performance.now();
    room.receive(writer.conn, message(0, 2, farApart(1, last, null, 98)));
    await room.drain();
    expect(performance.now() - t0).toBeLessThan(2_000); // generous: integrating them took the landed server ~20 s
    expect(logs.find((l) => l.event === 'held-dropped')?.error).toMatchObject({ reason: expect.stringContaining('too costly to integrate') });
    expect(writer.closedWith).toBeUndefined();
    expect(peer.sent).toHaveLength(1); // client 98's change, nothing of the dropped part
    expect((docToJSON(room.doc).t as string).length).toBe(20_001);
    expect(reload(store.logs.get('doc')!)).toEqual(state(room.doc));
  }, 60_000);
});

describe('sync server: a bad update never reaches storage or peers (server)', () => {
  it('closes the sender of the issue 11 frame with 1007; peers, stored log and the document after an unload and a restart are unaffected', async () => {
    const dataDir = tempDir();
    const { server, http, stop } = await startServer({ secret: SECRET, dataDir, idleUnloadMs: 50 });
    const write = await token('doc', 'write');
    const peer = connectClient(server.url, 'doc', { token: write });
    await synced(peer);
    peer.doc.getMap('m').set('legit', 'content');
    peer.doc.getText('t').insert(0, 'before the attack');
    const closes: number[] = [];
    peer.provider.on('connection-close', (e: CloseEvent | null) => e && closes.push(e.code));
    await waitFor(() => server.stats().docs === 1, 'doc loaded');
    const before = await pollUntilServed(http, 'doc', (s) => (s.json as { t?: string }).t === 'before the attack', write);

    expect(await sendAndClose(`${server.url}/doc?token=${write}`, message(0, 1, ISSUE_UPDATE))).toMatchObject({ code: CloseCode.INVALID_MESSAGE });
    expect(await served(http, 'doc', write)).toEqual(before);
    // The peer's next change still arrives at a second client: nothing broke its sync.
    peer.doc.getMap('m').set('after', 'attack');
    const other = connectClient(server.url, 'doc', { token: write });
    await waitFor(() => other.doc.getMap('m').get('after') === 'attack', 'second client synced');
    expect(closes).toEqual([]);
    const after = state(peer.doc);
    peer.destroy();
    other.destroy();
    // Idle unload compacts the log; the compacted document loads, and loads after a restart.
    await waitFor(() => server.stats().docs === 0, 'doc unloaded (and compacted)');
    expect(await served(http, 'doc', write)).toEqual(after);
    await stop();
    const again = await startServer({ secret: SECRET, dataDir });
    expect(await served(again.http, 'doc', write)).toEqual(after);
  });

  it('property: bit-flipped updates through a real server leave peers, the stored log and the document after a restart unaffected', async () => {
    const dataDir = tempDir();
    const { server, http, stop } = await startServer({ dataDir });
    const seed = new Y.Doc();
    const peer = connectClient(server.url, 'doc');
    await synced(peer);
    Y.applyUpdate(peer.doc, PRE_MERGED);
    const closes: number[] = [];
    peer.provider.on('connection-close', (e: CloseEvent | null) => e && closes.push(e.code));
    const before = await pollUntilServed(http, 'doc', (s) => Buffer.from(s.sv, 'hex').length > 1);
    seed.destroy();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(brokenUpdate, async (update) => {
        n++;
        expect((await sendAndClose(`${server.url}/doc`, message(0, 2, update))).code).toBe(CloseCode.INVALID_MESSAGE);
      }),
      { numRuns: Math.max(20, Math.round(RUNS / 50)) },
    );
    expect(n).toBeGreaterThanOrEqual(20);
    expect(await served(http, 'doc')).toEqual(before);
    expect(state(peer.doc)).toEqual(before);
    expect(closes).toEqual([]);
    const log = hex((await server.persistence.load('doc')).updates);
    expect(reload((await server.persistence.load('doc')).updates)).toEqual(before);
    peer.destroy();
    await stop();
    const again = await startServer({ dataDir });
    expect(hex((await again.server.persistence.load('doc')).updates).length).toBeLessThanOrEqual(log.length);
    expect(await served(again.http, 'doc')).toEqual(before);
  });
});

/** Polls GET /docs/<doc>/update until `ok` holds for it. */
async function pollUntilServed(http: string, doc: string, ok: (s: { json: unknown; sv: string }) => boolean, bearer?: string): Promise<{ json: unknown; sv: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await served(http, doc, bearer);
    if (ok(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * An update in which each of `clients` clients inserts one character after a character of
 * client 1 the server does not have: the case that made Y.applyUpdate quadratic. Written
 * by hand (v1 encoding), as building it through Yjs would itself be quadratic.
 */
function missingOrigins(clients: number, firstClient = 1000): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, clients);
  for (let i = 0; i < clients; i++) {
    encoding.writeVarUint(e, 1); // one struct
    encoding.writeVarUint(e, firstClient + i); // client
    encoding.writeVarUint(e, 0); // clock
    encoding.writeUint8(e, 0x84); // Item with an origin, ContentString
    encoding.writeVarUint(e, 1); // origin: client 1 ...
    encoding.writeVarUint(e, i); // ... clock i, which the server lacks
    encoding.writeVarString(e, 'y');
  }
  encoding.writeVarUint(e, 0); // no deletes
  return encoding.toUint8Array(e);
}

describe('sync server: no single frame stalls the server', () => {
  it('refuses a ~300 KB update whose items all miss their origin, at once; /health and another document keep answering', async () => {
    const { server, http } = await startServer();
    const big = missingOrigins(27_000);
    expect(big.byteLength).toBeGreaterThan(290_000);
    const a = connectClient(server.url, 'other');
    const b = connectClient(server.url, 'other');
    await Promise.all([synced(a), synced(b)]);
    const attack = (async () => {
      const results: { code: number; reason: string }[] = [];
      for (let i = 0; i < 3; i++) results.push(await sendAndClose(`${server.url}/target`, message(0, 2, big)));
      // Then small frames of the same kind, each from a new client, on one socket.
      const r = await attempt(`${server.url}/target`);
      if (r.refused) throw new Error('refused');
      const done = closed(r.ws);
      for (let i = 0; i < 500; i++) r.ws.send(message(0, 2, missingOrigins(1, 100_000 + i)));
      results.push(await done);
      return results;
    })();
    const slowest = await slowestHealth(http, attack);
    const results = await attack;
    for (const r of results) expect(r).toEqual({ code: CloseCode.INVALID_MESSAGE, reason: expect.stringContaining('maxPendingBytes') });
    // Generous, for a loaded 2-core machine: the landed server stalled 9.5 s on an idle one
    // (quadratic in the clients); this one decodes and refuses each frame in tens of ms.
    expect(slowest).toBeLessThan(2_000);
    a.doc.getMap('m').set('still', 'syncing');
    await waitFor(() => b.doc.getMap('m').get('still') === 'syncing', 'other document syncs');
    // Nothing of it reached the document or its log.
    expect((await server.persistence.load('target')).updates).toHaveLength(0);
  }, 60_000);

  it('checks 3,000 empty updates from a read-only client on a 120k-struct document without walking it; /health keeps answering', async () => {
    const dataDir = tempDir();
    const big = new Y.Doc();
    big.transact(() => {
      for (let i = 0; i < 120_000; i++) big.getArray('a').insert(0, [i]); // inserted at 0: no two merge
    });
    expect(big.store.clients.get(big.clientID)!.length).toBe(120_000);
    const seed = new SqlitePersistence(dataDir);
    seed.append('big', Y.encodeStateAsUpdate(big));
    await seed.close();
    big.destroy();
    const { server, http } = await startServer({ secret: SECRET, dataDir });
    const r = await attempt(`${server.url}/big?token=${await token('big', 'read')}`);
    if (r.refused) throw new Error('refused');
    await waitFor(() => r.messages.length > 0, 'opening step 1');
    const empty = message(0, 2, Uint8Array.from([0, 0]));
    expect(empty.byteLength).toBe(5);
    // Sent before the probe starts, so that the probe times the server, not this loop's sends.
    for (let i = 0; i < 3_000; i++) r.ws.send(empty);
    r.ws.send(message(0, 0, Uint8Array.from([0]))); // step 1: its reply comes after the 3,000 were handled
    const attack = waitFor(() => r.messages.some((m) => m[0] === 0 && m[1] === 1), 'step 2 reply', 60_000);
    const slowest = await slowestHealth(http, attack);
    await attack;
    expect(r.ws.readyState).toBe(r.ws.OPEN); // empty updates hold nothing new: allowed
    // Generous, for a loaded 2-core machine: the landed server walked the whole document per
    // frame (Y.snapshot), several seconds for these 3,000; this one does no such walk.
    expect(slowest).toBeLessThan(2_000);
    // The check still refuses what is new.
    const done = closed(r.ws);
    r.ws.send(message(0, 2, missingOrigins(1)));
    expect((await done).code).toBe(CloseCode.READ_ONLY);
  }, 60_000);
});
