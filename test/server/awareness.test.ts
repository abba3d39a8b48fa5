// Awareness (presence) belongs to its connection: a client id is owned by the connection that
// first announced it until that connection closes; others (read-only or not) cannot overwrite or
// remove it; ids and bytes per connection and bytes per frame are capped; the join message
// comes in bounded frames.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CloseCode, createSyncServer, createToken, OptionError, type Limits } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { attempt, cleanup, closed, connectClient, SECRET, startServer, tempDir, waitFor, type Client } from './helpers.js';

afterEach(cleanup);

type Entry = [clientID: number, clock: number, json: string];

/** An awareness frame (message type 1) holding `entries`, states given as raw JSON text. */
function awarenessFrame(entries: Entry[]): Uint8Array {
  const payload = encoding.createEncoder();
  encoding.writeVarUint(payload, entries.length);
  for (const [id, clock, json] of entries) {
    encoding.writeVarUint(payload, id);
    encoding.writeVarUint(payload, clock);
    encoding.writeVarString(payload, json);
  }
  return framed(encoding.toUint8Array(payload));
}

function framed(payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** The awareness payloads among frames a raw socket received. */
function awarenessPayloads(messages: Buffer[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of messages) {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) === 1) out.push(decoding.readVarUint8Array(d));
  }
  return out;
}

/** Client id → state, from awareness payloads in order (null: removed). */
function statesIn(payloads: Uint8Array[]): Map<number, unknown> {
  const states = new Map<number, unknown>();
  for (const p of payloads) {
    const d = decoding.createDecoder(p);
    const n = decoding.readVarUint(d);
    for (let i = 0; i < n; i++) {
      const id = decoding.readVarUint(d);
      decoding.readVarUint(d);
      states.set(id, JSON.parse(decoding.readVarString(d)));
    }
  }
  return states;
}

/** A raw socket on `url` (opened, not refused). */
async function raw(url: string): Promise<{ ws: WebSocket; messages: Buffer[] }> {
  const r = await attempt(url);
  if (r.refused) throw new Error(`refused: ${r.status}`);
  return r;
}

const stateOf = (client: Client, id: number) => client.provider.awareness.getStates().get(id);

describe('awareness: a client id belongs to the connection that announced it first', () => {
  for (const right of ['write', 'read'] as const) {
    it(`a ${right} client cannot overwrite or remove another connection's state, and may set its own`, async () => {
      const { server } = await startServer({ secret: SECRET });
      const write = await createToken({ secret: SECRET, doc: 'room', right: 'write' });
      const owner = connectClient(server.url, 'room', { token: write });
      const watcher = connectClient(server.url, 'room', { token: write });
      owner.provider.awareness.setLocalStateField('name', 'owner');
      const ownerId = owner.doc.clientID;
      await waitFor(() => (stateOf(watcher, ownerId) as { name?: string } | undefined)?.name === 'owner', 'watcher sees the owner');

      const attacker = await raw(`${server.url}/room?token=${await createToken({ secret: SECRET, doc: 'room', right })}`);
      attacker.ws.send(awarenessFrame([[ownerId, 1000, '{"name":"evil"}']]));
      attacker.ws.send(awarenessFrame([[ownerId, 1001, 'null']]));
      // Its own id goes last: once the watcher has it, the server has handled the two above.
      attacker.ws.send(awarenessFrame([[4242, 1, '{"name":"attacker"}']]));
      await waitFor(() => (stateOf(watcher, 4242) as { name?: string } | undefined)?.name === 'attacker', 'watcher sees the attacker’s own state');

      expect(stateOf(watcher, ownerId)).toEqual({ name: 'owner' });
      expect(owner.provider.awareness.getLocalState()).toEqual({ name: 'owner' });
      expect(attacker.ws.readyState).toBe(attacker.ws.OPEN);
    });
  }

  it('frees a client id when its owner closes or removes its state: then another connection may announce it', async () => {
    const { server } = await startServer({ secret: SECRET });
    // Three users: a connection of another token subject never takes an id over.
    const as = async (sub: string) => `${server.url}/room?token=${await createToken({ secret: SECRET, doc: 'room', right: 'write', sub })}`;
    const watcher = connectClient(server.url, 'room', { token: await createToken({ secret: SECRET, doc: 'room', right: 'read' }) });
    const first = await raw(await as('first'));
    const second = await raw(await as('second'));
    first.ws.send(awarenessFrame([[777, 1, '{"who":"first"}']]));
    await waitFor(() => (stateOf(watcher, 777) as { who?: string } | undefined)?.who === 'first', 'first owns 777');
    second.ws.send(awarenessFrame([[777, 5, '{"who":"second"}']]));
    second.ws.send(awarenessFrame([[778, 1, '{"who":"second"}']]));
    await waitFor(() => stateOf(watcher, 778) !== undefined, 'second’s own id arrives');
    expect(stateOf(watcher, 777)).toEqual({ who: 'first' });

    first.ws.close();
    await waitFor(() => stateOf(watcher, 777) === undefined, 'the owner’s state is removed when it closes');
    second.ws.send(awarenessFrame([[777, 10, '{"who":"second"}']]));
    await waitFor(() => (stateOf(watcher, 777) as { who?: string } | undefined)?.who === 'second', 'second now owns 777');

    // An owner that removes its state frees the id too (a tab leader's closed tabs do not count).
    const third = await raw(await as('third'));
    second.ws.send(awarenessFrame([[777, 11, 'null']]));
    await waitFor(() => stateOf(watcher, 777) === undefined, 'second removed 777');
    third.ws.send(awarenessFrame([[777, 20, '{"who":"third"}']]));
    await waitFor(() => (stateOf(watcher, 777) as { who?: string } | undefined)?.who === 'third', 'third now owns 777');
  });
});

describe('awareness: a reconnecting device keeps its presence', () => {
  it('passes an id to a new connection of the same token subject when the old one closes, with no removal in between', async () => {
    const { server } = await startServer({ secret: SECRET });
    const url = async (sub: string) => `${server.url}/room?token=${await createToken({ secret: SECRET, doc: 'room', right: 'write', sub })}`;
    const watcher = await raw(await url('watcher'));
    const old = await raw(await url('ann'));
    old.ws.send(awarenessFrame([[901, 1, '{"who":"ann"}']]));
    const seen = () => statesIn(awarenessPayloads(watcher.messages));
    await waitFor(() => (seen().get(901) as { who?: string } | null | undefined)?.who === 'ann', 'watcher sees ann');

    // Ann's device reconnects before the server noticed the old socket is gone; an intruder of
    // another subject tries the same id. Neither replaces the owner's state while it is there.
    const fresh = await raw(await url('ann'));
    const intruder = await raw(await url('mallory'));
    fresh.ws.send(awarenessFrame([[901, 2, '{"who":"ann","again":true}']]));
    intruder.ws.send(awarenessFrame([[901, 3, '{"who":"mallory"}']]));
    intruder.ws.send(awarenessFrame([[902, 1, '{"who":"mallory"}']]));
    await waitFor(() => seen().has(902), 'the intruder’s own id arrives (the frames above were handled)');
    expect(seen().get(901)).toEqual({ who: 'ann' });

    const before = watcher.messages.length;
    old.ws.terminate();
    await waitFor(() => (seen().get(901) as { again?: boolean } | null | undefined)?.again === true, 'the new connection’s state replaces the old one');
    // Every awareness frame since the old socket went: ann's id was never removed (null) for the watcher.
    const since = statesIn(awarenessPayloads(watcher.messages.slice(before)));
    expect(since.get(901)).toEqual({ who: 'ann', again: true });
    expect(awarenessPayloads(watcher.messages.slice(before)).every((p) => statesIn([p]).get(901) !== null)).toBe(true);

    // The new connection owns it now: closing it removes the state for everyone.
    fresh.ws.close();
    await waitFor(() => seen().get(901) === null, 'ann leaves with her new connection');
    expect(intruder.ws.readyState).toBe(intruder.ws.OPEN);
  });
});

describe('awareness: limits per connection and per frame', () => {
  it('closes with 4013 a connection past the id, byte, frame or nesting limit, applying nothing of that frame', async () => {
    const limits = { maxAwarenessIds: 3, maxAwarenessBytes: 1000, maxAwarenessFrameBytes: 4096 };
    const { server } = await startServer({ limits });
    const watcher = connectClient(server.url, 'room');
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    const cases: [string, Entry[][]][] = [
      ['4 ids in one frame', [[[1, 1, '{}'], [2, 1, '{}'], [3, 1, '{}'], [4, 1, '{}']]]],
      ['2 ids, then 2 more', [[[11, 1, '{}'], [12, 1, '{}']], [[13, 1, '{}'], [14, 1, '{}']]]],
      ['one state over the bytes', [[[21, 1, JSON.stringify({ s: 'x'.repeat(1200) })]]]],
      ['two states over the bytes together', [[[31, 1, JSON.stringify({ s: 'x'.repeat(600) })], [32, 1, JSON.stringify({ s: 'y'.repeat(600) })]]]],
      ['a frame over the frame limit', [[[41, 1, '{}'], ...Array.from({ length: 500 }, (_, i): Entry => [100_000 + i, 1, 'null'])]]],
      ['nesting 100 deep', [[[51, 1, deep]]]],
    ];
    for (const [what, frames] of cases) {
      const conn = await raw(`${server.url}/room`);
      const done = closed(conn.ws);
      for (const f of frames) conn.ws.send(awarenessFrame(f));
      expect((await done).code, what).toBe(CloseCode.AWARENESS_LIMIT);
    }
    // Within every limit: accepted. Once the watcher has it, every refused connection is gone.
    const fine = await raw(`${server.url}/room`);
    fine.ws.send(awarenessFrame([[61, 1, JSON.stringify({ s: 'x'.repeat(280) })], [62, 1, JSON.stringify({ s: 'y'.repeat(280) })], [63, 1, '{"ok":true}']]));
    const others = () => [...watcher.provider.awareness.getStates().keys()].filter((id) => id !== watcher.doc.clientID).sort((a, b) => a - b);
    // Ids 11 and 12 came in a frame within the limits: they leave when their connection closes.
    await waitFor(() => others().join() === '61,62,63', 'the watcher sees exactly the states within the limits');
    expect(fine.ws.readyState).toBe(fine.ws.OPEN);
  });

  it('closes with 1007 a connection whose awareness update does not decode, applying none of its entries', async () => {
    const { server } = await startServer();
    const watcher = connectClient(server.url, 'room');
    const valid = awarenessFrame([[5, 1, '{"a":1}']]);
    const validPayload = awarenessPayloads([Buffer.from(valid)])[0]!;
    const withTail = (tail: number[]) => {
      const p = new Uint8Array(validPayload.length + tail.length);
      p.set(validPayload);
      p.set(tail, validPayload.length);
      p[0] = 2; // two entries: the valid one, then the tail
      return framed(p);
    };
    const cases: [string, Uint8Array][] = [
      ['count larger than the entries', withTail([])],
      ['truncated state', withTail([6, 1, 10, 0x7b])],
      ['invalid UTF-8', withTail([6, 1, 2, 0xc3, 0x28])],
      ['state not JSON', withTail([6, 1, 3, 0x7b, 0x7b, 0x7b])],
      ['bytes after the last entry', framed(Uint8Array.from([...validPayload, 0]))],
    ];
    for (const [what, frame] of cases) {
      const conn = await raw(`${server.url}/room`);
      const done = closed(conn.ws);
      conn.ws.send(frame);
      expect((await done).code, what).toBe(CloseCode.INVALID_MESSAGE);
    }
    const fine = await raw(`${server.url}/room`);
    fine.ws.send(awarenessFrame([[7, 1, '{"ok":true}']]));
    await waitFor(() => stateOf(watcher, 7) !== undefined, 'a valid update is heard');
    // Client 5 came first in every refused frame: none of them was applied, not even in part.
    expect(stateOf(watcher, 5)).toBeUndefined();
  });

  it('sends a newcomer the present states in frames of at most maxAwarenessFrameBytes, which a y-websocket client can echo back', async () => {
    const limits = { maxAwarenessFrameBytes: 16 * 1024, maxAwarenessBytes: 8 * 1024 };
    const { server } = await startServer({ limits });
    const watcher = connectClient(server.url, 'room');
    const ids = Array.from({ length: 10 }, (_, i) => 900 + i);
    for (const id of ids) {
      const conn = await raw(`${server.url}/room`);
      conn.ws.send(awarenessFrame([[id, 1, JSON.stringify({ id, pad: 'p'.repeat(6000) })]]));
    }
    await waitFor(() => ids.every((id) => stateOf(watcher, id) !== undefined), 'watcher sees the ten states');

    const newcomer = await raw(`${server.url}/room`);
    await waitFor(() => ids.every((id) => statesIn(awarenessPayloads(newcomer.messages)).has(id)), 'newcomer receives every state');
    const payloads = awarenessPayloads(newcomer.messages);
    expect(payloads.length).toBeGreaterThanOrEqual(4);
    for (const p of payloads) expect(p.byteLength).toBeLessThanOrEqual(limits.maxAwarenessFrameBytes);
    const states = statesIn(payloads);
    for (const id of ids) expect(states.get(id)).toEqual({ id, pad: 'p'.repeat(6000) });

    // y-websocket sends back every awareness change it applies: the echo must pass the limit.
    const echoer = connectClient(server.url, 'room');
    await waitFor(() => ids.every((id) => stateOf(echoer, id) !== undefined), 'the y-websocket newcomer sees every state');
    echoer.provider.awareness.setLocalStateField('late', true);
    await waitFor(() => (stateOf(watcher, echoer.doc.clientID) as { late?: boolean } | undefined)?.late === true, 'the echoing client is still connected');
  });

  it('refuses limits that cannot work together (one connection’s states must fit one frame)', async () => {
    const start = async (limits: Partial<Limits>) => {
      const server = await createSyncServer({ port: 0, dataDir: tempDir(), logger: () => {}, limits });
      await server.close();
    };
    await expect(start({ maxAwarenessBytes: 64 * 1024, maxAwarenessFrameBytes: 32 * 1024 })).rejects.toThrow(OptionError);
    await expect(start({ syncRequestBurst: 0 })).rejects.toThrow(OptionError);
    await expect(start({ maxBufferedBytes: Number.NaN })).rejects.toThrow(OptionError);
  });
});
