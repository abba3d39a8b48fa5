// Tokens at the upgrade and on /docs: who gets in, who may write, what a refusal looks like.
import { SignJWT } from 'jose';
import { createSyncServer, createToken, CloseCode, OptionError, type TokenScope } from 'tinysync/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { rawUpgrade } from './raw-upgrade.js';
import { attempt, cleanup, closed, connectClient, pollUntil, SECRET, startServer, synced, tempDir, waitFor, type Client } from './helpers.js';


afterEach(cleanup);

const token = (scope: string | TokenScope, right: 'read' | 'write' = 'write', ttl: number | string = '1h') =>
  createToken({ secret: SECRET, ...(typeof scope === 'string' ? { doc: scope } : scope), right, ttl, sub: `test-${right}` });

/** Close codes a provider saw, collected from its 'connection-close' events. */
function closeCodes(client: Client): number[] {
  const codes: number[] = [];
  client.provider.on('connection-close', (event: CloseEvent | null) => {
    if (event) codes.push(event.code);
  });
  return codes;
}

describe('auth at the WebSocket upgrade', () => {
  it('refuses missing, malformed, badly signed, expired and wrong-document tokens with 401/403 and no data', async () => {
    const { server } = await startServer({ secret: SECRET });
    const expired = await new SignJWT({ doc: 'board', right: 'write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('late')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));
    const otherSecret = await createToken({ secret: 'another-secret-0123456789abcdef0123456789', doc: 'board', right: 'write' });
    const cases: [string, string | null, number][] = [
      ['no token', null, 401],
      ['garbage', 'not-a-jwt', 401],
      ['bad signature', otherSecret, 401],
      ['expired', expired, 401],
      ['wrong document', await token('other-board'), 403],
      ['wrong prefix', await token({ prefix: 'team/' }), 403],
    ];
    for (const [what, t, status] of cases) {
      const r = await attempt(`${server.url}/board${t === null ? '' : `?token=${t}`}`);
      expect({ what, refused: r.refused, status: r.refused ? r.status : 101, messages: r.refused ? r.messages : -1 }).toEqual({ what, refused: true, status, messages: 0 });
    }
    expect(server.stats()).toMatchObject({ clients: 0, docs: 0 });
  });

  it('lets a write token write, and a prefix token open any document under its prefix', async () => {
    const { server } = await startServer({ secret: SECRET });
    const t = await token({ prefix: 'team/' });
    const a = connectClient(server.url, encodeURIComponent('team/board'), { token: t });
    const b = connectClient(server.url, encodeURIComponent('team/board'), { token: t });
    await Promise.all([synced(a), synced(b)]);
    a.doc.getMap('m').set('k', 'v');
    await waitFor(() => b.doc.getMap('m').get('k') === 'v', 'b got the write');
  });

  it('takes prefix grants only from the prefix claim: "*" in a name is refused, old `doc: "x*"` tokens get 401', async () => {
    const { server, http } = await startServer({ secret: SECRET });
    // createToken({ doc: userInput }) with `x*` once granted every document starting with x.
    await expect(createToken({ secret: SECRET, doc: 'team/*' })).rejects.toThrow(OptionError);
    await expect(createToken({ secret: SECRET, doc: 'team/*' })).rejects.toThrow(/prefix: "team\/"/);
    await expect(createToken({ secret: SECRET, doc: 'a*b' })).rejects.toThrow(/may not hold "\*"/);
    await expect(createToken({ secret: SECRET, prefix: 'team/*' })).rejects.toThrow(/literally/);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ right: 'write', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('old').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    const board = encodeURIComponent('team/board');
    for (const [what, claims, reason] of [
      ['old prefix token', { doc: 'team/*' }, /is a pattern.*prefix claim/],
      ['old all-documents token', { doc: '*' }, /is a pattern/],
      ['doc and prefix', { doc: 'team/board', prefix: 'team/' }, /not both/],
      ['no scope', {}, /document name/],
    ] as const) {
      const t = await sign(claims);
      const r = await attempt(`${server.url}/${board}?token=${t}`);
      expect({ what, status: r.refused ? r.status : 101 }).toEqual({ what, status: 401 });
      if (r.refused) expect(r.body).toMatch(reason);
      expect((await fetch(`${http}/docs/${board}`, { headers: { Authorization: `Bearer ${t}` } })).status).toBe(401);
    }
    // A document whose name holds "*" is reached through a prefix, and the prefix is literal.
    const star = await token({ prefix: 'team/' });
    expect((await attempt(`${server.url}/${encodeURIComponent('team/a*')}?token=${star}`)).refused).toBe(false);
    const r = await attempt(`${server.url}/${encodeURIComponent('teamX')}?token=${await token({ prefix: 'team/' })}`);
    expect(r.refused && r.status).toBe(403);
  });

  it('accepts the token as a Sec-WebSocket-Protocol value next to "tinysync"', async () => {
    const { server } = await startServer({ secret: SECRET });
    const t = await token('board');
    const r = await attempt(`${server.url}/board`, ['tinysync', t]);
    expect(r.refused).toBe(false);
    if (!r.refused) expect(r.ws.protocol).toBe('tinysync');
    const a = connectClient(server.url, 'board', { protocols: ['tinysync', t] });
    await synced(a);
  });

  it('never echoes a token as the subprotocol: selects "tinysync" or nothing', async () => {
    const { http } = await startServer({ secret: SECRET });
    const t = await token('board');
    const alone = await rawUpgrade(http, '/sync/board', { 'Sec-WebSocket-Protocol': t });
    expect({ status: alone.status, protocol: alone.headers['sec-websocket-protocol'] }).toEqual({ status: 101, protocol: undefined });
    const other = await rawUpgrade(http, `/sync/board?token=${t}`, { 'Sec-WebSocket-Protocol': 'chat, v2' });
    expect({ status: other.status, protocol: other.headers['sec-websocket-protocol'] }).toEqual({ status: 101, protocol: undefined });
    const both = await rawUpgrade(http, '/sync/board', { 'Sec-WebSocket-Protocol': `${t}, tinysync` });
    expect({ status: both.status, protocol: both.headers['sec-websocket-protocol'] }).toEqual({ status: 101, protocol: 'tinysync' });
  });

  it('lets a read token read, closes it with 4003 when it writes, and does not apply the write', async () => {
    const { server, http } = await startServer({ secret: SECRET });
    const writer = connectClient(server.url, 'board', { token: await token('board', 'write') });
    const reader = connectClient(server.url, 'board', { token: await token('board', 'read') });
    const codes = closeCodes(reader);
    await Promise.all([synced(writer), synced(reader)]);
    writer.doc.getMap('m').set('title', 'from writer');
    await waitFor(() => reader.doc.getMap('m').get('title') === 'from writer', 'reader reads');
    reader.doc.getMap('m').set('title', 'from reader');
    await waitFor(() => codes.includes(CloseCode.READ_ONLY), 'reader closed with 4003');
    reader.destroy();
    // The writer's next change arrives after anything the server might have relayed before it.
    writer.doc.getMap('m').set('marker', 1);
    const auth = { headers: { Authorization: `Bearer ${await token('board', 'read')}` } };
    const body = await pollUntil(
      async () => (await (await fetch(`${http}/docs/board`, auth)).json()) as { m: Record<string, unknown> },
      (b) => b.m.marker === 1,
    );
    expect(body).toEqual({ m: { title: 'from writer', marker: 1 } });
    expect(writer.doc.getMap('m').get('title')).toBe('from writer');
  });

  it('keeps a read client that reconnects holding content with deletions (nothing new to write)', async () => {
    const { server } = await startServer({ secret: SECRET });
    const writer = connectClient(server.url, 'notes', { token: await token('notes', 'write') });
    const reader = connectClient(server.url, 'notes', { token: await token('notes', 'read') });
    const codes = closeCodes(reader);
    await Promise.all([synced(writer), synced(reader)]);
    writer.doc.getText('t').insert(0, 'hello world');
    writer.doc.getText('t').delete(0, 6);
    writer.doc.getArray('a').insert(0, [1, 2, 3]);
    writer.doc.getArray('a').delete(1, 1);
    await waitFor(() => reader.doc.getText('t').toString() === 'world' && reader.doc.getArray('a').length === 2, 'reader has the deletions');
    reader.provider.disconnect();
    reader.provider.synced = false;
    reader.provider.connect();
    await synced(reader);
    writer.doc.getText('t').insert(5, '!');
    await waitFor(() => reader.doc.getText('t').toString() === 'world!', 'reader still receives after reconnect');
    expect(codes).not.toContain(CloseCode.READ_ONLY);
  });

  it('closes a connection with 4001 when its token expires', async () => {
    const { server } = await startServer({ secret: SECRET });
    // Two seconds: expiry has one-second resolution, so one second could lapse before the upgrade.
    const r = await attempt(`${server.url}/board?token=${await token('board', 'read', 2)}`);
    expect(r.refused).toBe(false);
    if (r.refused) return;
    expect(await closed(r.ws)).toEqual({ code: CloseCode.TOKEN_EXPIRED, reason: 'token expired' });
  });

  it('closes a connection with 4001 when a token with more than 24.8 days left expires', async () => {
    // Only setTimeout and the clock are faked: sockets and promises run for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.now() });
    try {
      const { server } = await startServer({ secret: SECRET });
      const r = await attempt(`${server.url}/board?token=${await token('board', 'read', '40d')}`);
      expect(r.refused).toBe(false);
      if (r.refused) return;
      const whenClosed = closed(r.ws);
      vi.advanceTimersByTime(39 * 86_400_000);
      // A ping's pong comes back after any close frame the server sent before it.
      await new Promise((resolve) => {
        r.ws.once('pong', resolve);
        r.ws.ping();
      });
      expect(r.ws.readyState).toBe(r.ws.OPEN);
      vi.advanceTimersByTime(2 * 86_400_000);
      expect(await whenClosed).toEqual({ code: CloseCode.TOKEN_EXPIRED, reason: 'token expired' });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('auth on HTTP', () => {
  it('/docs/<doc> and /docs/<doc>/update honour tokens', async () => {
    const { server, http } = await startServer({ secret: SECRET });
    const writer = connectClient(server.url, 'board', { token: await token('board') });
    await synced(writer);
    writer.doc.getMap('m').set('x', 1);
    writer.doc.getArray('list').push(['a']);
    await waitFor(() => server.stats().docs === 1, 'loaded');
    const get = async (path: string, t?: string) => fetch(`${http}${path}`, t === undefined ? {} : { headers: { Authorization: `Bearer ${t}` } });
    expect((await get('/docs/board')).status).toBe(401);
    expect((await get('/docs/board', 'garbage')).status).toBe(401);
    expect((await get('/docs/board', await createToken({ secret: 'another-secret-0123456789abcdef0123456789', doc: 'board' }))).status).toBe(401);
    expect((await get('/docs/board', await token('elsewhere', 'read'))).status).toBe(403);
    expect((await get('/docs/board/update', await token('elsewhere', 'read'))).status).toBe(403);
    const readToken = await token('board', 'read');
    // The writes reach the server asynchronously.
    const expected = { m: { x: 1 }, list: ['a'] };
    const body = await pollUntil(async () => (await get('/docs/board', readToken)).json(), (b) => JSON.stringify(b) === JSON.stringify(expected));
    expect(body).toEqual(expected);
    const res = await get('/docs/board/update', readToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const copy = new Y.Doc();
    Y.applyUpdate(copy, new Uint8Array(await res.arrayBuffer()));
    expect(copy.getMap('m').toJSON()).toEqual({ x: 1 });
    expect(copy.getArray('list').toJSON()).toEqual(['a']);
    copy.destroy();
  });

  it('HEAD /docs/<doc>/update answers the token check alone, without loading the document', async () => {
    const { server, http } = await startServer({ secret: SECRET });
    const head = async (t?: string) =>
      fetch(`${http}/docs/board/update`, { method: 'HEAD', ...(t === undefined ? {} : { headers: { Authorization: `Bearer ${t}` } }) });
    expect((await head()).status).toBe(401);
    expect((await head('garbage')).status).toBe(401);
    expect((await head(await token('elsewhere', 'read'))).status).toBe(403);
    const ok = await head(await token('board', 'read'));
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(0);
    expect(server.stats().docs).toBe(0);
  });

  it('POST /register hands out a working token only for the admin key', async () => {
    const { server, http } = await startServer({ secret: SECRET, adminKey: 'admin-key-1' });
    const post = (key: string | null, body?: unknown) =>
      fetch(`${http}/register`, { method: 'POST', headers: key === null ? {} : { Authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect((await post(null)).status).toBe(401);
    expect((await post('wrong')).status).toBe(401);
    expect((await post('admin-key-1', { right: 'admin' })).status).toBe(400);
    expect((await post('admin-key-1', { doc: 'room-*' })).status).toBe(400);
    expect((await post('admin-key-1', { doc: 'room-1', prefix: 'room-' })).status).toBe(400);
    const res = await post('admin-key-1', { prefix: 'room-', right: 'write', ttl: '1h' });
    expect(res.status).toBe(201);
    const reg = (await res.json()) as { clientId: string; token: string; prefix: string; right: string };
    expect(reg).toMatchObject({ prefix: 'room-', right: 'write' });
    expect(reg).not.toHaveProperty('doc');
    expect(reg.clientId).toMatch(/^[0-9a-f-]{36}$/);
    const c = connectClient(server.url, 'room-1', { token: reg.token });
    await synced(c);
    const other = await attempt(`${server.url}/elsewhere?token=${reg.token}`);
    expect(other.refused && other.status).toBe(403);
    const second = (await (await post('admin-key-1')).json()) as { clientId: string; prefix: string; token: string };
    expect(second.clientId).not.toBe(reg.clientId);
    expect(second.prefix).toBe('');
    await synced(connectClient(server.url, 'anything', { token: second.token }));
    const one = (await (await post('admin-key-1', { doc: 'room-1', right: 'read' })).json()) as { doc: string; token: string };
    expect(one.doc).toBe('room-1');
    expect((await attempt(`${server.url}/room-12?token=${one.token}`)).refused).toBe(true);
  });

  it('POST /register answers 400, not 500, to a lifetime beyond 10 years', async () => {
    const { http, logs } = await startServer({ secret: SECRET, adminKey: 'admin-key-1' });
    const post = (ttl: unknown) => fetch(`${http}/register`, { method: 'POST', headers: { Authorization: 'Bearer admin-key-1' }, body: JSON.stringify({ ttl }) });
    for (const ttl of [Number.MAX_SAFE_INTEGER, '99999999999d', 3650 * 86400 + 1]) {
      const res = await post(ttl);
      expect({ ttl, status: res.status, error: ((await res.json()) as { error: string }).error }).toEqual({ ttl, status: 400, error: expect.stringMatching(/ttl: at most/) });
    }
    expect((await post('3650d')).status).toBe(201);
    expect(logs.filter((l) => l.event === 'http-error')).toEqual([]);
  });

  it('caps connections per token (429 at the upgrade), so one read token cannot fill a document', async () => {
    const { server } = await startServer({ secret: SECRET, limits: { maxConnectionsPerDoc: 3, maxConnectionsPerToken: 2 } });
    const read = await token('board', 'read');
    const first = await attempt(`${server.url}/board?token=${read}`);
    const second = await attempt(`${server.url}/board?token=${read}`);
    expect([first.refused, second.refused]).toEqual([false, false]);
    const third = await attempt(`${server.url}/board?token=${read}`);
    expect({ refused: third.refused, status: third.refused && third.status, body: third.refused && third.body }).toEqual({
      refused: true,
      status: 429,
      body: JSON.stringify({ error: 'too many connections with this token (at most 2)' }),
    });
    // The document still has room for someone else.
    expect((await attempt(`${server.url}/board?token=${await token('board', 'write')}`)).refused).toBe(false);
    // A closed connection gives its place back.
    if (!first.refused) first.ws.close();
    await waitFor(() => server.stats().clients === 2, 'first socket closed on the server');
    expect((await attempt(`${server.url}/board?token=${read}`)).refused).toBe(false);
    // Now the document is full (3), whoever asks.
    const full = await attempt(`${server.url}/board?token=${await token('board', 'write')}`);
    expect(full.refused && full.status).toBe(503);
  });

  it('runs open without a secret: no token needed, /register unavailable', async () => {
    const { server, http, logs } = await startServer({ adminKey: 'k' });
    expect(logs.some((l) => l.level === 'warn' && l.event === 'open-mode')).toBe(true);
    const c = connectClient(server.url, 'free');
    await synced(c);
    expect((await fetch(`${http}/register`, { method: 'POST', headers: { Authorization: 'Bearer k' } })).status).toBe(501);
    expect((await fetch(`${http}/docs/free`)).status).toBe(200);
  });
});

describe('Origin check without a secret', () => {
  it('refuses browser upgrades from other origins with 403; its own origin and clients without Origin get in', async () => {
    const { http, server } = await startServer();
    const port = server.port;
    const upgrade = async (origin?: string) => (await rawUpgrade(http, '/sync/board', origin === undefined ? {} : { Origin: origin })).status;
    const cases: [string | undefined, number][] = [
      [undefined, 101],
      [`http://127.0.0.1:${port}`, 101],
      [`http://localhost:${port}`, 101],
      [`https://localhost:${port}`, 101],
      [`http://[::1]:${port}`, 101],
      ['http://evil.example', 403],
      [`http://evil.example:${port}`, 403], // DNS rebinding: a foreign name pointing here
      ['http://localhost:5173', 403],
      [`http://127.0.0.1:${port + 1}`, 403],
      ['null', 403],
      [`file://localhost:${port}`, 403],
    ];
    for (const [origin, status] of cases) expect({ origin, status: await upgrade(origin) }).toEqual({ origin, status });
    const refused = await rawUpgrade(http, '/sync/board', { Origin: 'http://evil.example' });
    expect(JSON.parse(refused.body)).toEqual({ error: 'origin "http://evil.example" may not connect to a server without a secret (see allowedOrigins)' });
  });

  it('lets allowedOrigins in, "*" lets every origin in, and a secret leaves the decision to tokens', async () => {
    const listed = await startServer({ allowedOrigins: ['http://localhost:5173', 'https://app.example'] });
    for (const [origin, status] of [
      ['http://localhost:5173', 101],
      ['https://app.example', 101],
      ['http://app.example', 403],
      ['http://evil.example', 403],
    ] as const) {
      expect({ origin, status: (await rawUpgrade(listed.http, '/sync/board', { Origin: origin })).status }).toEqual({ origin, status });
    }
    const any = await startServer({ allowedOrigins: ['*'] });
    expect((await rawUpgrade(any.http, '/sync/board', { Origin: 'http://evil.example' })).status).toBe(101);
    const secured = await startServer({ secret: SECRET });
    expect((await rawUpgrade(secured.http, `/sync/board?token=${await token('board')}`, { Origin: 'http://evil.example' })).status).toBe(101);
    for (const bad of ['localhost:5173', 'http://localhost:5173/app', 'ftp://x.example']) {
      await expect(createSyncServer({ port: 0, dataDir: tempDir(), allowedOrigins: [bad], logger: () => {} })).rejects.toThrow(/allowedOrigins/);
    }
  });
});
