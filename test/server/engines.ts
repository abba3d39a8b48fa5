// Real Redis and PostgreSQL for the scale-out tests. A URL in TINYSYNC_TEST_REDIS_URL /
// TINYSYNC_TEST_POSTGRES_URL is used as given; otherwise a throwaway instance is started on
// 127.0.0.1 (random free port, temp data dir) when the Debian binaries are installed, and
// stopped by its `stop()`. Without either, the caller gets a reason to skip, printed once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running engine: where to reach it, how to stop it, and (when we started it) how to bounce it. */
export interface Engine {
  url: string;
  /** Kills and starts the engine again on the same port (only for instances started here). */
  restart?: () => Promise<void>;
  /** Stops it (kept on disk) until `up()` starts it again on the same port (instances started here). */
  down?: () => Promise<void>;
  up?: () => Promise<void>;
  stop(): Promise<void>;
}

/** An engine, or why the tests that need it are skipped. */
export type EngineOrReason = { engine: Engine } | { skip: string };

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Redis for tests: TINYSYNC_TEST_REDIS_URL, or a redis-server started here. */
export async function testRedis(): Promise<EngineOrReason> {
  const given = process.env.TINYSYNC_TEST_REDIS_URL;
  if (given) return { engine: { url: given, stop: async () => {} } };
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
  if (!bin) return { skip: 'no TINYSYNC_TEST_REDIS_URL and no redis-server binary (apt-get install redis-server)' };
  const port = await freePort();
  let child: ChildProcess;
  const start = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until(() => portOpen(port), `redis-server on port ${port}`);
  };
  await start();
  // A test process that dies before its afterAll must not leave the engine running.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const kill = async () => {
    child.kill('SIGKILL');
    await exited(child);
  };
  return {
    engine: {
      url: `redis://127.0.0.1:${port}`,
      restart: async () => {
        await kill();
        await start();
      },
      stop: async () => {
        process.off('exit', onExit);
        await kill();
      },
    },
  };
}

function pgBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** PostgreSQL for tests: TINYSYNC_TEST_POSTGRES_URL, or a cluster initialised and started here. */
export async function testPostgres(): Promise<EngineOrReason> {
  const given = process.env.TINYSYNC_TEST_POSTGRES_URL;
  if (given) return { engine: { url: given, stop: async () => {} } };
  const bin = pgBinDir();
  if (!bin) return { skip: 'no TINYSYNC_TEST_POSTGRES_URL and no PostgreSQL binaries (apt-get install postgresql)' };
  // PostgreSQL refuses to run as root: run its tools as the `postgres` user then.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string) => {
    const r = asRoot ? spawnSync('su', ['postgres', '-s', '/bin/bash', '-c', cmd], { encoding: 'utf8' }) : spawnSync('/bin/bash', ['-c', cmd], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr || r.stdout}`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'tinysync-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const ctl = `${bin}/pg_ctl -D ${dir}/data -l ${dir}/log`;
  try {
    run(`${bin}/initdb -D ${dir}/data -A trust -U postgres >/dev/null`);
    run(`${ctl} -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `could not start PostgreSQL: ${(err as Error).message.slice(0, 300)}` };
  }
  const start = () => run(`${ctl} -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null`);
  // A test process that dies before its afterAll must not leave the cluster running.
  const onExit = () => {
    try {
      run(`${ctl} -m immediate stop >/dev/null 2>&1 || true`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', onExit);
  return {
    engine: {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      down: async () => run(`${ctl} -m immediate stop >/dev/null`),
      up: async () => start(),
      stop: async () => {
        process.off('exit', onExit);
        onExit();
      },
    },
  };
}

const said = new Set<string>();

/** Prints once per reason why engine-backed tests are skipped, so a green run does not hide it. */
export function reportSkip(what: string, reason: string): void {
  if (said.has(reason)) return;
  said.add(reason);
  process.stderr.write(`\n  SKIPPED ${what}: ${reason}\n  (set TINYSYNC_TEST_REDIS_URL / TINYSYNC_TEST_POSTGRES_URL or install redis-server and postgresql)\n\n`);
}

/** A test file's PostgreSQL and Redis: each undefined when it cannot run (said once why), and `stop()` for afterAll. */
export interface TestEngines {
  pg: Engine | undefined;
  redis: Engine | undefined;
  stop(): Promise<void>;
}

/** Both engines for the tests named `what`, started side by side; reports a skip for each missing one. */
export async function testEngines(what: string): Promise<TestEngines> {
  const [pgGot, redisGot] = await Promise.all([testPostgres(), testRedis()]);
  if ('skip' in pgGot) reportSkip(what, pgGot.skip);
  if ('skip' in redisGot) reportSkip(what, redisGot.skip);
  const pg = 'engine' in pgGot ? pgGot.engine : undefined;
  const redis = 'engine' in redisGot ? redisGot.engine : undefined;
  return {
    pg,
    redis,
    async stop() {
      await redis?.stop();
      await pg?.stop();
    },
  };
}
