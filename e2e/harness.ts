// Shared plumbing of the end-to-end tests: the built demo, a real tinysync server serving it
// (port 0, temp data folder), Chromium "devices" (each its own fresh user-data dir), pages
// on the demo with a known identity, and polling with a deadline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { createSyncServer, type SyncServer } from 'tinysync/server';
import { chromiumArgs } from '../scripts/chromium.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
export const demoDist = join(repo, 'demo/dist');

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

/** Builds demo/dist unless it is newer than every source it is made from. */
export function ensureDemoBuilt(): void {
  const index = join(demoDist, 'index.html');
  const sources = ['demo/src', 'demo/public', 'public', 'demo/index.html', 'demo/vite.config.ts', 'src'].map((p) => join(repo, p));
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const changed = Math.max(...sources.map((p) => (statSync(p).isDirectory() ? newest(p) : statSync(p).mtimeMs)));
  if (built > changed) return;
  // vitest sets NODE_ENV=test, which would make Vite build a development bundle.
  const env = { ...process.env, NODE_ENV: 'production' };
  // Built aside and swapped in, so that another test run serving demo/dist meanwhile never
  // sees a half-written folder.
  const aside = join(repo, `demo/.dist-${process.pid}`);
  const args = ['vite', 'build', '--config', 'demo/vite.config.ts', '--outDir', aside, '--emptyOutDir', '--logLevel', 'warn'];
  const r = spawnSync('npx', args, { cwd: repo, stdio: 'inherit', env });
  if (r.status !== 0) {
    rmSync(aside, { recursive: true, force: true });
    throw new Error('building the demo failed');
  }
  rmSync(demoDist, { recursive: true, force: true });
  renameSync(aside, demoDist);
}

const cleanups: Array<() => Promise<void> | void> = [];
/** Requests of demo pages that failed or got an HTTP error since the last cleanup. */
const failedRequests: string[] = [];
/** Origins of servers a test stopped on purpose: their refused connections are expected. */
const stoppedOrigins = new Set<string>();
/** True while cleanup() closes pages and browsers: what they had in flight is aborted, not failed. */
let closing = false;

/**
 * Runs every registered cleanup, newest first (call in afterEach / afterAll); then fails if a
 * demo page had a failed request or an HTTP error answer (a missing /favicon.ico, asset, ...).
 */
export async function cleanup(): Promise<void> {
  closing = true;
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      console.warn('e2e cleanup:', err);
    }
  }
  stoppedOrigins.clear();
  closing = false;
  const failed = failedRequests.splice(0);
  if (failed.length > 0) throw new Error(`demo pages had failed requests:\n${failed.join('\n')}`);
}

/**
 * Records every failed request and HTTP error answer of `page` for `cleanup()` to report. A
 * request that a reload, a navigation or the page's closing cut short (its worker goes with the
 * document: a probe in flight is aborted) is not a failure of the page; an abort with no such
 * cause is.
 */
function watchRequests(page: Page): void {
  // Which document of the page a request belongs to: a main-frame navigation starts the next.
  let documents = 0;
  const startedIn = new WeakMap<Request, number>();
  page.on('request', (req) => {
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) documents++;
    startedIn.set(req, documents);
  });
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? 'failed';
    if (error === 'net::ERR_CONNECTION_REFUSED' && stoppedOrigins.has(new URL(req.url()).origin)) return;
    if (error === 'net::ERR_ABORTED' && (closing || startedIn.get(req) !== documents)) return;
    // The worker's auth probe (HEAD, src/worker/network.ts) dies with its worker, which a reload
    // ends before Playwright reports the navigation; it carries nothing the page shows.
    if (error === 'net::ERR_ABORTED' && req.method() === 'HEAD') return;
    failedRequests.push(`${req.method()} ${req.url()}: ${error}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
}

/** Registers `fn` to run at the next `cleanup()` (resources are released newest first). */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** A temp folder removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface DemoServer {
  server: SyncServer;
  port: number;
  /** `http://127.0.0.1:<port>/` */
  url: string;
  dataDir: string;
  /** Stops the server (clients see it gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** The server's JSON view of a document (GET /docs/<name>). */
  doc(name: string): Promise<unknown>;
}

/** A tinysync server on 127.0.0.1 (free port, temp data folder) serving demo/dist. */
export async function startDemoServer(): Promise<DemoServer> {
  ensureDemoBuilt();
  const dataDir = tempDir('tinysync-e2e-data-');
  const quiet = () => {};
  const open = (port: number) => createSyncServer({ host: '127.0.0.1', port, dataDir, static: demoDist, logger: quiet });
  let server: SyncServer | undefined = await open(0);
  const port = server.port;
  const demo: DemoServer = {
    get server() {
      if (!server) throw new Error('the server is stopped');
      return server;
    },
    port,
    url: `http://127.0.0.1:${port}/`,
    dataDir,
    async stop() {
      const s = server;
      server = undefined;
      stoppedOrigins.add(`http://127.0.0.1:${port}`);
      await s?.close();
    },
    async restart() {
      if (!server) server = await open(port);
    },
    async doc(name) {
      const r = await fetch(`http://127.0.0.1:${port}/docs/${encodeURIComponent(name)}`);
      if (!r.ok) throw new Error(`GET /docs/${name}: ${r.status}`);
      return r.json();
    },
  };
  cleanups.push(() => demo.stop());
  return demo;
}

export interface Identity {
  name: string;
  color: string;
}

/** A phone's screen (an iPhone 12 to 15 in CSS pixels), touch and mobile viewport meta honoured. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

/**
 * A "device": Chromium with its own fresh user-data dir (its own IndexedDB, service worker,
 * localStorage), whose demo identity is `who`; a 1280×800 desktop unless `screen` says
 * otherwise (e.g. `PHONE`).
 */
export async function launchDevice(
  who: Identity,
  screen: { viewport: { width: number; height: number }; isMobile?: boolean; hasTouch?: boolean } = { viewport: { width: 1280, height: 800 } },
): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(tempDir('tinysync-e2e-profile-'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
    headless: true,
    ...screen,
  });
  cleanups.push(() => context.close());
  await context.addInitScript((identity) => {
    localStorage.setItem('tinysync-demo-identity', JSON.stringify(identity));
  }, who);
  return context;
}

/** Opens the demo on board `doc` in a new tab of `context` and waits until it is ready. */
export async function openDemo(context: BrowserContext, server: { url: string }, doc: string, query = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.warn(`page error (${doc}):`, err.message));
  watchRequests(page);
  await page.goto(`${server.url}?doc=${encodeURIComponent(doc)}${query}`);
  await waitReady(page);
  return page;
}

/** Waits until the demo rendered (its store is open). */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', undefined, { timeout: 30_000 });
}

/** Polls `check` until it returns true (or a value other than false/undefined); throws at the deadline. */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 20_000): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value as Exclude<T, false | undefined>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A unique board name per test, so that tests never see each other's data. */
export function boardName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** The titles shown in each column, in order: `{ todo: [...], doing: [...], done: [...] }`. */
export async function boardText(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(() => {
    const out: Record<string, string[]> = {};
    for (const column of document.querySelectorAll<HTMLElement>('[data-testid=column]')) {
      out[column.dataset.columnId!] = [...column.querySelectorAll('[data-testid=card]')].map(
        (card) => (card.querySelector('[data-testid=card-title]')?.textContent ?? (card.querySelector('[data-testid=card-title-input]') as HTMLInputElement | null)?.value ?? '').trim(),
      );
    }
    return out;
  });
}
