// The HTTP side of the server: health, token registration, document reads, static files.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkGrant, type Authenticate } from './authenticate.js';
import { docToJSON } from './doc-json.js';
import { parseDocQuery, runDocQuery, type DocQuery } from './doc-query.js';
import { decodeDocName } from './doc-names.js';
import { inviteScope, RedeemedInvites } from './invites.js';
import type { Logger } from './log.js';
import { requestUrl } from './request-url.js';
import type { Rooms } from './rooms.js';
import type { StaticFiles } from './static.js';
import { createToken, grants, parseTtl, verifyToken, type Right, type TokenScope } from './tokens.js';
import { DocumentTooDeepError, DocumentUnavailableError, HttpError, TokenError } from './errors.js';

/** What the HTTP routes need from the server. */
export interface HttpContext {
  secret: string | undefined;
  adminKey: string | undefined;
  authenticate: Authenticate | undefined;
  rooms: Rooms;
  files: StaticFiles | undefined;
  logger: Logger;
  /** The `/health` answer: 200 when every dependency is up, 503 otherwise. */
  health(): { status: number; body: Record<string, unknown> };
  /** Invites already used (POST /register); made on first need when absent. */
  invites?: RedeemedInvites;
}

const MAX_BODY = 16 * 1024;
const CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS' };

/** A request the sync server does not answer, handed back to the app's middleware chain. */
const NOT_OURS = Symbol('not ours');

/**
 * Builds the `request` listener of the HTTP server. With `next` (Express / Connect style),
 * paths that are not the sync server's go to it instead of a 404.
 */
export function createRequestHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void {
  return (req, res, next) => {
    route(ctx, req, res, next !== undefined).then((result) => {
      if (result === NOT_OURS) next!();
    }, (err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof TokenError ? err.status : 500;
      if (status === 500) ctx.logger({ level: 'error', event: 'http-error', method: req.method, path: req.url?.split('?')[0], error: err });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJSON(res, status, { error: status === 500 ? 'internal error' : (err as Error).message });
    });
  };
}

async function route(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, mounted: boolean): Promise<void | typeof NOT_OURS> {
  const url = requestUrl(req.url);
  const path = url.pathname;
  const api = path === '/health' || path === '/register' || path.startsWith('/docs/');
  if (api && req.method === 'OPTIONS') {
    res.writeHead(204, CORS);
    res.end();
    return;
  }
  if (path === '/health') {
    requireMethod(req, 'GET');
    const { status, body } = ctx.health();
    return sendJSON(res, status, body);
  }
  if (path === '/register') {
    requireMethod(req, 'POST');
    return register(ctx, req, res);
  }
  if (path.startsWith('/docs/')) {
    if (req.method !== 'HEAD') requireMethod(req, 'GET');
    const [segment, tail, ...rest] = path.slice('/docs/'.length).split('/');
    const doc = decodeDocName(segment ?? '');
    if (doc === null || rest.length > 0 || (tail !== undefined && tail !== 'update')) throw new HttpError(404, 'no such endpoint');
    await authorize(ctx, req, doc);
    // HEAD answers only "would this token be let in": clients probe it after a socket failed
    // before opening (browsers hide an upgrade's 401/403), and loading the document for that
    // would cost the server a whole encode per reconnect attempt.
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...CORS, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    const query = tail === 'update' ? undefined : parseDocQuery(url.searchParams);
    return readDoc(ctx, res, doc, tail === 'update', query);
  }
  if (path === '/sync' || path.startsWith('/sync/')) throw new HttpError(426, 'this endpoint speaks WebSocket (y-websocket protocol)');
  if (ctx.files && (req.method === 'GET' || req.method === 'HEAD')) return ctx.files.serve(req, res, path);
  if (mounted) return NOT_OURS;
  throw new HttpError(404, 'not found');
}

async function authorize(ctx: HttpContext, req: IncomingMessage, doc: string): Promise<void> {
  if (ctx.authenticate) {
    let grant;
    try {
      grant = await ctx.authenticate(req);
    } catch (err) {
      ctx.logger({ level: 'warn', event: 'authenticate-failed', doc, error: err });
      throw new HttpError(401, 'not authenticated');
    }
    const checked = checkGrant(grant, doc);
    if ('status' in checked) throw new HttpError(checked.status, checked.reason);
    return;
  }
  if (ctx.secret === undefined) return;
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new TokenError('E_TOKEN_MISSING', 'missing token (Authorization: Bearer <token>)', 401, doc);
  const claims = await verifyToken(m[1]!, ctx.secret);
  if (!grants(claims, doc, 'read')) throw new TokenError('E_TOKEN_SCOPE', `token does not grant document "${doc}"`, 403, doc);
}

async function readDoc(ctx: HttpContext, res: ServerResponse, doc: string, binary: boolean, query?: DocQuery): Promise<void> {
  let room;
  try {
    room = await ctx.rooms.acquire(doc);
  } catch (err) {
    if (err instanceof DocumentUnavailableError) throw new HttpError(503, err.message);
    throw err;
  }
  try {
    let body: string | Uint8Array;
    try {
      body = await room.run(() => (binary ? room.encodeState() : JSON.stringify(query ? runDocQuery(docToJSON(room.doc), doc, query) : docToJSON(room.doc))));
    } catch (err) {
      if (err instanceof DocumentTooDeepError) throw new HttpError(422, `document "${doc}": ${err.message}`);
      throw err;
    }
    if (typeof body === 'string') return sendJSON(res, 200, body);
    res.writeHead(200, { ...CORS, 'Content-Type': 'application/octet-stream', 'Content-Length': body.byteLength, 'Cache-Control': 'no-store' });
    res.end(body);
  } finally {
    ctx.rooms.release(room);
  }
}

async function register(ctx: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (ctx.adminKey === undefined && ctx.secret === undefined) throw new HttpError(404, 'registration is disabled (no admin key configured)');
  if (ctx.secret === undefined) throw new HttpError(501, 'the server runs open (no secret): there are no tokens to hand out');
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const admin = m !== null && ctx.adminKey !== undefined && sameSecret(m[1]!, ctx.adminKey);
  // Not the admin key: it may be an invite (a token with right `register`).
  const invite = m && !admin ? await verifyToken(m[1]!, ctx.secret).catch(() => undefined) : undefined;
  if (!admin && invite?.right !== 'register') throw new HttpError(401, 'admin key or invite token required (Authorization: Bearer <admin key or invite>)');
  const body = await readJSON(req);
  const { doc, prefix, paths } = body;
  const ttl = body.ttl ?? '30d';
  if ((doc !== undefined && typeof doc !== 'string') || (prefix !== undefined && typeof prefix !== 'string') || (body.right !== undefined && body.right !== 'read' && body.right !== 'write') || (typeof ttl !== 'string' && typeof ttl !== 'number') || (paths !== undefined && !Array.isArray(paths))) {
    throw new HttpError(400, 'body: { doc?: string, prefix?: string, right?: "read" | "write", ttl?: string | number, paths?: string[] }');
  }
  if (doc !== undefined && prefix !== undefined) throw new HttpError(400, 'give either doc (one document) or prefix (every document under it), not both');
  let scope: TokenScope;
  let right: Right;
  if (invite) {
    ({ scope, right } = inviteScope(invite, { doc, prefix, right: body.right as Right | undefined }));
  } else {
    // Neither: every document, as the default `doc: '*'` granted before prefixes got their own claim.
    scope = doc !== undefined ? { doc } : { prefix: prefix ?? '' };
    right = (body.right as Right | undefined) ?? 'write';
  }
  let seconds: number;
  try {
    seconds = parseTtl(ttl);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const clientId = randomUUID();
  let token: string;
  try {
    token = await createToken({ secret: ctx.secret, ...scope, right: right as Right, sub: clientId, ttl: seconds, ...(paths !== undefined ? { paths: paths as string[] } : {}) });
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  // After the token is made (a refused request does not use the invite up), with no await
  // between check and mark, so two requests racing with one invite cannot both win.
  if (invite) (ctx.invites ??= new RedeemedInvites()).redeem(m![1]!, invite.exp);
  const rules = paths !== undefined ? { paths } : {};
  ctx.logger({ level: 'info', event: 'register', sub: clientId, ...scope, right, ...rules, ...(invite ? { invitedBy: invite.sub } : {}) });
  sendJSON(res, 201, { clientId, token, ...scope, right, ...rules, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() });
}

async function readJSON(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object');
  return value as Record<string, unknown>;
}

function requireMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, `use ${method}`);
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...CORS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}
