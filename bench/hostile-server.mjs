// Runs one sync server in its own process for the hostile-load benchmark, so that its peak
// resident memory (/proc/<pid>/status VmHWM) is the server's alone.
// Usage: node bench/hostile-server.mjs tinysync <built tinysync/server module> <dataDir> <secret>
//        node bench/hostile-server.mjs bare
// Prints {"port":N} once listening on 127.0.0.1. The bare server is @y/websocket-server's
// setupWSConnection on a plain ws server (no auth, no persistence), as in bench/server.bench.ts;
// any HTTP request gets "okay" (the ping the benchmark times, like tinysync's /health).
import { createServer } from 'node:http';

const [kind, modulePath, dataDir, secret] = process.argv.slice(2);

if (kind === 'tinysync') {
  const { createSyncServer } = await import(modulePath);
  const server = await createSyncServer({ host: '127.0.0.1', port: 0, dataDir, secret, logger: () => {} });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
} else if (kind === 'bare') {
  const { setupWSConnection } = await import('@y/websocket-server/utils');
  const { WebSocketServer } = await import('ws');
  const http = createServer((_req, res) => res.end('okay'));
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', setupWSConnection);
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  http.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: http.address().port })}\n`));
} else {
  process.stderr.write('usage: hostile-server.mjs tinysync <module> <dataDir> <secret> | bare\n');
  process.exit(2);
}
