// Signed access tokens: HS256 JWTs carrying which document(s) a client may open and whether
// it may write. The server verifies them at the WebSocket upgrade and on /docs requests.
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { checkPathPatterns, PathPatternError } from '../core/index.js';
import { OptionError, TokenError } from './errors.js';

/** What a token allows on its documents. `write` includes reading. */
export type Right = 'read' | 'write';

/**
 * Which documents a token opens: one document by exact name (`doc`), or every document whose
 * name starts with `prefix` (`''`: every document). Exactly one of the two is set. Neither may
 * hold `*`: a name is never a pattern, so `createToken({ doc: userInput })` cannot be turned
 * into a wider grant.
 */
export type TokenScope = { doc: string; prefix?: undefined } | { prefix: string; doc?: undefined };

/**
 * An invite's right: it opens no document, it only lets a device `POST /register` for its own
 * token within the invite's scope, with the invite's `grant` (default `write`).
 */
export type InviteRight = 'register';

/** The verified content of a token. */
export type TokenClaims = TokenScope & {
  right: Right | InviteRight;
  /** On an invite (`right: 'register'`): the right the registered device gets. */
  grant?: Right;
  /** Who holds it: a client id or user name. */
  sub: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
  /** Path patterns a write token may change (see docs/server/permissions.md); absent: the whole document. */
  paths?: string[];
};

/** Options of {@link createToken}: the scope (`doc` or `prefix`) and these. */
export type CreateTokenOptions = TokenScope & {
  /** The server's secret (at least 32 characters). */
  secret: string;
  /** Default `read`; `register` makes an invite (see {@link InviteRight}). */
  right?: Right | InviteRight;
  /** On an invite: the right the registered device gets (default `write`). */
  grant?: Right;
  /** Default: a random UUID. */
  sub?: string;
  /** Lifetime: seconds, or a string such as `90s`, `30m`, `12h`, `7d`, `2w` (at most 10 years). Default `7d`. */
  ttl?: number | string;
  /**
   * Write only these paths of the document: JSON-pointer patterns with `*` (one segment), `**`
   * (any depth below, last segment) and `{sub}` (the token's `sub`). Needs `right: 'write'`.
   * Default: the whole document.
   */
  paths?: string[];
};

export const MIN_SECRET_LENGTH = 32;

/**
 * Signs a token for one document (`doc`) or for every document under a prefix (`prefix`) with
 * the server secret. Throws an OptionError when the scope is missing, doubled or holds `*`. The
 * same can be done from the shell with `tinysync token --secret S --doc NAME --write --ttl 7d`
 * (or `--prefix team-a/`). `paths` limits writes to some paths of the document (`--paths`);
 * a malformed pattern throws an OptionError.
 *
 * @example
 * const token = await createToken({ secret, prefix: 'team-a/', right: 'write', sub: 'alice', ttl: '1d' });
 * new WebsocketProvider('ws://localhost:1234/sync', 'team-a%2Fboard', ydoc, { params: { token } });
 */
export async function createToken(opts: CreateTokenOptions): Promise<string> {
  const right = opts.right ?? 'read';
  if (right !== 'read' && right !== 'write' && right !== 'register') throw new OptionError('right', `must be "read", "write" or "register", not ${JSON.stringify(right)}`);
  if (opts.grant !== undefined && (right !== 'register' || (opts.grant !== 'read' && opts.grant !== 'write'))) throw new OptionError('grant', 'is "read" or "write", and only on an invite (right: "register")');
  const scope = checkScope(opts.doc, opts.prefix);
  const paths = opts.paths === undefined ? undefined : checkPaths(opts.paths, right);
  const exp = Math.floor(Date.now() / 1000) + parseTtl(opts.ttl ?? '7d');
  return new SignJWT({ ...scope, right, ...(right === 'register' ? { grant: opts.grant ?? 'write' } : {}), ...(paths ? { paths } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub ?? randomUUID())
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(secretKey(opts.secret));
}

/**
 * Checks a token's signature, expiry and claims and returns the claims. Throws a
 * {@link TokenError} (status 401) when the token is malformed, badly signed or expired, and
 * when its scope is not exactly one `doc` or `prefix` without `*` — which refuses tokens made
 * before prefix grants got their own claim (`doc: 'team-a/*'`): they were a hole.
 */
export async function verifyToken(token: string, secret: string): Promise<TokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secretKey(secret), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('E_TOKEN_EXPIRED', 'token expired', 401, undefined, { cause: err });
    throw new TokenError('E_TOKEN_INVALID', 'token invalid (malformed or bad signature)', 401, undefined, { cause: err });
  }
  const { doc, prefix, right, sub, exp, grant, paths } = payload;
  if ((right !== 'read' && right !== 'write' && right !== 'register') || typeof sub !== 'string' || typeof exp !== 'number') {
    throw new TokenError('E_TOKEN_INVALID', 'token lacks the right/sub/exp claims', 401);
  }
  let scope: TokenScope;
  try {
    scope = checkScope(doc, prefix);
  } catch (err) {
    const pattern = typeof doc === 'string' && doc.includes('*');
    const why = pattern ? `its doc claim ${JSON.stringify(doc)} is a pattern, which is no longer accepted; issue a new token with a prefix claim` : (err as Error).message;
    throw new TokenError('E_TOKEN_CLAIMS', `token refused: ${why}`, 401, undefined, { cause: err });
  }
  if (right === 'register' && grant !== 'read' && grant !== 'write') throw new TokenError('E_TOKEN_INVALID', 'invite lacks its grant claim', 401);
  if (right === 'register') return { ...scope, right, grant: grant as Right, sub, exp };
  if (paths === undefined) return { ...scope, right, sub, exp };
  try {
    return { ...scope, right, sub, exp, paths: checkPaths(paths, right) };
  } catch (err) {
    throw new TokenError('E_TOKEN_CLAIMS', `token refused: ${(err as Error).message}`, 401, undefined, { cause: err });
  }
}

/**
 * Whether `claims` allow `right` on the document `doc` (its exact name, or a name under the
 * prefix). An invite (`right: 'register'`) allows neither reading nor writing.
 */
export function grants(claims: TokenClaims, doc: string, right: Right): boolean {
  const docOk = claims.prefix !== undefined ? doc.startsWith(claims.prefix) : doc === claims.doc;
  return docOk && claims.right !== 'register' && (right === 'read' || claims.right === 'write');
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

/** The checked `paths` of a token, or an OptionError: malformed patterns, or paths on a read token. */
function checkPaths(paths: unknown, right: Right | 'register'): string[] {
  if (right !== 'write') throw new OptionError('paths', 'path rules restrict writes: they need right "write"');
  try {
    return checkPathPatterns(paths);
  } catch (err) {
    if (err instanceof PathPatternError) throw new OptionError('paths', err.message.replace(/^tinysync: /, ''));
    throw err;
  }
}

/** Throws unless `secret` is long enough for HS256. */
export function checkSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) throw new OptionError('secret', `must be at least ${MIN_SECRET_LENGTH} characters (HS256 needs 256 bits); try \`openssl rand -hex 32\``);
}

/** The scope of a token from its `doc` and `prefix` claims, or an OptionError naming what is wrong. */
function checkScope(doc: unknown, prefix: unknown): TokenScope {
  if (doc !== undefined && prefix !== undefined) throw new OptionError('doc', 'give either doc (one document) or prefix (every document under it), not both');
  if (prefix !== undefined) {
    if (typeof prefix !== 'string') throw new OptionError('prefix', `expected a string, got ${JSON.stringify(prefix)}`);
    if (prefix.includes('*')) throw new OptionError('prefix', `is matched literally, so it may not hold "*", got ${JSON.stringify(prefix)} ("team-a/" grants every document starting with team-a/, "" every document)`);
    return { prefix };
  }
  if (typeof doc !== 'string' || doc === '') throw new OptionError('doc', `expected a document name (or give a prefix), got ${JSON.stringify(doc)}`);
  if (doc.includes('*')) throw new OptionError('doc', `a document name may not hold "*", got ${JSON.stringify(doc)}; to grant every document under a prefix, give { prefix: ${JSON.stringify(doc.replace(/\*+$/, ''))} } (tinysync token --prefix)`);
  return { doc };
}

function secretKey(secret: string): Uint8Array {
  checkSecret(secret);
  return new TextEncoder().encode(secret);
}
