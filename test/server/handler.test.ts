// createSyncHandler mounted on an app's own http.Server, and the authenticate(req) hook that
// lets the app's sessions decide access instead of tokens.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSyncHandler, CloseCode, type AuthGrant, type SyncHandler, type SyncServerOptions } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { cleanup, closed, tempDir, waitFor } from './helpers.js';
import { rawUpgrade } from './raw-upgrade.js';

afterEach(cleanup);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

/** An app with its own routes and its own WebSocket path, serving tinysync next to them. */
async function app(opts: SyncServerOptions): Promise<{ base: string; ws: string; sync: SyncHandler; server: Server }> {
  const sync = await createSyncHandler({ dataDir: tempDir(), logger: () => {}, ...opts });
  const echo = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    if (req.url === '/app/hello') {
      res.end('hello from the app');
      return;
    }
    sync.handleRequest(req, res, () => {
      res.statusCode = 418;
      res.end('app fallback');
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (sync.handleUpgrade(req, socket, head)) return;
    echo.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(m)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  stops.push(async () => {
    await sync.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { base: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/sync`, sync, server };
}

function client(url: string, doc: string, headers: Record<string, string> = {}) {
  const ydoc = new Y.Doc();
  // The session cookie rides on the upgrade request, as a browser sends it.
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const provider = new WebsocketProvider(url, doc, ydoc, { WebSocketPolyfill: WithHeaders as unknown as typeof globalThis.WebSocket, disableBc: true });
  stops.push(async () => {
    provider.destroy();
    ydoc.destroy();
  });
  return { ydoc, provider };
}

/** The app's sessions: a cookie `session=<name>` names a user; alice writes team/*, bob reads it. */
const sessions: Record<string, AuthGrant> = {
  alice: { prefix: 'team/', right: 'write', sub: 'alice' },
  bob: { prefix: 'team/', right: 'read', sub: 'bob' },
};
const authenticate = (req: IncomingMessage): AuthGrant | null => {
  const m = /(?:^|;\s*)session=([a-z]+)/.exec(req.headers.cookie ?? '');
  if (m?.[1] === 'boom') throw new Error('session store down');
  if (m?.[1] === 'weird') return { doc: 'team/a', prefix: 'team/', right: 'write' } as unknown as AuthGrant;
  return m ? (sessions[m[1]!] ?? null) : null;
};

describe('createSyncHandler on an app server', () => {
  it('serves sync, /health and /docs next to the app routes and WebSocket paths, which stay the app\'s', async () => {
    const { base, ws, sync } = await app({});
    expect(await (await fetch(`${base}/app/hello`)).text()).toBe('hello from the app');
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, instance: sync.instance, dependencies: { sqlite: 'up' } });
    // Not a sync path: handed to the app's middleware chain (next), not answered 404.
    const other = await fetch(`${base}/somewhere`);
    expect([other.status, await other.text()]).toEqual([418, 'app fallback']);
    // The app's own WebSocket path is left to it.
    const echo = new WebSocket(`${base.replace('http', 'ws')}/app/echo`);
    stops.push(async () => echo.terminate());
    const reply = new Promise<string>((r) => echo.once('message', (m) => r(m.toString())));
    echo.once('open', () => echo.send('ping'));
    expect(await reply).toBe('ping');
    const a = client(ws, 'board');
    const b = client(ws, 'board');
    await waitFor(() => a.provider.synced && b.provider.synced, 'both synced');
    a.ydoc.getMap('m').set('k', 'v');
    await waitFor(() => b.ydoc.getMap('m').get('k') === 'v', 'b got the write');
    expect(await (await fetch(`${base}/docs/board`)).json()).toEqual({ m: { k: 'v' } });
  });
});

describe('authenticate(req)', () => {
  it('decides who opens which document from the app\'s session: 401 without, 403 outside the grant, 401 when the hook throws', async () => {
    const { base } = await app({ authenticate });
    const cases: [string, Record<string, string>, number][] = [
      ['no session', {}, 401],
      ['unknown session', { cookie: 'session=mallory' }, 401],
      ['outside the prefix', { cookie: 'session=alice' }, 403],
      ['hook throws', { cookie: 'session=boom' }, 401],
      ['malformed grant', { cookie: 'session=weird' }, 500],
    ];
    for (const [what, headers, status] of cases) {
      const doc = what === 'outside the prefix' ? 'private' : encodeURIComponent('team/board');
      const r = await rawUpgrade(base, `/sync/${doc}`, headers);
      expect({ what, status: r.status }).toEqual({ what, status });
    }
    expect((await fetch(`${base}/docs/${encodeURIComponent('team/board')}`)).status).toBe(401);
    expect((await fetch(`${base}/docs/${encodeURIComponent('team/board')}`, { headers: { cookie: 'session=bob' } })).status).toBe(200);
    expect((await fetch(`${base}/docs/private`, { headers: { cookie: 'session=bob' } })).status).toBe(403);
  });

  it('gives a writer write access and a reader read access, and checks browser origins (cookies cross sites)', async () => {
    const { base, ws } = await app({ authenticate });
    const doc = encodeURIComponent('team/board');
    const alice = client(ws, doc, { cookie: 'session=alice' });
    await waitFor(() => alice.provider.synced, 'alice synced');
    alice.ydoc.getMap('m').set('by', 'alice');
    const bob = client(ws, doc, { cookie: 'session=bob' });
    await waitFor(() => bob.ydoc.getMap('m').get('by') === 'alice', 'bob reads alice');
    const codes: number[] = [];
    bob.provider.on('connection-close', (e: CloseEvent | null) => e && codes.push(e.code));
    bob.ydoc.getMap('m').set('by', 'bob');
    await waitFor(() => codes.includes(CloseCode.READ_ONLY), 'bob closed with 4003');
    expect(alice.ydoc.getMap('m').get('by')).toBe('alice');
    // A page on another site cannot ride on alice's cookie.
    const cross = await rawUpgrade(base, `/sync/${doc}`, { cookie: 'session=alice', origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    const own = await rawUpgrade(base, `/sync/${doc}`, { cookie: 'session=alice', origin: base });
    expect(own.status).toBe(101);
  });
});
