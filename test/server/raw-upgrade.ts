// A WebSocket upgrade request sent by hand, so a test controls every header (Origin,
// Sec-WebSocket-Protocol) and the path verbatim, and sees the server's answer as it is.
import { randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';

/** The server's answer to an upgrade: 101 with its headers, or a refusal with its body. */
export interface UpgradeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `GET path` with upgrade headers (plus `headers`) to `base`; the socket is closed after. */
export function rawUpgrade(base: string, path: string, headers: Record<string, string> = {}): Promise<UpgradeAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      path,
      method: 'GET',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...headers },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
