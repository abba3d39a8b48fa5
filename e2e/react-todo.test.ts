// The React todo example (examples/react-todo) end to end: built with Vite, served by a real
// tinysync server, two Chromium devices (each its own profile) and a second tab, driven
// through the UI: live sharing, offline edits on both devices, reconnect, convergence, reload.
// Also takes the screenshot that docs/guide/react.md shows (docs/react-todo.png) when it is
// missing or when UPDATE_SCREENSHOTS=1.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createSyncServer, type SyncServer } from 'tinysync/server';
import { cleanup, launchDevice, onCleanup, tempDir, until } from './harness.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'examples/react-todo/dist');
const screenshot = join(repo, 'docs/react-todo.png');

afterEach(cleanup);

beforeAll(() => {
  // vitest sets NODE_ENV=test, which would make Vite build a development bundle. Built aside
  // and swapped in, so that a server of another run never serves a half-written folder.
  const aside = join(repo, `examples/react-todo/.dist-${process.pid}`);
  const args = ['vite', 'build', '--config', 'examples/react-todo/vite.config.ts', '--outDir', aside, '--emptyOutDir', '--logLevel', 'warn'];
  const r = spawnSync('npx', args, { cwd: repo, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) {
    rmSync(aside, { recursive: true, force: true });
    throw new Error('building examples/react-todo failed');
  }
  rmSync(dist, { recursive: true, force: true });
  renameSync(aside, dist);
}, 120_000);

/** A tinysync server serving the example, on a free port, that can be stopped and restarted. */
async function startServer() {
  const dataDir = tempDir('tinysync-e2e-react-');
  const open = (port: number) => createSyncServer({ host: '127.0.0.1', port, dataDir, static: dist, logger: () => {} });
  let server: SyncServer | undefined = await open(0);
  const port = server.port;
  const handle = {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      const s = server;
      server = undefined;
      await s?.close();
    },
    async restart() {
      server ??= await open(port);
    },
  };
  onCleanup(() => handle.stop());
  return handle;
}

async function openList(page: Page, url: string, list: string): Promise<Page> {
  page.on('pageerror', (err) => console.warn(`page error (${list}):`, err.message));
  await page.goto(`${url}?list=${encodeURIComponent(list)}`);
  await page.locator('[data-testid=app]').waitFor({ timeout: 30_000 });
  return page;
}

const titles = (page: Page) => page.locator('[data-testid=title]').allTextContents();
const status = (page: Page) => page.locator('[data-testid=status]').textContent();

async function add(page: Page, title: string): Promise<void> {
  await page.locator('[data-testid=new-title]').fill(title);
  await page.locator('[data-testid=add]').click();
}

function row(page: Page, title: string) {
  return page.locator('[data-testid=todo]', { has: page.locator('[data-testid=title]', { hasText: title }) });
}

/** Waits until every page lists exactly `expected` (in order). */
async function allShow(pages: Page[], expected: string[]): Promise<void> {
  for (const [i, page] of pages.entries()) {
    let seen: string[] = [];
    try {
      await until(`list ${JSON.stringify(expected)}`, async () => JSON.stringify((seen = await titles(page))) === JSON.stringify(expected));
    } catch (err) {
      throw new Error(`${(err as Error).message}; page ${i} shows ${JSON.stringify(seen)}`);
    }
  }
}

it('two devices and a second tab share the list live, edit offline, reconnect and converge; a reload keeps it', async () => {
  const server = await startServer();
  const list = 'groceries'; // fixed: the server's data folder and both profiles are fresh
  const alice = await launchDevice({ name: 'Alice', color: '#e11d48' });
  const bob = await launchDevice({ name: 'Bob', color: '#2563eb' });
  const a = await openList(await alice.newPage(), server.url, list);
  const a2 = await openList(await alice.newPage(), server.url, list); // Alice's second tab
  const b = await openList(await bob.newPage(), server.url, list);

  // Live: an add on one device shows on the other, a toggle comes back.
  await add(a, 'Milk');
  await add(b, 'Bread');
  await allShow([a, a2, b], ['Milk', 'Bread']);
  await row(b, 'Milk').locator('[data-testid=toggle]').check();
  await until('Alice sees Milk done', () => row(a, 'Milk').locator('[data-testid=toggle]').isChecked());
  await until('all synced', async () => (await status(a)) === 'synced' && (await status(b)) === 'synced');
  await until('Bob sees Alice here', async () => (await b.locator('[data-testid=others]').textContent()) !== 'only you');

  // Both devices lose the server: each edits on its own; Alice's tabs still share (one browser).
  await server.stop();
  await until('Alice offline', async () => (await status(a)) !== 'synced');
  await until('Bob offline', async () => (await status(b)) !== 'synced');
  await add(a, 'Eggs');
  await row(a2, 'Bread').locator('[data-testid=toggle]').check();
  await add(b, 'Coffee');
  await row(b, 'Milk').locator('[data-testid=remove]').click();
  await allShow([a, a2], ['Milk', 'Bread', 'Eggs']);
  await allShow([b], ['Bread', 'Coffee']);
  expect(await row(a, 'Bread').locator('[data-testid=toggle]').isChecked()).toBe(true);
  expect(await row(b, 'Bread').locator('[data-testid=toggle]').isChecked()).toBe(false);

  // Back online: every edit of both sides, on every page.
  await server.restart();
  const merged = await until('one list everywhere', async () => {
    const [x, y, z] = await Promise.all([titles(a), titles(a2), titles(b)]);
    return JSON.stringify(x) === JSON.stringify(y) && JSON.stringify(y) === JSON.stringify(z) && x.length === 3 && x;
  });
  expect([...merged].sort()).toEqual(['Bread', 'Coffee', 'Eggs']);
  await until('Bob sees Bread done', () => row(b, 'Bread').locator('[data-testid=toggle]').isChecked());
  await until('all synced again', async () => (await status(a)) === 'synced' && (await status(b)) === 'synced');
  await until('Bob counts what is left', async () => (await b.locator('[data-testid=left]').textContent())!.startsWith('2 left'));

  // A reload starts from IndexedDB and the server: the same list.
  await a.reload();
  await a.locator('[data-testid=app]').waitFor();
  await allShow([a], merged);

  if (!existsSync(screenshot) || process.env.UPDATE_SCREENSHOTS === '1') {
    await until('synced for the picture', async () => (await status(a)) === 'synced');
    await a.mouse.move(0, 0);
    await a.setViewportSize({ width: 720, height: 400 });
    writeFileSync(screenshot, await a.screenshot({ animations: 'disabled' }));
  }
});
