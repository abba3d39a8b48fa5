// Issue 17, points 1 and 2: path rules in tokens (createToken, CLI, /register) and their
// enforcement on every update: a change outside the rules closes the client with 4003 naming
// the path, and nothing of the update is stored or relayed.
import { SignJWT } from 'jose';
import { text, type TrackedText } from 'tinysync/crdt';
import { CloseCode, createToken, OptionError, verifyToken } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseCli } from '../../src/server/cli-args.js';
import { cleanup, closed, connectClient, SECRET, startServer, synced, waitFor } from './helpers.js';
import { fakeConn, memoryStore, openRoom, replica, send, treeOf } from './room-fakes.js';

afterEach(cleanup);

interface Board {
  title: string;
  settings: { theme: string };
  kpis: Record<string, Record<string, number>>;
  cards: { title: string }[];
  notes: TrackedText;
  [key: string]: unknown;
}

const initial = (): Board => ({
  title: 'board',
  settings: { theme: 'dark' },
  kpis: { sales: { alice: 1, bob: 2 } },
  cards: [{ title: 'one' }, { title: 'two' }],
  notes: text('hello'),
});

/**
 * A room holding the board (written by an unrestricted owner), a restricted writer's replica,
 * and an onlooker connection that must never receive a refused update.
 */
async function board(paths: string[], sub = 'alice') {
  const store = memoryStore();
  const room = await openRoom(store);
  const owner = replica(room, initial());
  expect(await send(room, fakeConn(room), [Y.encodeStateAsUpdate(owner.doc)])).toBeUndefined();
  const onlooker = fakeConn(room);
  room.attach(onlooker.conn);
  await room.drain();
  let writer = replica<Board>(room);
  /** Sends the writer's edit; returns the close reason (undefined: accepted). A refused writer starts again from the server's state. */
  const attempt = async (mutate: (data: Board) => void): Promise<string | undefined> => {
    const updates = writer.edit(mutate);
    expect(updates.length).toBeGreaterThan(0);
    const logBefore = store.logs.get('doc')!.length;
    const seenBefore = onlooker.sent.length;
    const treeBefore = JSON.stringify(treeOf(room));
    const fake = fakeConn(room, paths, sub);
    const closedWith = await send(room, fake, updates);
    if (closedWith === undefined) {
      expect(treeOf(room)).toEqual(writer.doc.getMap('tinysync').toJSON());
      return undefined;
    }
    expect(closedWith.code).toBe(CloseCode.READ_ONLY);
    // Refused whole: not applied, not stored, not relayed.
    expect(JSON.stringify(treeOf(room))).toBe(treeBefore);
    expect(store.logs.get('doc')!.length).toBe(logBefore);
    expect(onlooker.sent.length).toBe(seenBefore);
    writer = replica<Board>(room);
    return closedWith.reason;
  };
  return {
    room,
    store,
    owner,
    get writer() {
      return writer;
    },
    attempt,
  };
}

describe('server enforcement, each pattern form', () => {
  it('a literal pattern: that key and nothing else', async () => {
    const { attempt } = await board(['/title', '/settings/theme']);
    expect(await attempt((d) => (d.title = 'renamed'))).toBeUndefined();
    expect(await attempt((d) => (d.settings.theme = 'light'))).toBeUndefined();
    expect(await attempt((d) => (d.subtitle = 'x'))).toBe('path not writable: /subtitle');
  });

  it('* is one segment; a refused update names the first forbidden path', async () => {
    const { attempt } = await board(['/kpis/*/alice']);
    expect(await attempt((d) => (d.kpis.sales!.alice = 5))).toBeUndefined();
    expect(await attempt((d) => (d.kpis.sales!.bob = 5))).toBe('path not writable: /kpis/sales/bob');
  });

  it('{sub} is the connection\'s token subject', async () => {
    const bob = await board(['/kpis/*/{sub}'], 'bob');
    expect(await bob.attempt((d) => (d.kpis.sales!.bob = 7))).toBeUndefined();
    expect(await bob.attempt((d) => (d.kpis.sales!.alice = 7))).toBe('path not writable: /kpis/sales/alice');
  });

  it('** allows any depth below, arrays as *, but not the container itself', async () => {
    const { attempt } = await board(['/cards/**']);
    expect(await attempt((d) => d.cards.push({ title: 'three' }))).toBeUndefined();
    expect(await attempt((d) => (d.cards[0]!.title = 'first'))).toBeUndefined();
    expect(await attempt((d) => d.cards.splice(1, 1))).toBeUndefined();
    expect(await attempt((d) => (d.settings.theme = 'x'))).toBe('path not writable: /settings/theme');
    expect(await attempt((d) => delete (d as Record<string, unknown>).cards)).toBe('path not writable: /cards');
  });

  it('an array item is the array path plus *; a literal index never matches', async () => {
    const { attempt } = await board(['/cards/0/title', '/cards/*']);
    expect(await attempt((d) => (d.cards[0]!.title = 'x'))).toBe('path not writable: /cards/*/title');
    // Inserting a card also writes its keys: /cards/* alone does not cover them.
    expect(await attempt((d) => d.cards.push({ title: 'three' }))).toBe('path not writable: /cards/*/title');
  });

  it('text edited inside a text() field is the field\'s path', async () => {
    const ok = await board(['/notes']);
    expect(await ok.attempt((d) => d.notes.insert(5, ' world'))).toBeUndefined();
    expect(await ok.attempt((d) => d.notes.delete(0, 1))).toBeUndefined();
    const no = await board(['/cards/**']);
    expect(await no.attempt((d) => d.notes.insert(0, '!'))).toBe('path not writable: /notes');
  });

  it('deleting or overwriting a container changes every path below it', async () => {
    const shallow = await board(['/kpis/*']);
    expect(await shallow.attempt((d) => delete d.kpis.sales)).toBe('path not writable: /kpis/sales/**');
    expect(await shallow.attempt((d) => ((d.kpis as Record<string, unknown>).sales = 3))).toBe('path not writable: /kpis/sales/**');
    expect(await shallow.attempt((d) => ((d.kpis as Record<string, unknown>).extra = 3))).toBeUndefined();
    const deep = await board(['/kpis/*', '/kpis/**']);
    expect(await deep.attempt((d) => delete d.kpis.sales)).toBeUndefined();
    const items = await board(['/cards/*']);
    expect(await items.attempt((d) => d.cards.splice(0, 1))).toBe('path not writable: /cards/*/**');
  });

  it('a resync that repeats changes the server already has, forbidden ones included, passes', async () => {
    const { room, owner, writer, attempt } = await board(['/kpis/*/alice']);
    // The owner deletes a card and edits settings; the writer learns of it.
    const ownerUpdates = owner.edit((d) => {
      d.cards.splice(0, 1);
      d.settings.theme = 'light';
    });
    expect(await send(room, fakeConn(room), ownerUpdates)).toBeUndefined();
    for (const u of ownerUpdates) Y.applyUpdate(writer.doc, u);
    expect(await attempt((d) => (d.kpis.sales!.alice = 9))).toBeUndefined();
    // Its whole state, as a reconnecting client sends it: every delete it knows included.
    const fake = fakeConn(room, ['/kpis/*/alice']);
    expect(await send(room, fake, [Y.encodeStateAsUpdate(writer.doc)])).toBeUndefined();
  });

  it('other root types and changes whose history is missing are refused', async () => {
    const { room, writer } = await board(['/**']);
    const other = writer.edit(() => writer.doc.getMap('other').set('x', 1));
    expect(await send(room, fakeConn(room, ['/**']), other)).toMatchObject({ code: CloseCode.READ_ONLY, reason: 'path not writable: "other":/x' });
    // An edit of a card this server never saw: its place cannot be resolved.
    const elsewhere = replica<Board>(room);
    const unseen = elsewhere.edit((d) => d.cards.push({ title: 'unseen' }));
    for (const u of unseen) Y.applyUpdate(writer.doc, u);
    const onTop = writer.edit(() => (writer.data.cards[writer.data.cards.length - 1]!.title = 'edited'));
    const closedWith = await send(room, fakeConn(room, ['/**']), onTop);
    expect(closedWith).toMatchObject({ code: CloseCode.READ_ONLY });
    expect(closedWith!.reason).toMatch(/place is unknown/);
  });

  it('a token without paths still writes anywhere', async () => {
    const { room, writer } = await board(['/title']);
    expect(await send(room, fakeConn(room), writer.edit((d) => (d.settings.theme = 'any')))).toBeUndefined();
  });
});

describe('path rules in tokens, the CLI and /register', () => {
  it('createToken carries paths through verifyToken; refuses malformed ones and paths on a read token', async () => {
    const t = await createToken({ secret: SECRET, doc: 'b', right: 'write', sub: 'al', paths: ['/kpis/*/{sub}', '/cards/**'] });
    expect(await verifyToken(t, SECRET)).toMatchObject({ doc: 'b', right: 'write', sub: 'al', paths: ['/kpis/*/{sub}', '/cards/**'] });
    expect((await verifyToken(await createToken({ secret: SECRET, doc: 'b', right: 'write' }), SECRET)).paths).toBeUndefined();
    await expect(createToken({ secret: SECRET, doc: 'b', right: 'write', paths: ['cards'] })).rejects.toThrow(OptionError);
    await expect(createToken({ secret: SECRET, doc: 'b', right: 'write', paths: ['/a/**/b'] })).rejects.toThrow(/"\*\*" may only be the last segment/);
    await expect(createToken({ secret: SECRET, doc: 'b', paths: ['/a'] })).rejects.toThrow(/need right "write"/);
    // A signed token whose paths claim is not valid is refused at verification.
    const forged = await new SignJWT({ doc: 'b', right: 'write', paths: ['/a*'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('s').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    await expect(verifyToken(forged, SECRET)).rejects.toMatchObject({ code: 'E_TOKEN_CLAIMS', status: 401 });
  });

  it('tinysync token --paths takes comma-separated patterns', () => {
    expect(parseCli(['token', '--secret', SECRET, '--doc', 'b', '--write', '--paths', '/kpis/*/{sub}, /cards/**'], {})).toMatchObject({
      options: { doc: 'b', right: 'write', paths: ['/kpis/*/{sub}', '/cards/**'] },
    });
  });

  it('/register issues a token with paths and answers 400 for malformed ones', async () => {
    const { http } = await startServer({ secret: SECRET, adminKey: 'admin-key-0123456789' });
    const register = (body: unknown) => fetch(`${http}/register`, { method: 'POST', headers: { authorization: 'Bearer admin-key-0123456789', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await register({ doc: 'b', paths: ['/kpis/*/{sub}'] });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { token: string; clientId: string; paths: string[] };
    expect(body.paths).toEqual(['/kpis/*/{sub}']);
    expect(await verifyToken(body.token, SECRET)).toMatchObject({ sub: body.clientId, paths: ['/kpis/*/{sub}'] });
    expect((await register({ doc: 'b', paths: ['kpis'] })).status).toBe(400);
    expect((await register({ doc: 'b', paths: '/kpis' })).status).toBe(400);
  });
});

describe('over a real socket', () => {
  it('a restricted client is closed with 4003 naming the path; others never see the change, the stored doc keeps it out', async () => {
    const { server, http } = await startServer({ secret: SECRET });
    const url = `ws://127.0.0.1:${server.port}/sync`;
    const owner = connectClient(url, 'board', { token: await createToken({ secret: SECRET, doc: 'board', right: 'write', sub: 'owner' }) });
    await synced(owner);
    owner.doc.getMap('tinysync').set('kpis', new Y.Map([['bob', 1]]));
    const viewer = connectClient(url, 'board', { token: await createToken({ secret: SECRET, doc: 'board', right: 'write', sub: 'bob', paths: ['/kpis/{sub}'] }) });
    await synced(viewer);
    await waitFor(() => viewer.doc.getMap('tinysync').get('kpis') !== undefined, 'viewer has the kpis');
    const kpis = viewer.doc.getMap('tinysync').get('kpis') as Y.Map<number>;
    kpis.set('bob', 2);
    await waitFor(() => (owner.doc.getMap('tinysync').get('kpis') as Y.Map<number>).get('bob') === 2, 'allowed edit relayed');
    const ws = viewer.provider.ws as unknown as import('ws').WebSocket;
    const closing = closed(ws);
    viewer.doc.getMap('tinysync').set('cards', 'mine');
    expect(await closing).toEqual({ code: CloseCode.READ_ONLY, reason: 'path not writable: /cards' });
    viewer.destroy();
    const stored = (await (await fetch(`${http}/docs/board`, { headers: { authorization: `Bearer ${await createToken({ secret: SECRET, doc: 'board' })}` } })).json()) as { tinysync: Record<string, unknown> };
    expect(stored.tinysync).toEqual({ kpis: { bob: 2 } });
    expect(owner.doc.getMap('tinysync').get('cards')).toBeUndefined();
  });
});
