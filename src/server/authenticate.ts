// The `authenticate(req)` hook: an app's own sessions (cookies, headers) decide who may open
// which documents, in place of tinysync tokens.
import type { IncomingMessage } from 'node:http';
import type { Refusal } from './admissions.js';
import { grants, type Right, type TokenScope } from './tokens.js';

/**
 * What `authenticate` grants one request: one document (`doc`) or every document under
 * `prefix` (`''`: all), read or write, for the subject `sub` (logged, and the key of
 * `maxConnectionsPerToken`), optionally until `exp` (seconds since the epoch; the socket is
 * closed with 4001 then).
 */
export type AuthGrant = TokenScope & { right: Right; sub?: string; exp?: number };

/**
 * The hook: return a grant, or null/undefined for "not signed in" (401). A grant that does not
 * cover the asked document is answered 403; a throw is answered 401 and logged.
 */
export type Authenticate = (req: IncomingMessage) => AuthGrant | null | undefined | Promise<AuthGrant | null | undefined>;

/**
 * Checks what an app's hook returned against the document asked for. The grant comes from app
 * code, so its shape is checked too: a malformed one is a refusal, never a wider grant.
 */
export function checkGrant(grant: AuthGrant | null | undefined, doc: string): { right: Right; sub: string; exp: number | undefined } | Refusal {
  if (grant === null || grant === undefined) return { status: 401, reason: 'not authenticated' };
  const { right, sub, exp } = grant;
  const scopeOk = (typeof grant.doc === 'string') !== (typeof grant.prefix === 'string');
  if (!scopeOk || (right !== 'read' && right !== 'write') || (sub !== undefined && typeof sub !== 'string') || (exp !== undefined && !Number.isFinite(exp))) {
    return { status: 500, reason: 'authenticate returned a malformed grant' };
  }
  if (!grants({ ...grant, sub: sub ?? 'anonymous', exp: exp ?? Infinity }, doc, 'read')) return { status: 403, reason: `not allowed to open document "${doc}"` };
  return { right, sub: sub ?? 'anonymous', exp };
}
