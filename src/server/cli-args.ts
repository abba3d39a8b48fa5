// Parses the `tinysync` command line (and TINYSYNC_* environment) into what to run.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OptionError } from './errors.js';
import type { AwarenessLimits, SyncServerOptions, TrafficLimits } from './options.js';
import type { CreateTokenOptions, TokenScope } from './tokens.js';

/** What the command line asks for. */
export type CliCommand =
  | { command: 'serve'; options: SyncServerOptions }
  | { command: 'token'; options: CreateTokenOptions }
  | { command: 'help'; text: string };

const SERVE_USAGE = `Usage:
  tinysync serve [--port 1234] [--host 127.0.0.1] [--data ./data]
                 [--secret-file PATH | --secret S] [--admin-key K] [--static DIR]
                 [--max-message-bytes N] [--max-connections N]
                 [--max-connections-per-doc N] [--max-connections-per-token N]
                 [--allowed-origins O1,O2] [--max-pending-bytes N]
                 [--max-awareness-ids N] [--max-awareness-bytes N]
                 [--max-awareness-frame-bytes N] [--max-buffered-bytes N]
                 [--sync-requests-per-second N] [--sync-request-burst N]
                 [--postgres postgres://...] [--redis redis://...] [--instance-id ID]

Runs the sync server until SIGINT/SIGTERM. Without a secret it is OPEN: anyone who can
reach it can read and write every document. Give the secret by TINYSYNC_SECRET or
--secret-file (a file holding it), not --secret: the command line shows in \`ps\`.

Every flag can also come from the environment: TINYSYNC_PORT (or PORT), TINYSYNC_HOST,
TINYSYNC_DATA, TINYSYNC_SECRET, TINYSYNC_SECRET_FILE, TINYSYNC_ADMIN_KEY, TINYSYNC_STATIC,
TINYSYNC_MAX_MESSAGE_BYTES, TINYSYNC_MAX_CONNECTIONS, TINYSYNC_MAX_CONNECTIONS_PER_DOC,
TINYSYNC_MAX_CONNECTIONS_PER_TOKEN, TINYSYNC_ALLOWED_ORIGINS, and the other limits likewise
(TINYSYNC_MAX_BUFFERED_BYTES, TINYSYNC_SYNC_REQUEST_BURST, ...); TINYSYNC_POSTGRES_URL,
TINYSYNC_REDIS_URL and TINYSYNC_INSTANCE_ID for scale-out. Flags win over the environment.
`;

const TOKEN_USAGE = `Usage:
  tinysync token [--secret-file PATH | --secret S] (--doc NAME | --prefix PREFIX)
                 [--write [--paths '/kpis/*/{sub},/cards/**']] [--ttl 7d] [--sub ID]

Prints a signed access token: read-only unless --write, for one document (--doc) or
every document whose name starts with PREFIX (--prefix "" for all), valid for --ttl
(seconds, or 90s, 30m, 12h, 7d, 2w; at most 10 years). --paths limits writes to
comma-separated path patterns (* one segment, ** any depth below, {sub} the --sub). The secret comes from --secret-file, --secret or
TINYSYNC_SECRET / TINYSYNC_SECRET_FILE.
`;

/** `tinysync help`: every command. */
export const USAGE = `tinysync — sync server for tinysync / y-websocket clients

${SERVE_USAGE}
${TOKEN_USAGE}
\`tinysync <command> --help\` prints one command's usage.
`;

/** `tinysync <command> --help`: that command's usage. */
export const COMMAND_USAGE = { serve: SERVE_USAGE, token: TOKEN_USAGE } as const;

/**
 * Turns `argv` (without `node` and the script) and the environment into a command.
 * Throws OptionError on unknown flags or bad values.
 *
 * @example
 * parseCli(['serve', '--port', '0'], {}) // → { command: 'serve', options: { port: 0, ... } }
 */
export function parseCli(argv: string[], env: Record<string, string | undefined>): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help', text: USAGE };
  if (command === 'serve' || command === 'token') {
    // Asked for help, the user gets it even if the rest of the line would not parse.
    if (rest.some((arg) => arg === '--help' || arg === '-h')) return { command: 'help', text: COMMAND_USAGE[command] };
    return command === 'serve' ? { command, options: parseServe(rest, env) } : { command, options: parseToken(rest, env) };
  }
  throw new OptionError('command', `unknown command ${JSON.stringify(command)}; expected serve, token or help`);
}

function parseServe(args: string[], env: Record<string, string | undefined>): SyncServerOptions {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    'admin-key': { type: 'string' },
    static: { type: 'string' },
    'max-message-bytes': { type: 'string' },
    'max-connections': { type: 'string' },
    'max-connections-per-doc': { type: 'string' },
    'max-connections-per-token': { type: 'string' },
    'allowed-origins': { type: 'string' },
    postgres: { type: 'string' },
    redis: { type: 'string' },
    'instance-id': { type: 'string' },
    ...Object.fromEntries(Object.keys(TRAFFIC_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
  });
  const pick = (flag: string, name: string): string | undefined => (values[flag] as string | undefined) ?? nonEmpty(env[`TINYSYNC_${name}`]);
  const options: SyncServerOptions = {
    port: int('port', pick('port', 'PORT') ?? nonEmpty(env.PORT) ?? '1234', 0, 65535),
    host: pick('host', 'HOST') ?? '127.0.0.1',
    dataDir: pick('data', 'DATA') ?? './data',
    limits: {},
  };
  const secret = secretFrom(values, env);
  const adminKey = pick('admin-key', 'ADMIN_KEY');
  const folder = pick('static', 'STATIC');
  if (secret !== undefined) options.secret = secret;
  if (adminKey !== undefined) options.adminKey = adminKey;
  if (folder !== undefined) options.static = folder;
  const postgres = pick('postgres', 'POSTGRES_URL');
  const redis = pick('redis', 'REDIS_URL');
  const instanceId = pick('instance-id', 'INSTANCE_ID');
  if (postgres !== undefined) options.postgres = checkUrl('postgres', postgres, ['postgres:', 'postgresql:']);
  if (redis !== undefined) options.redis = checkUrl('redis', redis, ['redis:', 'rediss:']);
  if (instanceId !== undefined) options.instanceId = instanceId;
  const origins = pick('allowed-origins', 'ALLOWED_ORIGINS');
  if (origins !== undefined) options.allowedOrigins = origins.split(',').map((o) => o.trim()).filter((o) => o !== '');
  const limits: NonNullable<SyncServerOptions['limits']> = {};
  const maxMessage = pick('max-message-bytes', 'MAX_MESSAGE_BYTES');
  const maxConns = pick('max-connections', 'MAX_CONNECTIONS');
  const maxPerDoc = pick('max-connections-per-doc', 'MAX_CONNECTIONS_PER_DOC');
  if (maxMessage !== undefined) limits.maxMessageBytes = int('max-message-bytes', maxMessage, 1);
  if (maxConns !== undefined) limits.maxConnections = int('max-connections', maxConns, 1);
  if (maxPerDoc !== undefined) limits.maxConnectionsPerDoc = int('max-connections-per-doc', maxPerDoc, 1);
  const maxPerToken = pick('max-connections-per-token', 'MAX_CONNECTIONS_PER_TOKEN');
  if (maxPerToken !== undefined) limits.maxConnectionsPerToken = int('max-connections-per-token', maxPerToken, 1);
  for (const [flag, field] of Object.entries(TRAFFIC_FLAGS)) {
    const value = pick(flag, flag.toUpperCase().replaceAll('-', '_'));
    if (value !== undefined) limits[field] = int(flag, value, 1);
  }
  options.limits = limits;
  return options;
}

/** Awareness and traffic limit flags of `serve` → the Limits field each sets (env: TINYSYNC_<FLAG>). */
const TRAFFIC_FLAGS: Record<string, keyof AwarenessLimits | keyof TrafficLimits | 'maxPendingBytes'> = {
  'max-pending-bytes': 'maxPendingBytes',
  'max-awareness-ids': 'maxAwarenessIds',
  'max-awareness-bytes': 'maxAwarenessBytes',
  'max-awareness-frame-bytes': 'maxAwarenessFrameBytes',
  'max-buffered-bytes': 'maxBufferedBytes',
  'sync-requests-per-second': 'syncRequestsPerSecond',
  'sync-request-burst': 'syncRequestBurst',
};

function parseToken(args: string[], env: Record<string, string | undefined>): CreateTokenOptions {
  const { values } = parse(args, {
    secret: { type: 'string' },
    'secret-file': { type: 'string' },
    doc: { type: 'string' },
    prefix: { type: 'string' },
    write: { type: 'boolean' },
    ttl: { type: 'string' },
    sub: { type: 'string' },
    paths: { type: 'string' },
  });
  const secret = secretFrom(values, env);
  if (secret === undefined) throw new OptionError('secret', 'required (TINYSYNC_SECRET, --secret-file PATH or --secret S)');
  const doc = values.doc as string | undefined;
  const prefix = values.prefix as string | undefined;
  if (doc !== undefined && prefix !== undefined) throw new OptionError('doc', 'give either --doc (one document) or --prefix (every document under it), not both');
  if (doc === undefined && prefix === undefined) throw new OptionError('doc', 'required: --doc NAME for one document, or --prefix PREFIX for every document starting with it (--prefix "" for all)');
  const scope: TokenScope = doc !== undefined ? { doc } : { prefix: prefix ?? '' };
  const options: CreateTokenOptions = { secret, ...scope, right: values.write === true ? 'write' : 'read', ttl: (values.ttl as string | undefined) ?? '7d' };
  if (typeof values.sub === 'string') options.sub = values.sub;
  // Comma-separated patterns ('/kpis/*/{sub},/cards/**'); createToken checks each one.
  if (typeof values.paths === 'string') options.paths = values.paths.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return options;
}

/**
 * The secret from --secret, --secret-file, TINYSYNC_SECRET or TINYSYNC_SECRET_FILE (flags win
 * over the environment; a flag and a file flag together are refused as ambiguous). A file's
 * trailing newline is dropped, so `openssl rand -hex 32 > secret` works as is.
 */
function secretFrom(values: Record<string, string | boolean | undefined>, env: Record<string, string | undefined>): string | undefined {
  const flag = values.secret as string | undefined;
  const file = values['secret-file'] as string | undefined;
  if (flag !== undefined && file !== undefined) throw new OptionError('secret-file', 'give either --secret or --secret-file, not both');
  if (flag !== undefined) return flag;
  if (file !== undefined) return readSecretFile('secret-file', file);
  const fromEnv = nonEmpty(env.TINYSYNC_SECRET);
  if (fromEnv !== undefined) return fromEnv;
  const envFile = nonEmpty(env.TINYSYNC_SECRET_FILE);
  return envFile === undefined ? undefined : readSecretFile('TINYSYNC_SECRET_FILE', envFile);
}

function readSecretFile(option: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OptionError(option, `cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new OptionError(option, `${JSON.stringify(path)} is empty`);
  return secret;
}

type Spec = Record<string, { type: 'string' | 'boolean' }>;

function parse(args: string[], options: Spec): { values: Record<string, string | boolean | undefined> } {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> };
  } catch (err) {
    throw new OptionError('arguments', (err as Error).message);
  }
}

function int(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new OptionError(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** A connection URL with one of `schemes`; the message never repeats it (it may hold a password). */
function checkUrl(name: string, text: string, schemes: string[]): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !schemes.includes(url.protocol)) throw new OptionError(name, `expected a ${schemes.map((s) => `${s}//`).join(' or ')} URL`);
  return text;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
