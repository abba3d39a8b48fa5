// A bare y-websocket server (@y/websocket-server) for Node tests of the worker logic, plus the
// snapshot endpoint `GET /docs/<name>/update` that `repair()` reads and a switch to refuse
// sockets with a close code (auth refusals) or at the upgrade (HTTP status).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { docs, getYDoc, setupWSConnection } from '@y/websocket-server/utils';

interface SharedDoc extends Y.Doc {
  conns: Map<WebSocket, Set<number>>;
  awareness: { destroy(): void };
}

const sharedDocs = docs as Map<string, SharedDoc>;

export interface YServer {
  url: string;
  port: number;
  /** The server's doc of a store name (created empty if absent). */
  doc(name: string): Y.Doc;
  /** Number of sockets accepted so far. */
  connections: number;
  /** Open sockets right now, all documents. */
  open(): number;
  /** Refuse new sockets: close right after the upgrade with `code`, or answer the upgrade with HTTP `status`. */
  refuse(how: { close: number } | { status: number } | null): void;
  /** Drop every open socket (a network cut from the server's side). */
  dropAll(): void;
  close(): Promise<void>;
}

/** Starts a y-websocket server on 127.0.0.1 and a random port. */
export async function startYServer(): Promise<YServer> {
  let refusal: { close: number } | { status: number } | null = null;
  const names = new Set<string>();
  const sockets = new Set<WebSocket>();
  const http = createServer((req, res) => {
    const m = /^\/docs\/([^/?]+)\/update/.exec(req.url ?? '');
    if (refusal && 'status' in refusal) {
      res.writeHead(refusal.status).end();
      return;
    }
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const doc = sharedDocs.get(m[1]!);
    const body = Y.encodeStateAsUpdate(doc ?? new Y.Doc());
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'access-control-allow-origin': '*' }).end(Buffer.from(body));
  });
  const wss = new WebSocketServer({ noServer: true });
  const server: YServer = {
    url: '',
    port: 0,
    connections: 0,
    doc(name) {
      const key = encodeURIComponent(name);
      names.add(key);
      return (getYDoc as (n: string) => SharedDoc)(key);
    },
    open: () => sockets.size,
    refuse(how) {
      refusal = how;
    },
    dropAll() {
      for (const s of sockets) s.terminate();
    },
    async close() {
      for (const s of sockets) s.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
      for (const key of names) {
        const d = sharedDocs.get(key);
        if (d) {
          d.awareness.destroy();
          d.destroy();
          sharedDocs.delete(key);
        }
      }
    },
  };
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (refusal && 'status' in refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      server.connections++;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      if (refusal && 'close' in refusal) {
        ws.close(refusal.close, 'refused');
        return;
      }
      const docName = (req.url ?? '').slice(1).split('?')[0]!;
      names.add(docName);
      setupWSConnection(ws, req, { docName });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  server.port = (http.address() as AddressInfo).port;
  server.url = `ws://127.0.0.1:${server.port}`;
  return server;
}
