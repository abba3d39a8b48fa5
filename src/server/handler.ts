// createSyncHandler(): the request and upgrade handlers of the sync server, without a server of
// their own, so an app can mount them on its http.Server / Express / Fastify next to its routes.
// createSyncServer() is this plus a listening http.Server.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Admissions, type Admission } from './admissions.js';
import { checkGrant, type AuthGrant } from './authenticate.js';
import { CloseCode } from './close-codes.js';
import { closeConn, type Conn } from './connection.js';
import { decodeDocName } from './doc-names.js';
import { createRequestHandler } from './http.js';
import { jsonLinesLogger, type Logger } from './log.js';
import { checkTrafficLimits, DEFAULT_LIMITS, type Limits, type SyncServerOptions } from './options.js';
import { originAllowed, parseAllowedOrigins } from './origins.js';
import type { Persistence } from './persistence.js';
import { requestUrl } from './request-url.js';
import type { Room } from './room.js';
import { RedisFanout } from './redis-fanout.js';
import { Rooms } from './rooms.js';
import { openStorage } from './storage.js';
import { StaticFiles } from './static.js';
import { atWallClock } from './wall-clock-timer.js';
import { checkSecret, grants, verifyToken, type Right } from './tokens.js';
import { compilePathRules, type PathRules } from '../core/index.js';
import { OptionError, TokenError } from './errors.js';
import { WriteGate } from './write-gate.js';

/** The handlers returned by {@link createSyncHandler}. */
export interface SyncHandler {
  /**
   * Handles an HTTP `upgrade` for a path under `/sync/` (a sync session on `/sync/<doc>`, or a
   * refusal with its HTTP status) and returns true; returns false, touching nothing, for any
   * other path, so the app can serve its own WebSocket routes.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Answers `/health`, `/docs/...`, `/register`, `/sync` (426) and static files. For any other
   * path it calls `next()` when given (Express / Connect middleware), else answers 404.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** The storage backend in use. */
  readonly persistence: Persistence;
  /** This instance's id, as `/health` reports it. */
  readonly instance: string;
  /** Documents loaded in memory and clients connected. */
  stats(): { docs: number; clients: number; uptime: number };
  /**
   * Closes every client with 1001, waits for queued writes, compacts and unloads every document
   * and closes the storage. The app's own server is left alone. Safe to call more than once.
   */
  close(): Promise<void>;
}

const PING_INTERVAL_MS = 30_000;
const CLOSE_GRACE_MS = 2_000;
/** The sub-protocol clients offer next to a token in Sec-WebSocket-Protocol. */
export const SUBPROTOCOL = 'tinysync';

/**
 * Builds the sync server's handlers without listening anywhere: mount `handleUpgrade` on your
 * server's `upgrade` event and `handleRequest` on its requests (or as Express middleware).
 * Takes the options of createSyncServer except `host` and `port`; with `authenticate`, your
 * sessions decide who may open which document instead of tinysync tokens.
 *
 * @example
 * const sync = await createSyncHandler({ dataDir: './data', authenticate: (req) => sessionOf(req) });
 * const server = http.createServer((req, res) => (req.url?.startsWith('/app') ? app(req, res) : sync.handleRequest(req, res)));
 * server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head) || socket.destroy());
 */
export async function createSyncHandler(opts: SyncServerOptions = {}): Promise<SyncHandler> {
  const logger: Logger = opts.logger ?? jsonLinesLogger;
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  checkTrafficLimits(limits);
  const secret = opts.secret === '' ? undefined : opts.secret;
  if (secret !== undefined) checkSecret(secret);
  const authenticate = opts.authenticate;
  const files = opts.static === undefined ? undefined : await StaticFiles.open(opts.static);
  const instance = opts.instanceId ?? randomUUID();
  // The drivers are optional peers: say at start which one is missing, not at the first client.
  if (opts.postgres !== undefined) await requirePeer('pg', 'postgres');
  if (opts.redis !== undefined) await requirePeer('ioredis', 'redis');
  const storage = openStorage(opts, logger);
  const { persistence } = storage;
  const gate = new WriteGate(storage, logger);
  let fanout: RedisFanout | undefined;
  try {
    fanout = opts.redis === undefined ? undefined : await RedisFanout.connect(opts.redis, { instance, logger });
  } catch (err) {
    gate.stop();
    await storage.close();
    throw err;
  }
  const rooms = new Rooms(
    { persistence, logger, compactAfterUpdates: opts.compactAfterUpdates ?? 500, limits, fanout },
    opts.idleUnloadMs ?? 30_000,
    fanout,
  );
  const started = Date.now();
  const conns = new Set<Conn>();
  const admissions = new Admissions(limits);
  const allowedOrigins = parseAllowedOrigins(opts.allowedOrigins);
  let nextId = 1;
  let closing: Promise<void> | undefined;
  const open = secret === undefined && authenticate === undefined;

  const stats = () => ({ docs: rooms.size, clients: conns.size, uptime: Math.round((Date.now() - started) / 1000) });
  const requests = createRequestHandler({
    secret,
    adminKey: opts.adminKey,
    authenticate,
    rooms,
    files,
    logger,
    health: () => {
      const dependencies = { ...storage.dependencies(), ...(fanout ? { redis: fanout.state } : {}) };
      const ok = Object.values(dependencies).every((s) => s === 'up');
      // Only a storage outage makes the instance refuse writes (503); without Redis it serves its
      // own clients fully and the others catch up once Redis is back.
      return { status: gate.writable ? 200 : 503, body: { ok, instance, open, dependencies, readOnly: !gate.writable, ...stats() } };
    },
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    // Select `tinysync` or nothing: any other offered value may be the token, and an echoed
    // token lands in logs and proxies. A browser that offered only a token then fails the
    // connection, which tells its developer to offer `tinysync` next to it.
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  const refuse = (socket: Duplex, req: IncomingMessage, status: number, reason: string, doc?: string) => {
    logger({ level: 'warn', event: 'refused', status, reason, doc, ip: req.socket.remoteAddress });
    const body = JSON.stringify({ error: reason });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> => {
    if (closing) return refuse(socket, req, 503, 'server shutting down');
    const m = /^\/sync\/([^/]+)$/.exec(url.pathname);
    const doc = m ? decodeDocName(m[1]!) : null;
    if (doc === null) return refuse(socket, req, 404, 'expected /sync/<document>');
    let right: Right = 'write';
    let sub = 'anonymous';
    let exp: number | undefined;
    let rules: PathRules | undefined;
    let tokenKey: string | undefined;
    const origin = req.headers.origin;
    // Cookies ride along with any page's WebSocket, so an app's sessions need the same origin
    // check as an open server (tokens are not sent by other sites' pages).
    const checkOrigin = secret === undefined || authenticate !== undefined;
    if (checkOrigin && origin !== undefined && !originAllowed(origin, opts.host ?? req.socket.localAddress ?? '127.0.0.1', req.socket.localPort ?? 0, allowedOrigins)) {
      const who = authenticate === undefined ? 'a server without a secret' : 'a server that authenticates by session';
      return refuse(socket, req, 403, `origin ${JSON.stringify(origin.slice(0, 200))} may not connect to ${who} (see allowedOrigins)`, doc);
    }
    if (authenticate !== undefined) {
      let grant: AuthGrant | null | undefined;
      try {
        grant = await authenticate(req);
      } catch (err) {
        logger({ level: 'warn', event: 'authenticate-failed', doc, error: err });
        return refuse(socket, req, 401, 'not authenticated', doc);
      }
      const checked = checkGrant(grant, doc);
      if ('status' in checked) return refuse(socket, req, checked.status, checked.reason, doc);
      ({ right, sub, exp } = checked);
      tokenKey = `sub:${sub}`;
    } else if (secret !== undefined) {
      const token = url.searchParams.get('token') ?? tokenFromProtocols(req.headers['sec-websocket-protocol']);
      if (!token) return refuse(socket, req, 401, 'missing token', doc);
      let claims;
      try {
        claims = await verifyToken(token, secret);
      } catch (err) {
        return refuse(socket, req, err instanceof TokenError ? err.status : 401, err instanceof Error ? err.message : 'invalid token', doc);
      }
      if (!grants(claims, doc, 'read')) return refuse(socket, req, 403, `token does not grant document "${doc}"`, doc);
      ({ sub, exp } = claims);
      right = claims.right === 'write' ? 'write' : 'read'; // grants() refused invites above
      if (claims.paths) rules = compilePathRules(claims.paths, sub);
      // The signature tells tokens apart (two tokens for one sub are two tokens).
      tokenKey = token.slice(token.lastIndexOf('.') + 1);
    }
    if (closing) return refuse(socket, req, 503, 'server shutting down', doc);
    const admission = admissions.admit(doc, tokenKey);
    if ('status' in admission) return refuse(socket, req, admission.status, admission.reason, doc);
    let room: Room | undefined;
    let unavailable: unknown;
    try {
      room = await rooms.acquire(doc);
    } catch (err) {
      unavailable = err;
    }
    let upgraded = false;
    if (!closing) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded = true;
        const conn: Conn = { id: nextId++, ws, doc, right, sub, rules, awarenessIds: new Set(), closed: false, alive: true };
        if (room) connect(conn, room, exp, admission, req);
        else refuseDoc(conn, unavailable, admission);
      });
    }
    if (!upgraded) {
      admission.release();
      if (room) rooms.release(room);
      if (closing) refuse(socket, req, 503, 'server shutting down', doc);
    }
  };

  const connect = (conn: Conn, room: Room, exp: number | undefined, admission: Admission, req: IncomingMessage) => {
    const { ws } = conn;
    const since = Date.now();
    conns.add(conn);
    room.attach(conn);
    rooms.release(room);
    logger({ level: 'info', event: 'connect', doc: conn.doc, conn: conn.id, sub: conn.sub, right: conn.right, ip: req.socket.remoteAddress });
    // Tokens are checked at the upgrade; a long-lived socket is also closed when its token expires.
    const cancelExpiry = exp === undefined ? undefined : atWallClock(exp * 1000, () => closeConn(conn, CloseCode.TOKEN_EXPIRED, 'token expired'));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        logger({ level: 'warn', event: 'client-refused', doc: conn.doc, conn: conn.id, sub: conn.sub, code: CloseCode.INVALID_MESSAGE, reason: 'text frame' });
        return closeConn(conn, CloseCode.INVALID_MESSAGE, 'text frames are not part of the protocol');
      }
      const frame = toBytes(data);
      if (gate.admits(room, conn, frame)) room.receive(conn, frame);
    });
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('error', (error) => logger({ level: 'error', event: 'socket-error', doc: conn.doc, conn: conn.id, sub: conn.sub, error }));
    ws.on('close', (code, reason) => {
      conn.closed = true;
      cancelExpiry?.();
      conns.delete(conn);
      admission.release();
      room.detach(conn);
      rooms.scheduleUnload(room);
      logger({ level: 'info', event: 'disconnect', doc: conn.doc, conn: conn.id, sub: conn.sub, code, reason: reason.toString(), ms: Date.now() - since });
    });
  };

  const refuseDoc = (conn: Conn, err: unknown, admission: Admission) => {
    logger({ level: 'error', event: 'doc-unavailable', doc: conn.doc, conn: conn.id, sub: conn.sub, error: err });
    conn.ws.on('error', () => {});
    conn.ws.on('close', () => admission.release());
    if (!gate.writable) closeConn(conn, CloseCode.STORAGE_UNAVAILABLE, 'storage unreachable: document not loaded here, retry later');
    else closeConn(conn, CloseCode.DOC_UNAVAILABLE, 'document unavailable: its stored log cannot be loaded');
  };

  // Drop clients that stopped answering pings (half-open TCP connections).
  const pinger = setInterval(() => {
    for (const conn of conns) {
      if (!conn.alive) conn.ws.terminate();
      else {
        conn.alive = false;
        conn.ws.ping();
      }
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  if (open) {
    logger({
      level: 'warn',
      event: 'open-mode',
      message: 'NO SECRET CONFIGURED: the server runs OPEN, anyone who can reach it can read and write every document. Set a secret (--secret or TINYSYNC_SECRET) to require tokens.',
    });
  }

  const shutdown = async (): Promise<void> => {
    clearInterval(pinger);
    gate.stop();
    const sockets = [...conns].map((c) => c.ws);
    for (const conn of conns) closeConn(conn, CloseCode.GOING_AWAY, 'server shutting down');
    await waitClosed(sockets, CLOSE_GRACE_MS);
    await rooms.closeAll();
    await fanout?.close();
    await storage.close();
    wss.close();
  };

  return {
    persistence,
    instance,
    stats,
    handleUpgrade(req, socket, head) {
      let url: URL;
      try {
        url = requestUrl(req.url);
      } catch {
        socket.on('error', () => socket.destroy());
        refuse(socket, req, 400, 'bad request target');
        return true;
      }
      if (url.pathname !== '/sync' && !url.pathname.startsWith('/sync/')) return false;
      socket.on('error', () => socket.destroy());
      upgrade(req, socket, head, url).catch((error: unknown) => {
        // The path only: the query may hold a token.
        logger({ level: 'error', event: 'upgrade-error', path: req.url?.split('?')[0], error });
        if (!socket.destroyed) refuse(socket, req, 500, 'internal error');
      });
      return true;
    },
    handleRequest: requests,
    close: () => (closing ??= shutdown()),
  };
}

/** Throws an OptionError naming `option` when the optional package it needs is not installed. */
async function requirePeer(name: 'pg' | 'ioredis', option: string): Promise<void> {
  try {
    await (name === 'pg' ? import('pg') : import('ioredis'));
  } catch (err) {
    throw new OptionError(option, `needs the "${name}" package: npm i ${name} (${(err as Error).message.split('\n')[0]})`);
  }
}

/** A token offered as one of the Sec-WebSocket-Protocol values (next to `tinysync`). */
function tokenFromProtocols(header: string | undefined): string | null {
  if (!header) return null;
  for (const p of header.split(',')) {
    const value = p.trim();
    if (value !== SUBPROTOCOL && value.split('.').length === 3) return value;
  }
  return null;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** Waits until every socket closed, terminating those still open after `graceMs`. */
async function waitClosed(sockets: WebSocket[], graceMs: number): Promise<void> {
  const open = sockets.filter((ws) => ws.readyState !== ws.CLOSED);
  if (open.length === 0) return;
  await new Promise<void>((resolve) => {
    let left = open.length;
    const timer = setTimeout(() => {
      for (const ws of open) ws.terminate();
    }, graceMs);
    for (const ws of open) {
      ws.once('close', () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
