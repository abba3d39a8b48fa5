// Plumbing of the browser-runtime e2e tests (runtime*.test.ts, package.test.ts) and the browser
// benchmarks: the fixture pages of e2e/fixtures built by Vite, a real tinysync server serving
// them (in this process, or as a `node dist/cli.js serve` child that can be SIGKILLed), tokens,
// Chromium profiles ("devices"), and pages that are ready to drive.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { listeningPort, startChild } from '../test/child.js';
import { boardName, cleanup, onCleanup, tempDir, until, waitReady } from './harness.js';

export { until };
import { createSyncServer, createToken, type SyncServer } from 'tinysync/server';
import { chromiumArgs } from '../scripts/chromium.mjs';

export const repo = fileURLToPath(new URL('..', import.meta.url));
export const fixturesDir = join(repo, 'e2e/fixtures');
export const fixturesDist = join(fixturesDir, 'dist');

export { cleanup, tempDir } from './harness.js';

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    t = Math.max(t, newest(join(path, entry)));
  }
  return t;
}

/**
 * Builds e2e/fixtures/dist (the app and peer pages) unless it is newer than every source it
 * is made from. Built into a temp folder and moved into place, so a reader never sees half.
 */
export function ensureFixturesBuilt(): void {
  const stamp = join(fixturesDist, 'app/index.html');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const changed = Math.max(newest(fixturesDir), newest(join(repo, 'src')), newest(join(repo, 'public')));
  if (built > changed) return;
  const out = mkdtempSync(join(fixturesDir, '.build-'));
  // vitest sets NODE_ENV=test, which would make Vite build a development bundle.
  const env = { ...process.env, NODE_ENV: 'production', TINYSYNC_FIXTURE_OUT: out };
  const r = spawnSync('npx', ['vite', 'build', '--config', join(fixturesDir, 'vite.config.ts')], { cwd: repo, stdio: 'inherit', env });
  if (r.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error('building e2e/fixtures failed');
  }
  rmSync(fixturesDist, { recursive: true, force: true });
  renameSync(out, fixturesDist);
}

/**
 * Makes sure dist/ (the package build: dist/cli.js, dist/browser.js) exists; `npm test` builds
 * it before the tests run, so this only builds when a test file runs on its own.
 */
export function ensurePackageBuilt(): void {
  if (existsSync(join(repo, 'dist/cli.js')) && existsSync(join(repo, 'dist/browser.js'))) return;
  const env = { ...process.env, NODE_ENV: 'production' };
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit', env });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** What the tests need of a running server, wherever it runs. */
export interface TestServer {
  port: number;
  /** `http://127.0.0.1:<port>/` */
  http: string;
  /** The sync base for `createStore`'s `sync.url`: `ws://127.0.0.1:<port>/sync`. */
  sync: string;
  /** `/app/index.html` on this server. */
  appUrl: string;
  secret: string;
  dataDir: string;
  /** A token for every document (prefix `''`), `write` or `read`. */
  token(right: 'read' | 'write'): Promise<string>;
  /** GET /health: `clients` is the number of open sync sockets. */
  health(): Promise<{ ok: boolean; docs: number; clients: number }>;
  /** The server's JSON view of a document (GET /docs/<name>). */
  doc(name: string): Promise<Record<string, unknown>>;
}

function serverFace(port: number, secret: string, dataDir: string): TestServer {
  const http = `http://127.0.0.1:${port}/`;
  const tokens = new Map<string, Promise<string>>();
  const token = (right: 'read' | 'write') => {
    let t = tokens.get(right);
    if (!t) tokens.set(right, (t = createToken({ secret, prefix: '', right, sub: `e2e-${right}`, ttl: '1h' })));
    return t;
  };
  return {
    port,
    http,
    sync: `ws://127.0.0.1:${port}/sync`,
    appUrl: `${http}app/index.html`,
    secret,
    dataDir,
    token,
    async health() {
      const r = await fetch(`${http}health`);
      if (!r.ok) throw new Error(`GET /health: ${r.status}`);
      return (await r.json()) as { ok: boolean; docs: number; clients: number };
    },
    async doc(name) {
      const r = await fetch(`${http}docs/${encodeURIComponent(name)}`, { headers: { Authorization: `Bearer ${await token('read')}` } });
      if (!r.ok) throw new Error(`GET /docs/${name}: ${r.status}`);
      return (await r.json()) as Record<string, unknown>;
    },
  };
}

const newSecret = () => `e2e-${Math.random().toString(36).slice(2)}-0123456789abcdef0123456789abcdef`;

export interface InProcessServer extends TestServer {
  server: SyncServer;
  /** Stops the server (clients see it gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
}

/**
 * A tinysync server in this process on 127.0.0.1 (free port, temp data folder, a secret)
 * serving `staticDir` (default: the built fixtures).
 */
export async function startServer(opts: { static?: string } = {}): Promise<InProcessServer> {
  if (!opts.static) ensureFixturesBuilt();
  const dataDir = tempDir('tinysync-e2e-data-');
  const secret = newSecret();
  const open = (port: number) =>
    createSyncServer({ host: '127.0.0.1', port, dataDir, secret, static: opts.static ?? fixturesDist, logger: () => {} });
  let server: SyncServer | undefined = await open(0);
  const face = serverFace(server.port, secret, dataDir);
  const s: InProcessServer = {
    ...face,
    get server() {
      if (!server) throw new Error('the server is stopped');
      return server;
    },
    async stop() {
      const was = server;
      server = undefined;
      await was?.close();
    },
    async restart() {
      if (!server) server = await open(face.port);
    },
  };
  onCleanup(() => s.stop());
  return s;
}

export interface ChildServer extends TestServer {
  /** The running `tinysync serve` process. */
  child(): ChildProcess;
  /** SIGKILLs the server process (no shutdown at all) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts `tinysync serve` again on the same port and data folder. */
  restart(): Promise<void>;
}

/** `node dist/cli.js serve` in a child process, with a secret, serving the fixtures. */
export async function startCliServer(): Promise<ChildServer> {
  ensureFixturesBuilt();
  ensurePackageBuilt();
  const dataDir = tempDir('tinysync-e2e-cli-data-');
  const secret = newSecret();
  let proc: ChildProcess | undefined;
  const launch = async (port: number) => {
    const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--static', fixturesDist];
    const child = startChild(pathToFileURL(join(repo, 'dist/cli.js')), args, { TINYSYNC_SECRET: secret });
    return { proc: child.proc, port: await listeningPort(child, 30_000) };
  };
  const first = await launch(0);
  proc = first.proc;
  const face = serverFace(first.port, secret, dataDir);
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await gone;
  };
  const s: ChildServer = {
    ...face,
    child() {
      if (!proc) throw new Error('the server is not running');
      return proc;
    },
    kill: () => stop('SIGKILL'),
    async restart() {
      if (proc) return;
      proc = (await launch(face.port)).proc;
    },
  };
  onCleanup(() => stop('SIGTERM'));
  return s;
}

/** A "device": Chromium with its own fresh user-data dir (its own IndexedDB). */
export async function launchProfile(): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir('tinysync-e2e-profile-'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
    headless: true,
  });
  onCleanup(() => context.close());
  return context;
}

/** Opens `url` (the fixture app by default) in a new tab of `context`, ready to drive. */
export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.warn('page error:', err.message));
  await page.goto(url);
  await waitReady(page);
  return page;
}

/** A unique store name per test, so that tests never see each other's data. */
export const storeName = boardName;

/** The shared setup of a runtime test file: what its tests use from it. */
export interface RuntimeSuite {
  /** One in-process server for the whole file (started in beforeAll). */
  readonly server: InProcessServer;
  /** A token of `server` for every document, with write right. */
  readonly writeToken: string;
  /** A fresh Chromium profile, closed after the test that launched it. */
  device(): Promise<BrowserContext>;
}

/**
 * Registers the hooks of a runtime test file (call it at the top level): a server started once
 * for the file, devices closed after each test so a test never inherits another's tabs, and
 * everything cleaned up after the file. Read `server` and `writeToken` inside tests or hooks only.
 */
export function runtimeSuite(): RuntimeSuite {
  let server: InProcessServer | undefined;
  let writeToken: string | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    server = await startServer();
    writeToken = await server.token('write');
  });
  afterAll(cleanup);
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('runtimeSuite: the server starts in beforeAll; read it inside a test');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get writeToken() {
      return started(writeToken);
    },
    async device() {
      const c = await launchProfile();
      contexts.push(c);
      return c;
    },
  };
}
