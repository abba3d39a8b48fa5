// The demo board on two server instances sharing PostgreSQL and Redis (real engines): two
// Chromium devices, each connected to a different instance, edit the board and converge, and
// each sees the other in its presence list.
import { createSyncServer } from 'tinysync/server';
import { afterAll, afterEach, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { testEngines } from '../test/server/engines.js';
import { boardName, boardText, cleanup, demoDist, ensureDemoBuilt, launchDevice, onCleanup, openDemo, until } from './harness.js';

afterEach(cleanup);
const { pg, redis, stop: stopEngines } = await testEngines('scale-out browser e2e');
afterAll(stopEngines);

async function instance(id: string): Promise<{ url: string }> {
  const server = await createSyncServer({ host: '127.0.0.1', port: 0, static: demoDist, postgres: pg!.url, redis: redis!.url, instanceId: id, logger: () => {} });
  onCleanup(() => server.close());
  return { url: `http://127.0.0.1:${server.port}/` };
}

async function addCard(page: Page, column: string, title: string): Promise<void> {
  await page.locator(`[data-column-id=${column}] [data-testid=new-card-input]`).fill(title);
  await page.locator(`[data-column-id=${column}] [data-testid=add-card]`).click();
}

async function boardsShow(pages: Page[], expected: Record<string, string[]>): Promise<void> {
  for (const page of pages) await until(`board ${JSON.stringify(expected)}`, async () => JSON.stringify(await boardText(page)) === JSON.stringify(expected));
}

describe.skipIf(!pg || !redis)('demo on two instances (PostgreSQL + Redis)', () => {
  it('two devices on two instances edit one board and converge; presence crosses instances', async () => {
    ensureDemoBuilt();
    const [a, b] = [await instance('a'), await instance('b')];
    const doc = boardName('scaled');
    const alice = await launchDevice({ name: 'Alice', color: '#e11d48' });
    const bob = await launchDevice({ name: 'Bob', color: '#2563eb' });
    const onA = await openDemo(alice, a, doc);
    const onB = await openDemo(bob, b, doc);

    await addCard(onA, 'todo', 'From instance A');
    await boardsShow([onA, onB], { todo: ['From instance A'], doing: [], done: [] });
    await addCard(onB, 'done', 'From instance B');
    await boardsShow([onA, onB], { todo: ['From instance A'], doing: [], done: ['From instance B'] });

    await until('Bob in Alice\'s presence list', async () => (await onA.locator('[data-testid=peer] [data-testid=peer-name]').allTextContents()).includes('Bob'));
    await until('Alice in Bob\'s presence list', async () => (await onB.locator('[data-testid=peer] [data-testid=peer-name]').allTextContents()).includes('Alice'));
  });
});
