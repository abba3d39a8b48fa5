// Which web pages may open a WebSocket to a server that runs without a secret. Without tokens,
// a page on any site could otherwise read and write every document of a server on localhost
// (browsers let any page open a WebSocket anywhere; only the Origin header tells them apart).
import { networkInterfaces } from 'node:os';
import { OptionError } from './errors.js';

/** Interfaces that mean "every address of this machine". */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Normalises the `allowedOrigins` option: each entry is `*` (any origin) or an http(s) origin
 * such as `http://localhost:5173`. Throws an OptionError naming a bad entry.
 */
export function parseAllowedOrigins(entries: readonly string[] | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  for (const entry of entries ?? []) {
    if (entry === '*') {
      out.add('*');
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || !(url.protocol in DEFAULT_PORTS) || url.origin !== entry.replace(/\/$/, '')) {
      throw new OptionError('allowedOrigins', `expected "*" or an origin such as "http://localhost:5173" (scheme, host, port; no path), got ${JSON.stringify(entry)}`);
    }
    out.add(url.origin);
  }
  return out;
}

/**
 * Whether an upgrade whose `Origin` header is `origin` may connect to a server without a secret
 * listening on `host`:`port`. Allowed: the server's own addresses with its port (127.0.0.1,
 * localhost, [::1], the `host` it listens on, and every interface address when that is
 * 0.0.0.0 or ::), over http or https, and whatever `allowed` lists. A host name other than
 * `localhost` is never "own": under DNS rebinding an attacker's name points at this machine.
 */
export function originAllowed(origin: string, host: string, port: number, allowed: ReadonlySet<string>): boolean {
  if (allowed.has('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, file:) and garbage
  }
  const scheme = DEFAULT_PORTS[url.protocol];
  if (scheme === undefined) return false;
  if (allowed.has(url.origin)) return true;
  if ((url.port || scheme) !== String(port)) return false;
  return ownHosts(host).has(url.hostname.toLowerCase());
}

/** Host names (as URL.hostname spells them: IPv6 in brackets) that are this server's own. */
function ownHosts(host: string): Set<string> {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (!WILDCARD_HOSTS.has(bare)) hosts.add(bare.includes(':') ? `[${bare}]` : bare);
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) hosts.add(a.family === 'IPv6' ? `[${a.address.toLowerCase()}]` : a.address);
    }
  }
  return hosts;
}
