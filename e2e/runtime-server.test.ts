// The browser runtime when its server dies: `node dist/cli.js serve` in a child process is
// SIGKILLed (no shutdown, no goodbye) in the middle of a session and started again on the same
// port and data folder. Clients reconnect by themselves and nothing is lost.
import { afterEach, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { cleanup, launchProfile, openPage, startCliServer, storeName, until } from './runtime-harness.js';


afterEach(cleanup);

const data = (page: Page, name: string) => page.evaluate((n) => window.tinysyncTest.snapshot(window.tinysyncTest.store(n).data), name);
const status = (page: Page, name: string) => page.evaluate((n) => window.tinysyncTest.store(n).status, name);

it('the server is SIGKILLed and restarted mid-session: clients reconnect and nothing is lost', async () => {
  const server = await startCliServer();
  const name = storeName('kill');
  const opts = { sync: { url: server.sync, token: await server.token('write') }, maxBackoffMs: 300 };
  const a = await openPage(await launchProfile(), server.appUrl);
  const b = await openPage(await launchProfile(), server.appUrl);
  for (const p of [a, b]) await p.evaluate(async ([n, o]) => void (await window.tinysyncTest.open(n, o)), [name, opts] as const);

  // Device a writes one item per task, 200 in all, and the server dies while it does.
  const writing = a.evaluate(async (n) => {
    const s = window.tinysyncTest.store(n);
    for (let i = 0; i < 200; i++) {
      s.data.items.push({ id: i, title: `item ${i}`, done: false });
      await new Promise((r) => setTimeout(r, 5));
    }
    await s.flushed();
  }, name);
  await until('b to receive some of a\'s items', async () => (await data(b, name)).items.length >= 30);
  await server.kill();
  await until('a notices', async () => (await status(a, name)) !== 'synced');
  await until('b notices', async () => (await status(b, name)) !== 'synced');
  await writing;
  await b.evaluate(async (n) => {
    const s = window.tinysyncTest.store(n);
    s.data.notes.b = 'while the server was down';
    await s.flushed();
  }, name);
  expect((await data(b, name)).items.length).toBeLessThan(200);

  await server.restart();
  const ids = [...Array(200).keys()];
  for (const p of [a, b]) {
    await until('all 200 items and b\'s note on every device', async () => {
      const d = await data(p, name);
      return d.items.length === 200 && d.notes.b === 'while the server was down';
    }, 30_000);
    expect((await data(p, name)).items.map((it) => it.id)).toEqual(ids);
    await until('synced again', async () => (await status(p, name)) === 'synced', 30_000);
    await p.evaluate((n) => window.tinysyncTest.store(n).synced(), name);
  }
  const stored = (await server.doc(name)).tinysync as { items: Array<{ id: number }>; notes: Record<string, string> };
  expect(stored.items.map((it) => it.id)).toEqual(ids);
  expect(stored.notes).toEqual({ b: 'while the server was down' });

  // What the server acknowledged survives the next kill too (it commits before it relays).
  await server.kill();
  await server.restart();
  expect(((await server.doc(name)).tinysync as { items: unknown[] }).items).toHaveLength(200);
});
