// Command-line parsing and token helpers (no sockets), and the built CLI's help.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';
import { createToken, grants, parseTtl, verifyToken, TokenError, OptionError } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/server/cli-args.js';
import { buildServer } from './build-fixture.js';
import { cleanup, tempDir } from './helpers.js';
const SECRET = 'test-secret-0123456789abcdef0123456789';

afterEach(cleanup);

describe('tinysync CLI arguments', () => {
  it('parses serve flags', () => {
    const cli = parseCli(['serve', '--port', '0', '--host', '0.0.0.0', '--data', '/tmp/d', '--secret', SECRET, '--admin-key', 'k', '--static', 'demo/dist', '--max-message-bytes', '2048'], {});
    expect(cli).toEqual({
      command: 'serve',
      options: { port: 0, host: '0.0.0.0', dataDir: '/tmp/d', secret: SECRET, adminKey: 'k', static: 'demo/dist', limits: { maxMessageBytes: 2048 } },
    });
  });

  it('takes TINYSYNC_* and PORT from the environment; flags win', () => {
    const env = { TINYSYNC_HOST: 'h', TINYSYNC_DATA: 'd', TINYSYNC_SECRET: SECRET, PORT: '8080', TINYSYNC_MAX_CONNECTIONS_PER_DOC: '7' };
    expect(parseCli(['serve'], env)).toMatchObject({ options: { port: 8080, host: 'h', dataDir: 'd', secret: SECRET, limits: { maxConnectionsPerDoc: 7 } } });
    expect(parseCli(['serve'], { ...env, TINYSYNC_PORT: '9000' })).toMatchObject({ options: { port: 9000 } });
    expect(parseCli(['serve', '--port', '1'], { ...env, TINYSYNC_PORT: '9000' })).toMatchObject({ options: { port: 1 } });
    expect(parseCli(['serve'], {})).toMatchObject({ options: { port: 1234, host: '127.0.0.1', dataDir: './data' } });
  });

  it('parses the per-token cap and the allowed origins, from flags or the environment', () => {
    expect(parseCli(['serve', '--max-connections-per-token', '5', '--allowed-origins', 'http://localhost:5173, https://app.example'], {})).toMatchObject({
      options: { limits: { maxConnectionsPerToken: 5 }, allowedOrigins: ['http://localhost:5173', 'https://app.example'] },
    });
    expect(parseCli(['serve'], { TINYSYNC_MAX_CONNECTIONS_PER_TOKEN: '9', TINYSYNC_ALLOWED_ORIGINS: '*' })).toMatchObject({
      options: { limits: { maxConnectionsPerToken: 9 }, allowedOrigins: ['*'] },
    });
    expect(() => parseCli(['serve', '--max-connections-per-token', '0'], {})).toThrow(/max-connections-per-token/);
  });

  it('sets the awareness and traffic limits from flags or TINYSYNC_* (flags win)', () => {
    const flags = ['--max-pending-bytes', '4096', '--max-awareness-ids', '4', '--max-awareness-bytes', '2000', '--max-awareness-frame-bytes', '8192', '--max-buffered-bytes', '1000000', '--sync-requests-per-second', '3'];
    expect(parseCli(['serve', ...flags], { TINYSYNC_SYNC_REQUEST_BURST: '9', TINYSYNC_MAX_AWARENESS_IDS: '99' })).toMatchObject({
      options: { limits: { maxPendingBytes: 4096, maxAwarenessIds: 4, maxAwarenessBytes: 2000, maxAwarenessFrameBytes: 8192, maxBufferedBytes: 1_000_000, syncRequestsPerSecond: 3, syncRequestBurst: 9 } },
    });
    expect(() => parseCli(['serve', '--max-buffered-bytes', '0'], {})).toThrow(/max-buffered-bytes/);
  });

  it('takes PostgreSQL, Redis and the instance id from flags or TINYSYNC_POSTGRES_URL / TINYSYNC_REDIS_URL (flags win)', () => {
    const env = { TINYSYNC_POSTGRES_URL: 'postgres://u:pw@db/ts', TINYSYNC_REDIS_URL: 'redis://cache:6379', TINYSYNC_INSTANCE_ID: 'a' };
    expect(parseCli(['serve'], env)).toMatchObject({ options: { postgres: 'postgres://u:pw@db/ts', redis: 'redis://cache:6379', instanceId: 'a' } });
    expect(parseCli(['serve', '--postgres', 'postgresql://other/x', '--redis', 'rediss://r:1', '--instance-id', 'b'], env)).toMatchObject({
      options: { postgres: 'postgresql://other/x', redis: 'rediss://r:1', instanceId: 'b' },
    });
    expect(parseCli(['serve'], {})).not.toHaveProperty('options.postgres');
    // A bad URL is refused without echoing it (it may hold a password).
    expect(() => parseCli(['serve', '--postgres', 'mysql://u:hunter2@db'], {})).toThrow(/postgres/);
    expect(() => parseCli(['serve', '--postgres', 'mysql://u:hunter2@db'], {})).not.toThrow(/hunter2/);
    expect(() => parseCli(['serve', '--redis', 'http://r'], {})).toThrow(/redis/);
  });

  it('refuses unknown flags, bad numbers and unknown commands', () => {
    expect(() => parseCli(['serve', '--nope'], {})).toThrow(OptionError);
    expect(() => parseCli(['serve', '--port', 'abc'], {})).toThrow(/port/);
    expect(() => parseCli(['serve', '--port', '70000'], {})).toThrow(/port/);
    expect(() => parseCli(['launch'], {})).toThrow(/unknown command/);
    expect(parseCli([], {})).toMatchObject({ command: 'help' });
  });

  it('parses token flags', () => {
    expect(parseCli(['token', '--secret', SECRET, '--prefix', 'team/', '--write', '--ttl', '7d'], {})).toEqual({
      command: 'token',
      options: { secret: SECRET, prefix: 'team/', right: 'write', ttl: '7d' },
    });
    expect(parseCli(['token', '--secret', SECRET, '--doc', 'board'], {})).toMatchObject({ options: { doc: 'board' } });
    expect(parseCli(['token', '--secret', SECRET, '--prefix', ''], {})).toMatchObject({ options: { prefix: '' } });
    expect(() => parseCli(['token', '--secret', SECRET, '--doc', 'a', '--prefix', 'b'], {})).toThrow(/not both/);
    expect(parseCli(['token', '--doc', 'x'], { TINYSYNC_SECRET: SECRET })).toMatchObject({ options: { right: 'read', ttl: '7d' } });
    expect(() => parseCli(['token', '--doc', 'x'], {})).toThrow(/secret/);
    expect(() => parseCli(['token', '--secret', SECRET], {})).toThrow(/doc/);
  });
});

describe('tinysync <command> --help', () => {
  it('serve --help and token --help give that command\'s usage, whatever else is on the line', () => {
    for (const args of [['serve', '--help'], ['serve', '--port', '0', '-h'], ['serve', '--nope', '--help']]) {
      const cli = parseCli(args, {});
      expect(cli.command).toBe('help');
      const text = (cli as { text: string }).text;
      expect(text).toMatch(/tinysync serve .*--port/);
      expect(text).toMatch(/--secret-file PATH/);
      expect(text).not.toMatch(/tinysync token/);
    }
    const token = parseCli(['token', '--help'], {}) as { command: string; text: string };
    expect(token.command).toBe('help');
    expect(token.text).toMatch(/tinysync token .*--doc NAME/);
    expect(token.text).not.toMatch(/tinysync serve/);
  });

  it('the built CLI prints that usage on stdout and exits 0', async () => {
    const built = await buildServer();
    try {
      for (const command of ['serve', 'token']) {
        const r = spawnSync(process.execPath, [built.cli, command, '--help'], { encoding: 'utf8', timeout: 20_000 });
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
        expect(r.stdout).toContain(`tinysync ${command} [`);
      }
    } finally {
      rmSync(dirname(built.cli), { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the secret from a file', () => {
  it('--secret-file and TINYSYNC_SECRET_FILE read it (one trailing newline dropped), for serve and token', () => {
    const file = join(tempDir(), 'secret');
    writeFileSync(file, `${SECRET}\n`);
    expect(parseCli(['serve', '--secret-file', file], {})).toMatchObject({ options: { secret: SECRET } });
    expect(parseCli(['serve'], { TINYSYNC_SECRET_FILE: file })).toMatchObject({ options: { secret: SECRET } });
    expect(parseCli(['token', '--secret-file', file, '--doc', 'd'], {})).toMatchObject({ options: { secret: SECRET, doc: 'd' } });
    expect(parseCli(['token', '--doc', 'd'], { TINYSYNC_SECRET_FILE: file })).toMatchObject({ options: { secret: SECRET } });
    // A flag wins over the environment, the plain variable over the file variable.
    expect(parseCli(['serve', '--secret-file', file], { TINYSYNC_SECRET: 'other' })).toMatchObject({ options: { secret: SECRET } });
    expect(parseCli(['serve'], { TINYSYNC_SECRET: 'other', TINYSYNC_SECRET_FILE: file })).toMatchObject({ options: { secret: 'other' } });
  });

  it('refuses a missing or empty file, and --secret with --secret-file', () => {
    const dir = tempDir();
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => parseCli(['serve', '--secret-file', join(dir, 'missing')], {})).toThrow(/secret-file: cannot read .*ENOENT/);
    expect(() => parseCli(['serve', '--secret-file', empty], {})).toThrow(/is empty/);
    expect(() => parseCli(['token', '--doc', 'd'], { TINYSYNC_SECRET_FILE: empty })).toThrow(OptionError);
    expect(() => parseCli(['serve', '--secret', SECRET, '--secret-file', empty], {})).toThrow(/not both/);
  });
});

describe('tokens', () => {
  it('round-trips claims and checks document patterns and rights', async () => {
    const t = await createToken({ secret: SECRET, prefix: 'team/', right: 'write', sub: 'alice', ttl: '1h' });
    const claims = await verifyToken(t, SECRET);
    expect(claims).toMatchObject({ prefix: 'team/', right: 'write', sub: 'alice' });
    expect(claims.doc).toBeUndefined();
    expect(claims.exp - Date.now() / 1000).toBeGreaterThan(3500);
    expect(grants(claims, 'team/a', 'write')).toBe(true);
    expect(grants(claims, 'other', 'read')).toBe(false);
    const read = await verifyToken(await createToken({ secret: SECRET, doc: 'board' }), SECRET);
    expect(grants(read, 'board', 'read')).toBe(true);
    expect(grants(read, 'board', 'write')).toBe(false);
    expect(grants(read, 'board2', 'read')).toBe(false);
    const all = await verifyToken(await createToken({ secret: SECRET, prefix: '' }), SECRET);
    expect(grants(all, 'any/thing', 'read')).toBe(true);
    expect(grants(all, 'any/thing', 'write')).toBe(false);
  });

  it('rejects bad signatures, short secrets, bad patterns and bad lifetimes', async () => {
    const t = await createToken({ secret: SECRET, doc: 'd' });
    await expect(verifyToken(t, `${SECRET}x`)).rejects.toThrow(TokenError);
    await expect(verifyToken(`${t}x`, SECRET)).rejects.toMatchObject({ code: 'E_TOKEN_INVALID', status: 401 });
    await expect(createToken({ secret: 'short', doc: 'd' })).rejects.toThrow(/32 characters/);
    await expect(createToken({ secret: SECRET, doc: 'a*b' })).rejects.toThrow(OptionError);
    await expect(createToken({ secret: SECRET, doc: 'x*' })).rejects.toThrow(/prefix/);
    await expect(createToken({ secret: SECRET, prefix: 'x*' })).rejects.toThrow(OptionError);
    const old = await new SignJWT({ doc: 'x*', right: 'write' }).setProtectedHeader({ alg: 'HS256' }).setSubject('s').setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
    await expect(verifyToken(old, SECRET)).rejects.toMatchObject({ code: 'E_TOKEN_CLAIMS', status: 401 });
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('30m')).toBe(1800);
    expect(parseTtl('7d')).toBe(604800);
    expect(parseTtl(5)).toBe(5);
    for (const bad of ['', '0', '-1', '1y', 'soon', '3651d', Number.MAX_SAFE_INTEGER]) expect(() => parseTtl(bad)).toThrow(OptionError);
    expect(parseTtl('3650d')).toBe(3650 * 86400);
  });
});
