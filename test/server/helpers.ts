// Shared plumbing of the server tests: a server on 127.0.0.1:0 with a temp dataDir and a
// collecting logger, y-websocket clients in Node, raw sockets, polling with a deadline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyncServer, type LogRecord, type SyncServer, type SyncServerOptions } from 'tinysync/server';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export const SECRET = 'test-secret-0123456789abcdef0123456789';

export interface TestServer {
  server: SyncServer;
  dataDir: string;
  logs: LogRecord[];
  http: string;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];

/** Runs every registered cleanup (call in afterEach). */
export async function cleanup(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tinysync-server-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a server on a free port with a fresh data folder; stopped by cleanup(). */
export async function startServer(opts: SyncServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir();
  const logs: LogRecord[] = [];
  const server = await createSyncServer({ host: '127.0.0.1', port: 0, dataDir, logger: (r) => logs.push(r), ...opts });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  cleanups.push(stop);
  return { server, dataDir, logs, http: `http://127.0.0.1:${server.port}`, stop };
}

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  destroy(): void;
}

/** A y-websocket client on `room`, destroyed (provider and doc) by cleanup(). */
export function connectClient(url: string, room: string, opts: { token?: string; protocols?: string[] } = {}): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: opts.token ? { token: opts.token } : {},
    protocols: opts.protocols ?? [],
    disableBc: true,
  });
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    provider.destroy();
    doc.destroy();
  };
  cleanups.push(destroy);
  return { doc, provider, destroy };
}

export function synced(client: Client): Promise<void> {
  return waitFor(() => client.provider.synced, 'provider synced');
}

/** Polls `cond` every 5 ms until it holds, failing with `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The outcome of a raw WebSocket attempt: refused at the upgrade, or opened. */
export type Attempt =
  | { refused: true; status: number; body: string; messages: number }
  | { refused: false; ws: WebSocket; messages: Buffer[] };

/** Opens a raw socket and reports whether the upgrade was refused (status, body) or accepted. */
export function attempt(url: string, protocols: string[] = []): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const messages: Buffer[] = [];
    ws.on('message', (data: Buffer) => messages.push(data));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        resolve({ refused: true, status: res.statusCode ?? 0, body, messages: messages.length });
        ws.terminate();
      });
    });
    ws.on('open', () => {
      cleanups.push(() => ws.terminate());
      resolve({ refused: false, ws, messages });
    });
    ws.on('error', (err) => reject(err));
  });
}

/** Resolves with the close code and reason of `ws`. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === ws.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Calls `fn` until `ok(result)` holds (or the deadline passes) and returns the last result. */
export async function pollUntil<T>(fn: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}
