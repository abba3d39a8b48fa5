// The package as users get it: `npm pack` of the repo (whose `prepack` builds it, type
// declarations included, whatever state dist/ is in), installed (from the tarball, npm's local
// cache, no network) into a fresh Vite app that has NO vite config at all, then
// - `tsc --noEmit` on a TypeScript file using `tinysync` and `tinysync/browser` as the docs do,
// - `vite build`, served by a tinysync server, and
// - `vite` (the dev server, with its dependency pre-bundling),
// each opened in Chromium: the sync worker loads, a store persists across a reload and syncs
// to another device through the server.
// The install itself is measured (issue 14): the browser app gets no server-only package and
// no package with an install script; packages/server (@tinysync/server) installed next to it
// gives a working `tinysync serve` / `tinysync token`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort, startChild } from '../test/child.js';
import { cleanup, ensurePackageBuilt, launchProfile, openPage, repo, startServer, storeName, tempDir, until, type InProcessServer } from './runtime-harness.js';
import { installFootprint, type Footprint } from './install-footprint.js';


const APP_MAIN = `import { createStore } from 'tinysync/browser';

// What the test drives: open a store, read it, change it, wait for disk and server.
window.app = {
  async open(name, sync) {
    window.store = await createStore(name, { items: [] }, { sync });
  },
  items: () => JSON.parse(JSON.stringify(window.store.data.items)),
  async add(title) {
    window.store.data.items.push({ title });
    await window.store.flushed();
    await window.store.synced();
  },
  status: () => window.store.status,
};
document.documentElement.dataset.ready = 'true';
`;
const APP_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fresh app</title></head>
<body><script type="module" src="/main.js"></script></body></html>
`;

// The core and browser examples of the docs (docs/guide/tracking.md, docs/guide/browser.md),
// as an app's TypeScript would hold them. Its two expected errors (ts-expect-error) fail the
// check if the package's types were missing or `any`.
const APP_TS = `import { snapshot, subscribe, track, transact, type Change } from 'tinysync';
import { createStore, type Store, type StoreStatus } from 'tinysync/browser';

interface Todo { text: string; done: boolean }

const changes: Change[] = [];
const state = track({ todos: [{ title: 'milk', done: false }] }, { name: 'list', onChange: (c) => changes.push(c) });
state.todos[0]!.done = true;
const stop = subscribe(state, ['todos', '*', 'done'], (c) => console.log(c.path, c.origin));
transact(state, () => state.todos.push({ title: 'eggs', done: false }));
const plain: { todos: { title: string; done: boolean }[] } = snapshot(state);
stop();
// @ts-expect-error a title is a string
state.todos[0]!.title = 42;

export async function open(token: string): Promise<Store<{ items: Todo[] }>> {
  const store = await createStore('todos', { items: [] as Todo[] }, { sync: { url: 'wss://example.com/sync', token } });
  store.data.items.push({ text: 'write docs', done: false });
  const status: StoreStatus = store.status;
  console.log(status, plain.todos.length, changes.length);
  await store.flushed();
  await store.synced();
  // @ts-expect-error not a Todo
  store.data.items.push({ text: 1 });
  return store;
}
`;
const APP_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  },
  include: ['src'],
};

interface AppApi {
  open(name: string, sync: { url: string; token: string }): Promise<void>;
  items(): Array<{ title: string }>;
  add(title: string): Promise<void>;
  status(): string;
}
const app = (page: Page) => ({
  open: (name: string, sync: { url: string; token: string }) =>
    page.evaluate(([n, s]) => (window as unknown as { app: AppApi }).app.open(n, s), [name, sync] as const),
  items: () => page.evaluate(() => (window as unknown as { app: AppApi }).app.items()),
  add: (title: string) => page.evaluate((t) => (window as unknown as { app: AppApi }).app.add(t), title),
  status: () => page.evaluate(() => (window as unknown as { app: AppApi }).app.status()),
});

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let appDir: string;
let packedFiles: string[];
let packDir: string;
let tarball: string;
let appInstall: { ms: number; footprint: Footprint };

beforeAll(() => {
  ensurePackageBuilt();
  // A checkout built without declarations (only `vite build`, as `npm start` does): `prepack`
  // must make them. The rest of dist/ is rebuilt by it as well.
  rmSync(join(repo, 'dist/types'), { recursive: true, force: true });
  const dir = tempDir('tinysync-pack-');
  packDir = dir;
  run('npm', ['pack', '--pack-destination', dir, '--silent'], repo);
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  packedFiles = run('tar', ['-tzf', tarball], dir).split('\n').filter(Boolean);
  appDir = join(dir, 'app');
  mkdirSync(join(appDir, 'src'), { recursive: true });
  // The shared favicon, as the example apps take it from public/ (no 404 for /favicon.ico).
  mkdirSync(join(appDir, 'public'), { recursive: true });
  copyFileSync(join(repo, 'public/favicon.ico'), join(appDir, 'public/favicon.ico'));
  writeFileSync(join(appDir, 'src/app.ts'), APP_TS);
  writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify(APP_TSCONFIG, null, 2));
  const viteVersion = (JSON.parse(readFileSync(join(repo, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'fresh-app', private: true, type: 'module', dependencies: { tinysync: `file:${tarball}`, vite: viteVersion } }, null, 2),
  );
  writeFileSync(join(appDir, 'index.html'), APP_HTML);
  writeFileSync(join(appDir, 'main.js'), APP_MAIN);
  // Scripts allowed: an app's install runs them, and the test below asserts there are none.
  const started = performance.now();
  npmInstall(appDir, []);
  appInstall = { ms: performance.now() - started, footprint: installFootprint(appDir, 'tinysync') };
}, 120_000);

/**
 * `npm install` in `dir`: npm's local cache first (filled by the repo's own install), the
 * registry only if it lacks something (a package's metadata, say, for a range).
 */
function npmInstall(dir: string, args: string[]): void {
  const flags = ['--no-audit', '--no-fund', '--loglevel=error'];
  try {
    run('npm', ['install', '--offline', ...flags, ...args], dir);
  } catch {
    run('npm', ['install', '--prefer-offline', ...flags, ...args], dir);
  }
}
afterAll(cleanup);

/** One device writes and reloads, another device reads it back through the server. */
async function persistsAndSyncs(server: InProcessServer, url: string): Promise<void> {
  const name = storeName('packed');
  const sync = { url: server.sync, token: await server.token('write') };
  const a = await openPage(await launchProfile(), url);
  const workerScripts: string[] = [];
  a.on('worker', (w) => workerScripts.push(w.url()));
  await app(a).open(name, sync);
  await app(a).add('from the packed package');
  expect(workerScripts.some((u) => /sync\.worker/.test(u))).toBe(true);
  expect((await server.doc(name)).tinysync).toEqual({ items: [{ title: 'from the packed package' }] });

  await a.reload();
  await a.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await app(a).open(name, { url: 'ws://127.0.0.1:9/nowhere', token: 'x' }); // persisted: no server needed to load
  expect(await app(a).items()).toEqual([{ title: 'from the packed package' }]);

  const b = await openPage(await launchProfile(), url);
  await app(b).open(name, sync);
  await until('the other device gets it from the server', async () => (await app(b).items()).length === 1);
  await until('synced', async () => (await app(b).status()) === 'synced');
}

/** Packages that only the server (or the Node entries) needs, and what builds native code. */
const SERVER_ONLY = ['better-sqlite3', 'ws', 'jose', 'yaml', 'send', 'pg', 'ioredis'];
const NATIVE_BUILD = ['prebuild-install', 'node-gyp', 'node-gyp-build', 'node-addon-api', 'bindings', 'node-abi', 'nan'];

describe('the install footprint of a browser app', () => {
  it('installs no server-only package, nothing that builds native code, and no package with an install script', () => {
    const { packages, closure } = appInstall.footprint;
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    console.log(
      `fresh Vite app: npm install (npm's cache) ${(appInstall.ms / 1000).toFixed(1)} s, ${packages.length} packages, node_modules ${mb(appInstall.footprint.bytes)}; ` +
        `tinysync with its dependencies: ${closure.length} packages (${closure.map((p) => p.name).join(', ')}), ${mb(appInstall.footprint.closureBytes)}`,
    );
    const names = packages.map((p) => p.name);
    expect(names).toContain('tinysync');
    // Every optional peer of tinysync (react and solid-js included: this app uses neither).
    const peers = Object.keys((JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies);
    expect(peers).toEqual(expect.arrayContaining(SERVER_ONLY.filter((n) => n !== 'pg' && n !== 'ioredis')));
    for (const name of new Set([...SERVER_ONLY, ...NATIVE_BUILD, ...peers])) expect(names, `${name} was installed`).not.toContain(name);
    // npm records `hasInstallScript` for a package with preinstall/install/postinstall (or a
    // binding.gyp): none here, so the install above (scripts allowed) ran none.
    expect(packages.filter((p) => p.hasInstallScript).map((p) => p.name)).toEqual([]);
    expect(readdirSync(join(appDir, 'node_modules/tinysync/dist')).filter((f) => f.endsWith('.node'))).toEqual([]);
  });
});

describe('@tinysync/server (packages/server) installed next to tinysync', () => {
  it('`npx @tinysync/server serve` runs a server (/health answers 200) and `tinysync token` makes tokens it accepts', async () => {
    run('npm', ['pack', join(repo, 'packages/server'), '--pack-destination', packDir, '--silent'], repo);
    const serverTarball = join(packDir, readdirSync(packDir).find((f) => f.startsWith('tinysync-server-') && f.endsWith('.tgz'))!);
    const dir = join(packDir, 'server-app');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'server-app', private: true, type: 'module' }, null, 2));
    // Both tarballs in one command: @tinysync/server depends on tinysync@0.1.0, which is not
    // on the registry; npm satisfies it with the tarball installed beside it.
    // --ignore-scripts: better-sqlite3 would compile from source here (about 60 s, no prebuilt
    // binary is reachable). Its compiled addon is copied from this repository's install instead,
    // which runs the same Node (same ABI); everything else is exactly what npm installed.
    const started = performance.now();
    npmInstall(dir, ['--ignore-scripts', tarball, serverTarball]);
    const ms = performance.now() - started;
    const footprint = installFootprint(dir, '@tinysync/server');
    console.log(`server app: npm install --ignore-scripts (npm's cache) ${(ms / 1000).toFixed(1)} s, ${footprint.packages.length} packages, node_modules ${(footprint.bytes / 1e6).toFixed(1)} MB (before better-sqlite3's build)`);
    for (const name of ['better-sqlite3', 'ws', 'jose', 'send']) expect(existsSync(join(dir, 'node_modules', name, 'package.json')), name).toBe(true);
    cpSync(join(repo, 'node_modules/better-sqlite3/build'), join(dir, 'node_modules/better-sqlite3/build'), { recursive: true });

    const secret = `e2e-server-package-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
    const env = { ...process.env, TINYSYNC_SECRET: secret, NODE_ENV: 'production' };
    // The documented command resolves to this package's CLI (from the install, no download).
    const help = spawnSync('npx', ['--no', '@tinysync/server', 'serve', '--help'], { cwd: dir, encoding: 'utf8', env });
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toContain('tinysync serve [');

    const bin = join(dir, 'node_modules/.bin/tinysync');
    const server = startChild(pathToFileURL(bin), ['serve', '--port', '0', '--data', join(dir, 'data')], { TINYSYNC_SECRET: secret });
    try {
      const port = await listeningPort(server, 30_000);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const token = spawnSync(process.execPath, [bin, 'token', '--doc', 'board', '--write'], { cwd: dir, encoding: 'utf8', env });
      expect({ status: token.status, stderr: token.stderr }).toEqual({ status: 0, stderr: '' });
      const auth = (t: string) => ({ headers: { Authorization: `Bearer ${t}` } });
      expect((await fetch(`${base}/docs/board`, auth(token.stdout.trim()))).status).toBe(200);
      expect((await fetch(`${base}/docs/other`, auth(token.stdout.trim()))).status).toBe(403);
      expect((await fetch(`${base}/docs/board`, auth('x.y.z'))).status).toBe(401);
      // A Node app's imports: tinysync/server (hoisted next to its packages by npm) and the
      // same exports through @tinysync/server (what a pnpm app imports).
      const api = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `
          const a = await import('tinysync/server');
          const b = await import('@tinysync/server');
          const s = await b.createSyncServer({ port: 0, dataDir: 'api-data', logger: () => {} });
          console.log(a.createSyncServer === b.createSyncServer, typeof b.createSyncHandler, s.port > 0);
          await s.close();`],
        { cwd: dir, encoding: 'utf8', env },
      );
      expect(api.stderr).toBe('');
      expect(api.stdout).toBe('true function true\n');
    } finally {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('the packed package in a fresh Vite app without configuration', () => {
  it('holds type declarations (made by prepack), and tsc --noEmit passes on app code written as the docs show it', () => {
    for (const entry of ['index', 'worker/index', 'solid/index', 'server/index']) expect(packedFiles).toContain(`package/dist/types/${entry}.d.ts`);
    // The app's compiler is this repo's (the same `tsc` an app would install); it resolves
    // `tinysync` from the app's node_modules. TS7016 would mean the declarations are missing.
    const r = spawnSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(appDir, 'tsconfig.json')], { cwd: appDir, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('vite build: served by the tinysync server, the worker loads, a store persists and syncs', async () => {
    run(join(appDir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], appDir);
    // The worker lands in the app as shipped: minified, within its budget.
    const workerFile = readdirSync(join(appDir, 'dist/assets')).find((f) => /^sync\.worker.*\.js$/.test(f));
    expect(workerFile).toBeDefined();
    const budget = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { sizeLimits: Array<{ file?: string; limit: number }> }).sizeLimits.find((l) => l.file === 'dist/sync.worker.js')!.limit;
    expect(gzipSync(readFileSync(join(appDir, 'dist/assets', workerFile!)), { level: 9 }).length).toBeLessThanOrEqual(budget);
    const server = await startServer({ static: join(appDir, 'dist') });
    await persistsAndSyncs(server, server.http);
  });

  it('vite dev server (dependency pre-bundling): the worker loads, a store persists and syncs', async () => {
    const server = await startServer({ static: join(appDir, 'dist') });
    const port = await freePort();
    const dev: ChildProcess = spawn(join(appDir, 'node_modules/.bin/vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
      cwd: appDir,
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'development' },
    });
    try {
      const url = `http://127.0.0.1:${port}/`;
      await until('the dev server answers', async () => (await fetch(url)).ok, 30_000);
      await persistsAndSyncs(server, url);
    } finally {
      const gone = new Promise((r) => dev.once('exit', r));
      dev.kill('SIGTERM');
      await gone;
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
