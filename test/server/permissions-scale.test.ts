// Issue 17, point 4 across instances: path rules hold the same when the restricted client is on
// one instance and the rest of the team on another, joined by Redis (fan-out) and PostgreSQL
// (storage). The random edits and the verdict each must get come from path-edits.ts, as in the
// one-room property (touched-paths.test.ts); here every update travels over real sockets, and
// what a refused one must never reach is a client on the other instance, that instance's HTTP
// view and the PostgreSQL log. FC_RUNS / 15 runs (20 by default): each run is a new document
// on real engines.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import { track } from 'tinysync';
import { bind } from 'tinysync/crdt';
import { CloseCode, compilePathRules, createToken, PostgresPersistence } from 'tinysync/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { testEngines } from './engines.js';
import { message } from './frames.js';
import { attempt, cleanup, connectClient, pollUntil, SECRET, startServer, waitFor, type Client, type TestServer } from './helpers.js';
import { edit, pattern, plan, tree, type Tree } from './path-edits.js';

afterEach(cleanup);
const { pg, redis, stop: stopEngines } = await testEngines('cross-instance permission tests');
afterAll(stopEngines);

const RUNS = Math.max(5, Math.round(Number(process.env.FC_RUNS ?? 300) / 15));
let n = 0;
const fresh = (name: string) => `${name}-${++n}-${Date.now()}`;

type Verdict = { accepted: true } | { accepted: false; code: number; reason: string };

/**
 * Sends `updates` on a new socket, then a sync step 1 as a barrier: the server answers a step 1
 * with a step 2 only after it has handled every earlier frame of the socket, so a step 2 means
 * the updates were accepted, and a close before it means they were refused.
 */
async function deliver(server: TestServer, doc: string, token: string, updates: Uint8Array[]): Promise<Verdict> {
  const opened = await attempt(`${server.server.url}/${doc}?token=${token}`);
  if (opened.refused) throw new Error(`upgrade refused: ${opened.status} ${opened.body}`);
  const ws: WebSocket = opened.ws;
  const verdict = new Promise<Verdict>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) === 0 && decoding.readVarUint(d) === 1) resolve({ accepted: true });
    });
    ws.once('close', (code, reason) => resolve({ accepted: false, code, reason: reason.toString() }));
  });
  for (const u of updates) ws.send(message(0, 2, u));
  ws.send(message(0, 0, Y.encodeStateVector(new Y.Doc())));
  const result = await verdict;
  ws.terminate();
  return result;
}

/** The document's whole state as instance `server` holds it. */
async function stateOf(server: TestServer, doc: string, token: string): Promise<Uint8Array> {
  const res = await fetch(`${server.http}/docs/${doc}/update`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

/** A tracked tree bound to its own Y.Doc holding `state`; `edit` returns the updates a mutation made. */
function replicaOf(state: Uint8Array) {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const data = track({} as Tree);
  bind(data, doc);
  return {
    data,
    doc,
    edit(mutate: () => void): Uint8Array[] {
      const updates: Uint8Array[] = [];
      const collect = (u: Uint8Array) => updates.push(u);
      doc.on('update', collect);
      try {
        mutate();
      } finally {
        doc.off('update', collect);
      }
      return updates;
    },
  };
}

const treeIn = (doc: Y.Doc) => doc.getMap('tinysync').toJSON();

describe.skipIf(!pg || !redis)('path rules across instances (Redis fan-out, PostgreSQL storage)', () => {
  it('random edits by a restricted client on instance A: accepted exactly when allowed; a refused one reaches neither B, its clients nor PostgreSQL', async () => {
    const [a, b] = await Promise.all(['A', 'B'].map((id) => startServer({ secret: SECRET, postgres: pg!.url, redis: redis!.url, instanceId: id })));
    const stored = new PostgresPersistence(pg!.url);
    try {
      await fc.assert(
        fc.asyncProperty(tree, fc.array(pattern, { minLength: 1, maxLength: 3 }), fc.array(edit, { minLength: 1, maxLength: 5 }), async (initial, paths, edits) => {
          const doc = fresh('rules');
          const ownerToken = await createToken({ secret: SECRET, doc, right: 'write', sub: 'owner' });
          const aliceToken = await createToken({ secret: SECRET, doc, right: 'write', sub: 'alice', paths });
          // The owner's board, written through A.
          const owner = new Y.Doc();
          bind(track(structuredClone(initial)), owner);
          expect(await deliver(a!, doc, ownerToken, [Y.encodeStateAsUpdate(owner)])).toEqual({ accepted: true });
          // A teammate on B sees whatever B relays.
          const onB: Client = connectClient(b!.server.url, doc, { token: ownerToken });
          await waitFor(() => onB.provider.synced && isDeepStrictEqual(treeIn(onB.doc), treeIn(owner)), 'B has the board');
          // Marks written by the owner after a refusal: once B shows a mark, everything A
          // accepted before it has reached B (one ordered stream per document).
          const marks = new Y.Doc();
          const rules = compilePathRules(paths, 'alice');
          let writer = replicaOf(await stateOf(a!, doc, ownerToken));
          for (const [i, e] of edits.entries()) {
            const done = plan(writer, e);
            if (done === null) continue;
            const before = treeIn(writer.doc);
            const updates = writer.edit(done.mutate);
            if (updates.length === 0) continue;
            const allowed = done.paths.every((p) => rules.allows(p)) && done.below.every((p) => rules.allowsBelow(p));
            const verdict = await deliver(a!, doc, aliceToken, updates);
            expect({ accepted: verdict.accepted, edit: e, paths: done.paths, below: done.below }).toEqual({ accepted: allowed, edit: e, paths: done.paths, below: done.below });
            if (verdict.accepted) {
              await waitFor(() => isDeepStrictEqual(treeIn(onB.doc), treeIn(writer.doc)), 'the allowed edit on B');
              continue;
            }
            expect(verdict.code).toBe(CloseCode.READ_ONLY);
            expect(verdict.reason).toMatch(/^path not writable: \//);
            marks.getMap('marks').set('n', i);
            expect(await deliver(a!, doc, ownerToken, [Y.encodeStateAsUpdate(marks)])).toEqual({ accepted: true });
            await waitFor(() => onB.doc.getMap('marks').get('n') === i, 'the mark on B');
            expect(treeIn(onB.doc)).toEqual(before);
            const json = (await (await fetch(`${b!.http}/docs/${doc}`, { headers: { Authorization: `Bearer ${ownerToken}` } })).json()) as { tinysync?: unknown };
            // An empty root map is not in the server's JSON at all.
            expect(json.tinysync ?? {}).toEqual(before);
            // A refused client starts again from the server's state.
            writer = replicaOf(await stateOf(a!, doc, ownerToken));
          }
          // What PostgreSQL holds is what B's teammate sees: nothing refused was stored.
          const log = await stored.load(doc);
          const reloaded = new Y.Doc();
          for (const u of log.updates) Y.applyUpdate(reloaded, u);
          expect(treeIn(reloaded)).toEqual(treeIn(onB.doc));
          onB.destroy();
        }),
        { numRuns: RUNS },
      );
    } finally {
      await stored.close();
    }
  });

  it('an allowed edit made on A reaches a client on B and B\'s HTTP view; a forbidden one closes the sender with 4003 and never appears on B', async () => {
    const [a, b] = await Promise.all(['A', 'B'].map((id) => startServer({ secret: SECRET, postgres: pg!.url, redis: redis!.url, instanceId: id })));
    const doc = fresh('board');
    const ownerToken = await createToken({ secret: SECRET, doc, right: 'write', sub: 'owner' });
    const viewerToken = await createToken({ secret: SECRET, doc, right: 'write', sub: 'alice', paths: ['/kpis/{sub}'] });
    const onB = connectClient(b!.server.url, doc, { token: ownerToken });
    await waitFor(() => onB.provider.synced, 'B synced');
    onB.doc.getMap('tinysync').set('kpis', new Y.Map([['alice', 1]]));
    onB.doc.getMap('tinysync').set('cards', Y.Array.from(['one']));
    const viewer = replicaOf(await pollUntil(() => stateOf(a!, doc, ownerToken), (s) => { const d = new Y.Doc(); Y.applyUpdate(d, s); return d.getMap('tinysync').has('cards'); }));
    const kpis = viewer.data.kpis as Tree;
    expect(await deliver(a!, doc, viewerToken, viewer.edit(() => (kpis.alice = 2)))).toEqual({ accepted: true });
    await waitFor(() => (onB.doc.getMap('tinysync').get('kpis') as Y.Map<number>).get('alice') === 2, 'the KPI on B');
    const cards = viewer.data.cards as unknown as string[];
    expect(await deliver(a!, doc, viewerToken, viewer.edit(() => cards.push('mine')))).toEqual({ accepted: false, code: CloseCode.READ_ONLY, reason: 'path not writable: /cards/*' });
    // B after a later accepted edit from A: the refused push never came.
    const fresher = replicaOf(await stateOf(a!, doc, ownerToken));
    expect(await deliver(a!, doc, viewerToken, fresher.edit(() => ((fresher.data.kpis as Tree).alice = 3)))).toEqual({ accepted: true });
    await waitFor(() => (onB.doc.getMap('tinysync').get('kpis') as Y.Map<number>).get('alice') === 3, 'the later KPI on B');
    expect(onB.doc.getMap('tinysync').toJSON()).toEqual({ kpis: { alice: 3 }, cards: ['one'] });
    const json = (await (await fetch(`${b!.http}/docs/${doc}`, { headers: { Authorization: `Bearer ${ownerToken}` } })).json()) as { tinysync: unknown };
    expect(json.tinysync).toEqual({ kpis: { alice: 3 }, cards: ['one'] });
  });
});
