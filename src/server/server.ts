// createSyncServer(): one Node HTTP server that upgrades /sync/<doc> to y-websocket sessions
// (after checking the token and the limits) and answers the HTTP endpoints on the same port.
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Admissions, type Admission } from './admissions.js';
import { CloseCode } from './close-codes.js';
import { closeConn, type Conn } from './connection.js';
import { decodeDocName } from './doc-names.js';
import { createRequestHandler } from './http.js';
import { jsonLinesLogger } from './log.js';
import { checkTrafficLimits, DEFAULT_LIMITS, type Limits, type SyncServerOptions } from './options.js';
import { originAllowed, parseAllowedOrigins } from './origins.js';
import type { Persistence } from './persistence.js';
import { requestUrl } from './request-url.js';
import type { Room } from './room.js';
import { Rooms } from './rooms.js';
import { SqlitePersistence } from './sqlite.js';
import { StaticFiles } from './static.js';
import { atWallClock } from './wall-clock-timer.js';
import { checkSecret, grants, verifyToken, type Right } from './tokens.js';
import { TokenError } from './errors.js';
import { compilePathRules, type PathRules } from '../core/index.js';

/** A running server, as returned by {@link createSyncServer}. */
export interface SyncServer {
  /** The port it listens on (the chosen one when `port: 0` was asked). */
  readonly port: number;
  readonly host: string;
  /** Base URL for sync clients: `ws://host:port/sync` (documents live at `<url>/<doc>`). */
  readonly url: string;
  /** The storage backend in use. */
  readonly persistence: Persistence;
  /** Documents loaded in memory and clients connected. */
  stats(): { docs: number; clients: number; uptime: number };
  /**
   * Stops accepting, closes every client with 1001, waits for queued writes, compacts and
   * unloads every document and closes the storage. Safe to call more than once.
   */
  close(): Promise<void>;
}

const PING_INTERVAL_MS = 30_000;
const CLOSE_GRACE_MS = 2_000;
/** The sub-protocol clients offer next to a token in Sec-WebSocket-Protocol. */
export const SUBPROTOCOL = 'tinysync';

/**
 * Starts a sync server: y-websocket at `ws://host:port/sync/<doc>`, documents stored in SQLite
 * under `dataDir`, access checked with signed tokens when a `secret` is set, plus `GET /health`,
 * `GET /docs/<doc>`, `GET /docs/<doc>/update`, `POST /register` and optional static files.
 *
 * @example
 * const server = await createSyncServer({ port: 0, dataDir: './data', secret: process.env.SECRET });
 * const token = await createToken({ secret: process.env.SECRET!, doc: 'board', right: 'write' });
 * new WebsocketProvider(server.url, 'board', ydoc, { params: { token } });
 * // ...
 * await server.close();
 */
export async function createSyncServer(opts: SyncServerOptions = {}): Promise<SyncServer> {
  const logger = opts.logger ?? jsonLinesLogger;
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  checkTrafficLimits(limits);
  const secret = opts.secret === '' ? undefined : opts.secret;
  if (secret !== undefined) checkSecret(secret);
  const files = opts.static === undefined ? undefined : await StaticFiles.open(opts.static);
  const persistence = opts.persistence ?? new SqlitePersistence(opts.dataDir ?? './data');
  const rooms = new Rooms(
    { persistence, logger, compactAfterUpdates: opts.compactAfterUpdates ?? 500, limits },
    opts.idleUnloadMs ?? 30_000,
  );
  const started = Date.now();
  const conns = new Set<Conn>();
  const admissions = new Admissions(limits);
  const allowedOrigins = parseAllowedOrigins(opts.allowedOrigins);
  let nextId = 1;
  let closing: Promise<void> | undefined;

  const stats = () => ({ docs: rooms.size, clients: conns.size, uptime: Math.round((Date.now() - started) / 1000) });
  const http = createServer(
    createRequestHandler({
      secret,
      adminKey: opts.adminKey,
      rooms,
      files,
      logger,
      health: () => ({ ok: true, open: secret === undefined, ...stats() }),
    }),
  );
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

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (closing) return refuse(socket, req, 503, 'server shutting down');
    let url: URL;
    try {
      url = requestUrl(req.url);
    } catch {
      return refuse(socket, req, 400, 'bad request target');
    }
    const m = /^\/sync\/([^/]+)$/.exec(url.pathname);
    const doc = m ? decodeDocName(m[1]!) : null;
    if (doc === null) return refuse(socket, req, 404, 'expected /sync/<document>');
    let right: Right = 'write';
    let sub = 'anonymous';
    let exp: number | undefined;
    let rules: PathRules | undefined;
    let tokenKey: string | undefined;
    const origin = req.headers.origin;
    if (secret === undefined && origin !== undefined && !originAllowed(origin, opts.host ?? '127.0.0.1', (http.address() as AddressInfo).port, allowedOrigins)) {
      return refuse(socket, req, 403, `origin ${JSON.stringify(origin.slice(0, 200))} may not connect to a server without a secret (see allowedOrigins)`, doc);
    }
    if (secret !== undefined) {
      const token = url.searchParams.get('token') ?? tokenFromProtocols(req.headers['sec-websocket-protocol']);
      if (!token) return refuse(socket, req, 401, 'missing token', doc);
      let claims;
      try {
        claims = await verifyToken(token, secret);
      } catch (err) {
        return refuse(socket, req, err instanceof TokenError ? err.status : 401, err instanceof Error ? err.message : 'invalid token', doc);
      }
      if (!grants(claims, doc, 'read')) return refuse(socket, req, 403, `token does not grant document "${doc}"`, doc);
      ({ right, sub, exp } = claims);
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
      room.receive(conn, toBytes(data));
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
    closeConn(conn, CloseCode.DOC_UNAVAILABLE, 'document unavailable: its stored log cannot be loaded');
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((error: unknown) => {
      // The path only: the query may hold a token.
      logger({ level: 'error', event: 'upgrade-error', path: req.url?.split('?')[0], error });
      if (!socket.destroyed) refuse(socket, req, 500, 'internal error');
    });
  });

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

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 1234, opts.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(pinger);
    await persistence.close();
    throw err;
  }
  const address = http.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger({ level: 'info', event: 'listening', host, port: address.port, open: secret === undefined, ...(opts.persistence ? {} : { dataDir: opts.dataDir ?? './data' }) });
  if (secret === undefined) {
    logger({
      level: 'warn',
      event: 'open-mode',
      message: 'NO SECRET CONFIGURED: the server runs OPEN, anyone who can reach it can read and write every document. Set a secret (--secret or TINYSYNC_SECRET) to require tokens.',
    });
  }

  const shutdown = async (): Promise<void> => {
    clearInterval(pinger);
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const sockets = [...conns].map((c) => c.ws);
    for (const conn of conns) closeConn(conn, CloseCode.GOING_AWAY, 'server shutting down');
    await waitClosed(sockets, CLOSE_GRACE_MS);
    await rooms.closeAll();
    await persistence.close();
    wss.close();
    http.closeAllConnections();
    await httpClosed;
    logger({ level: 'info', event: 'closed', port: address.port });
  };

  return {
    port: address.port,
    host,
    url: `ws://${urlHost}:${address.port}/sync`,
    persistence,
    stats,
    close: () => (closing ??= shutdown()),
  };
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
