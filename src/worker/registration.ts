// dbsync's register / isregistered: a device trades an invite (or the admin key) for its own
// credentials once, keeps them, and later only asks whether it has them.
import { AuthError, NetworkError } from './errors.js';

/** What `POST /register` handed out: keep it, and pass `token` to `createStore`'s sync option. */
export interface Credentials {
  /** The server's HTTP base these belong to (`http://host:port`). */
  server: string;
  clientId: string;
  token: string;
  doc?: string;
  prefix?: string;
  right: 'read' | 'write';
  /** ISO date after which the token is refused. */
  expiresAt: string;
}

/** Where credentials are kept: `localStorage` by default in browsers; anything of this shape. */
export interface CredentialStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options of register / isRegistered / credentialsFor. */
export interface RegisterOptions {
  /** Where to keep the credentials (default `localStorage`, else memory for this process). */
  storage?: CredentialStorage;
  /** Narrow the scope: one document, or a prefix (inside what the invite covers). */
  doc?: string;
  prefix?: string;
  /** `read`, or `write` when the invite (or admin key) allows it. */
  right?: 'read' | 'write';
  /** The token's lifetime (`30d` by default on the server). */
  ttl?: string | number;
}

const memory = new Map<string, string>();
const inMemory: CredentialStorage = {
  getItem: (k) => memory.get(k) ?? null,
  setItem: (k, v) => void memory.set(k, v),
  removeItem: (k) => void memory.delete(k),
};

function storageOf(opts: { storage?: CredentialStorage | undefined }): CredentialStorage {
  return opts.storage ?? (globalThis as { localStorage?: CredentialStorage }).localStorage ?? inMemory;
}

/** The HTTP base of a server given as `http(s)://` or as its sync URL (`ws://host:port/sync`). */
function httpBase(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  if (url.protocol === 'wss:') url.protocol = 'https:';
  return url.origin;
}

const keyOf = (server: string) => `tinysync:credentials:${server}`;

/**
 * Registers this device with a tinysync server (`POST /register`) and keeps the credentials it
 * gets in `opts.storage` (default `localStorage`). Give an `inviteToken` (a token with right
 * `register`, made with `createToken({ right: 'register', ... })`: used once, and the admin key
 * never reaches the device) or the `adminKey`. Resolves to the credentials; rejects with an
 * `AuthError` (`E_AUTH`: a wrong key, an invite used already or too narrow) or a `NetworkError`.
 *
 * @example
 * const creds = await register('https://sync.example.com', { inviteToken: fromQrCode });
 * const store = await createStore('board', {}, { sync: { url: 'wss://sync.example.com/sync', token: creds.token } });
 */
export async function register(serverUrl: string, auth: { inviteToken: string } | { adminKey: string }, opts: RegisterOptions = {}): Promise<Credentials> {
  const server = httpBase(serverUrl);
  const bearer = 'inviteToken' in auth ? auth.inviteToken : auth.adminKey;
  const body = { doc: opts.doc, prefix: opts.prefix, right: opts.right, ttl: opts.ttl };
  let res: Response;
  try {
    res = await fetch(`${server}/register`, { method: 'POST', headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    throw new NetworkError('E_NET', `tinysync: could not reach ${server}/register: ${(err as Error).message}`, [server], { cause: err });
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 401 || res.status === 403) throw new AuthError('E_AUTH', `tinysync: registration refused (${res.status}): ${String(answer.error ?? '')}`, [server]);
  if (res.status !== 201 || typeof answer.token !== 'string' || typeof answer.clientId !== 'string') {
    throw new NetworkError('E_NET_REGISTER', `tinysync: ${server}/register answered ${res.status}: ${String(answer.error ?? 'no credentials')}`, [server]);
  }
  const creds: Credentials = {
    server,
    clientId: answer.clientId,
    token: answer.token,
    ...(typeof answer.doc === 'string' ? { doc: answer.doc } : {}),
    ...(typeof answer.prefix === 'string' ? { prefix: answer.prefix } : {}),
    right: answer.right === 'read' ? 'read' : 'write',
    expiresAt: String(answer.expiresAt),
  };
  storageOf(opts).setItem(keyOf(server), JSON.stringify(creds));
  return creds;
}

/**
 * The credentials kept for a server, or undefined when this device never registered there, the
 * stored record is unreadable, or the token has expired.
 */
export function credentialsFor(serverUrl: string, opts: { storage?: CredentialStorage } = {}): Credentials | undefined {
  const text = storageOf(opts).getItem(keyOf(httpBase(serverUrl)));
  if (text === null) return undefined;
  try {
    const creds = JSON.parse(text) as Credentials;
    if (typeof creds?.token !== 'string' || !(Date.parse(creds.expiresAt) > Date.now())) return undefined;
    return creds;
  } catch {
    return undefined;
  }
}

/** Whether this device holds unexpired credentials for the server (dbsync's `isregistered`). */
export function isRegistered(serverUrl: string, opts: { storage?: CredentialStorage } = {}): boolean {
  return credentialsFor(serverUrl, opts) !== undefined;
}

/** Drops the credentials kept for a server (the token itself stays valid until it expires). */
export function forgetRegistration(serverUrl: string, opts: { storage?: CredentialStorage } = {}): void {
  storageOf(opts).removeItem(keyOf(httpBase(serverUrl)));
}
