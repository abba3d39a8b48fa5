// Child process of global-setup.ts: starts a tinysync server from the built package (the
// vitest process resolves `ws` with the browser condition, so the server cannot run inside it),
// prints `{ url, writeToken, readToken, prefix }` as one JSON line, and stops on SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.argv[2];
const { createSyncServer, createToken } = await import(pathToFileURL(join(dist, 'server.js')).href);
const secret = `browser-tests-${Math.random().toString(36).slice(2)}-0123456789abcdef0123456789`;
const dataDir = mkdtempSync(join(tmpdir(), 'tinysync-browser-tests-'));
const server = await createSyncServer({ host: '127.0.0.1', port: 0, dataDir, secret, logger: () => {} });
const prefix = 'browser-test';
const [writeToken, readToken] = await Promise.all([
  createToken({ secret, prefix: `${prefix}/`, right: 'write', sub: 'browser-tests', ttl: '1h' }),
  createToken({ secret, prefix: `${prefix}/`, right: 'read', sub: 'browser-tests-reader', ttl: '1h' }),
]);
process.stdout.write(`${JSON.stringify({ url: server.url, writeToken, readToken, prefix })}\n`);
const stop = async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
