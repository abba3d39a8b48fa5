// dbsync's remote query over GET: `?path=<JSON pointer>` picks a subtree of the document's JSON,
// `where=field=value` (repeatable) and `limit=` filter an array (or id-keyed object) of records.
// Every parameter comes from a client: parsed strictly, bounded, and never used as a prototype.
import { HttpError } from './errors.js';

/** A parsed query: the pointer's keys, the conditions, the item limit. */
export interface DocQuery {
  path: string[];
  where: [field: string, value: string][];
  limit: number | undefined;
}

/** How many `where` conditions one request may carry. */
export const MAX_WHERE = 16;
/** The most items `limit` may ask for (and the cap of a query's answer when it is larger). */
export const MAX_LIMIT = 100_000;

/**
 * Reads `path`, `where` and `limit` from a request's search parameters, or undefined when none
 * is given (the whole document). `path` is an RFC 6901 JSON pointer (`/tasks/0/title`, `~1`
 * for `/`, `~0` for `~`); `where=field=value` keeps records whose `field` reads as `value`
 * (strings as they are; numbers, booleans and null in their JSON spelling); `limit` keeps the
 * first n. Anything malformed is an HttpError 400.
 */
export function parseDocQuery(params: URLSearchParams): DocQuery | undefined {
  const path = params.getAll('path');
  const where = params.getAll('where');
  const limits = params.getAll('limit');
  if (path.length === 0 && where.length === 0 && limits.length === 0) return undefined;
  if (path.length > 1 || limits.length > 1) throw new HttpError(400, 'give path and limit at most once');
  const pointer = path[0] ?? '';
  if (pointer !== '' && !pointer.startsWith('/')) throw new HttpError(400, 'path must be a JSON pointer: empty, or starting with "/"');
  const keys = pointer === '' ? [] : pointer.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (where.length > MAX_WHERE) throw new HttpError(400, `at most ${MAX_WHERE} where conditions`);
  const conditions = where.map((w): [string, string] => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new HttpError(400, 'where must read field=value');
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
  let limit: number | undefined;
  if (limits[0] !== undefined) {
    if (!/^\d{1,9}$/.test(limits[0])) throw new HttpError(400, 'limit must be a whole number');
    limit = Math.min(Number(limits[0]), MAX_LIMIT);
  }
  return { path: keys, where: conditions, limit };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at `path` in `json` (own keys only, array indexes in RFC 6901 form), or undefined. */
function at(json: unknown, path: readonly string[]): unknown {
  let value = json;
  for (const key of path) {
    if (Array.isArray(value)) {
      if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= value.length) return undefined;
      value = value[Number(key)];
    } else if (isObject(value) && Object.hasOwn(value, key)) {
      value = value[key];
    } else {
      return undefined;
    }
  }
  return value;
}

function spelled(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  return undefined;
}

function matches(item: unknown, where: DocQuery['where']): boolean {
  return where.every(([field, value]) => isObject(item) && Object.hasOwn(item, field) && spelled(item[field]) === value);
}

/**
 * Answers a query on a document's JSON (as `docToJSON` gives it): the subtree at the path,
 * filtered when `where` or `limit` is given. Throws an HttpError 404 when nothing is at the
 * path, 400 when a filter is asked of something that is not an array or object of records.
 */
export function runDocQuery(json: unknown, doc: string, query: DocQuery): unknown {
  const value = at(json, query.path);
  if (value === undefined) throw new HttpError(404, `document "${doc}" has nothing at "/${query.path.join('/')}"`);
  if (query.where.length === 0 && query.limit === undefined) return value;
  const limit = query.limit ?? MAX_LIMIT;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (out.length >= limit) break;
      if (matches(item, query.where)) out.push(item);
    }
    return out;
  }
  if (isObject(value)) {
    const out = Object.create(null) as Record<string, unknown>;
    let n = 0;
    for (const key of Object.keys(value)) {
      if (n >= limit) break;
      if (matches(value[key], query.where)) {
        out[key] = value[key];
        n++;
      }
    }
    return out;
  }
  throw new HttpError(400, `where and limit filter an array or object of records; "/${query.path.join('/')}" holds a ${value === null ? 'null' : typeof value}`);
}
