// Signed access tokens: HS256 JWTs carrying which document(s) a client may open and whether
// it may write. The server verifies them at the WebSocket upgrade and on /docs requests.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { OptionError, TokenError } from './errors.js';

/** What a token allows on its documents. `write` includes reading. */
export type Right = 'read' | 'write';

/** The verified content of a token. */
export interface TokenClaims {
  /** A document name, or a prefix pattern ending in `*` (`team-a/*`, or `*` for all). */
  doc: string;
  right: Right;
  /** Who holds it: a client id or user name. */
  sub: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/** Options of {@link createToken}. */
export interface CreateTokenOptions {
  /** The server's secret (at least 32 characters). */
  secret: string;
  /** Document name or prefix pattern ending in `*`. */
  doc: string;
  /** Default `read`. */
  right?: Right;
  /** Default: a random UUID. */
  sub?: string;
  /** Lifetime: seconds, or a string such as `90s`, `30m`, `12h`, `7d`, `2w`. Default `7d`. */
  ttl?: number | string;
}

export const MIN_SECRET_LENGTH = 32;

/**
 * Signs a token for `doc` with the server secret. The same can be done from the shell with
 * `tinysync token --secret S --doc NAME --write --ttl 7d`.
 *
 * @example
 * const token = await createToken({ secret, doc: 'team-a/*', right: 'write', sub: 'alice', ttl: '1d' });
 * new WebsocketProvider('ws://localhost:1234/sync', 'team-a%2Fboard', ydoc, { params: { token } });
 */
export async function createToken(opts: CreateTokenOptions): Promise<string> {
  const right = opts.right ?? 'read';
  if (right !== 'read' && right !== 'write') throw new OptionError('right', `must be "read" or "write", not ${JSON.stringify(right)}`);
  checkDocPattern(opts.doc);
  const exp = Math.floor(Date.now() / 1000) + parseTtl(opts.ttl ?? '7d');
  return new SignJWT({ doc: opts.doc, right })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub ?? randomUUID())
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(secretKey(opts.secret));
}

/**
 * Checks a token's signature, expiry and claims and returns the claims. Throws a
 * {@link TokenError} (status 401) when the token is malformed, badly signed or expired.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secretKey(secret), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('E_TOKEN_EXPIRED', 'token expired', 401, undefined, { cause: err });
    throw new TokenError('E_TOKEN_INVALID', 'token invalid (malformed or bad signature)', 401, undefined, { cause: err });
  }
  const { doc, right, sub, exp } = payload;
  if (typeof doc !== 'string' || doc === '' || (right !== 'read' && right !== 'write') || typeof sub !== 'string' || typeof exp !== 'number') {
    throw new TokenError('E_TOKEN_INVALID', 'token lacks the doc/right/sub/exp claims', 401);
  }
  return { doc, right, sub, exp };
}

/** Whether `claims` allow `right` on the document `doc` (exact name, or prefix pattern `p*`). */
export function grants(claims: TokenClaims, doc: string, right: Right): boolean {
  const docOk = claims.doc.endsWith('*') ? doc.startsWith(claims.doc.slice(0, -1)) : doc === claims.doc;
  return docOk && (right === 'read' || claims.right === 'write');
}

/** Longest token lifetime: 10 years, in seconds. Longer ones would leave `Date`'s range. */
export const MAX_TTL_SECONDS = 3650 * 86400;

/**
 * Parses a lifetime (`3600`, `90s`, `30m`, `12h`, `7d`, `2w`) into seconds. Throws an
 * OptionError for anything that is not a positive duration of at most {@link MAX_TTL_SECONDS}.
 */
export function parseTtl(ttl: number | string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  const m = typeof ttl === 'number' ? null : /^(\d+)\s*([smhdw]?)$/.exec(ttl.trim());
  const seconds = typeof ttl === 'number' ? ttl : m ? Number(m[1]) * (units[m[2] || 's'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new OptionError('ttl', `expected a positive duration such as 3600, 30m, 12h or 7d, got ${JSON.stringify(ttl)}`);
  if (seconds > MAX_TTL_SECONDS) throw new OptionError('ttl', `at most ${MAX_TTL_SECONDS} seconds (3650d), got ${JSON.stringify(ttl)}`);
  return seconds;
}

/** Throws unless `secret` is long enough for HS256. */
export function checkSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) throw new OptionError('secret', `must be at least ${MIN_SECRET_LENGTH} characters (HS256 needs 256 bits); try \`openssl rand -hex 32\``);
}

function checkDocPattern(doc: string): void {
  if (typeof doc !== 'string' || doc === '' || doc.slice(0, -1).includes('*')) {
    throw new OptionError('doc', `expected a document name or a prefix ending in "*", got ${JSON.stringify(doc)}`);
  }
}

function secretKey(secret: string): Uint8Array {
  checkSecret(secret);
  return new TextEncoder().encode(secret);
}
