// createSyncServer(): one Node HTTP server that upgrades /sync/<doc> to y-websocket sessions
// (after checking the token and the limits) and answers the HTTP endpoints on the same port.
// Everything but the listening socket is the mountable handler (handler.ts).
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSyncHandler, SUBPROTOCOL } from './handler.js';
import { jsonLinesLogger } from './log.js';
import type { SyncServerOptions } from './options.js';
import type { Persistence } from './persistence.js';

export { SUBPROTOCOL };

/** A running server, as returned by {@link createSyncServer}. */
export interface SyncServer {
  /** The port it listens on (the chosen one when `port: 0` was asked). */
  readonly port: number;
  readonly host: string;
  /** Base URL for sync clients: `ws://host:port/sync` (documents live at `<url>/<doc>`). */
  readonly url: string;
  /** The storage backend in use. */
  readonly persistence: Persistence;
  /** This instance's id, as `/health` reports it. */
  readonly instance: string;
  /** Documents loaded in memory and clients connected. */
  stats(): { docs: number; clients: number; uptime: number };
  /**
   * Stops accepting, closes every client with 1001, waits for queued writes, compacts and
   * unloads every document and closes the storage. Safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Starts a sync server: y-websocket at `ws://host:port/sync/<doc>`, documents stored in SQLite
 * under `dataDir` (or PostgreSQL with `postgres`), access checked with signed tokens when a
 * `secret` is set (or by your `authenticate` hook), plus `GET /health`, `GET /docs/<doc>`,
 * `GET /docs/<doc>/update`, `POST /register` and optional static files. To serve all this from
 * your own HTTP server instead, use createSyncHandler.
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
  const sync = await createSyncHandler(opts);
  const http = createServer((req, res) => sync.handleRequest(req, res));
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (sync.handleUpgrade(req, socket, head)) return;
    socket.on('error', () => socket.destroy());
    const body = JSON.stringify({ error: 'expected /sync/<document>' });
    logger({ level: 'warn', event: 'refused', status: 404, reason: 'expected /sync/<document>', ip: req.socket.remoteAddress });
    socket.end(`HTTP/1.1 404 ${STATUS_CODES[404]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 1234, opts.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await sync.close();
    throw err;
  }
  const address = http.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const open = opts.secret === undefined || opts.secret === '' ? opts.authenticate === undefined : false;
  logger({ level: 'info', event: 'listening', host, port: address.port, instance: sync.instance, open, ...(opts.persistence || opts.postgres ? {} : { dataDir: opts.dataDir ?? './data' }) });

  const shutdown = async (): Promise<void> => {
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    await sync.close();
    http.closeAllConnections();
    await httpClosed;
    logger({ level: 'info', event: 'closed', port: address.port });
  };
  let closing: Promise<void> | undefined;

  return {
    port: address.port,
    host,
    url: `ws://${urlHost}:${address.port}/sync`,
    persistence: sync.persistence,
    instance: sync.instance,
    stats: () => sync.stats(),
    close: () => (closing ??= shutdown()),
  };
}
