// The demo dashboard end to end: real tinysync server serving demo/dist, Debian Chromium,
// two devices (each its own profile) and a second tab, driven through the UI.
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { boardName, boardText, cleanup, launchDevice, openDemo, startDemoServer, until, waitReady } from './harness.js';


const ALICE = { name: 'Alice', color: '#e11d48' };
const BOB = { name: 'Bob', color: '#2563eb' };

afterEach(cleanup);

async function addCard(page: Page, column: string, title: string): Promise<void> {
  await page.locator(`[data-column-id=${column}] [data-testid=new-card-input]`).fill(title);
  await page.locator(`[data-column-id=${column}] [data-testid=add-card]`).click();
}

function card(page: Page, title: string) {
  return page.locator('[data-testid=card]', { has: page.locator('[data-testid=card-title]', { hasText: title }) });
}

async function editTitle(page: Page, from: string, to: string): Promise<void> {
  await card(page, from).locator('[data-testid=card-title]').click();
  const input = page.locator('[data-testid=card-title-input]');
  await input.fill(to);
  await input.press('Enter');
}

function status(page: Page): Promise<string | null> {
  return page.getAttribute('[data-testid=status]', 'data-status');
}

/** Waits until every page shows the same board as `expected`. */
async function boardsShow(pages: Page[], expected: Record<string, string[]>): Promise<void> {
  for (const [i, page] of pages.entries()) {
    let seen = '';
    try {
      await until(`board ${JSON.stringify(expected)}`, async () => (seen = JSON.stringify(await boardText(page))) === JSON.stringify(expected));
    } catch (err) {
      throw new Error(`${(err as Error).message}; page ${i} shows ${seen}`);
    }
  }
}

describe('demo: two devices and a second tab', () => {
  it('adds, edits, moves and deletes a card on one and every other shows it; presence shows both users; KPI counts and chart points from everyone add up', async () => {
    const server = await startDemoServer();
    const doc = boardName('live');
    const alice = await launchDevice(ALICE);
    const bob = await launchDevice(BOB);
    const a1 = await openDemo(alice, server, doc);
    const a2 = await openDemo(alice, server, doc);
    const b = await openDemo(bob, server, doc);
    const all = [a1, a2, b];

    await addCard(a1, 'todo', 'Write the README');
    await boardsShow(all, { todo: ['Write the README'], doing: [], done: [] });

    await editTitle(b, 'Write the README', 'Write the README and docs');
    await boardsShow(all, { todo: ['Write the README and docs'], doing: [], done: [] });

    await card(a2, 'Write the README and docs').locator('[data-testid=card-right]').click();
    await boardsShow(all, { todo: [], doing: ['Write the README and docs'], done: [] });

    await addCard(b, 'done', 'Ship it');
    await card(b, 'Write the README and docs').locator('[data-testid=card-delete]').click();
    await boardsShow(all, { todo: [], doing: [], done: ['Ship it'] });

    // Presence: each device lists the other by name (Alice's two tabs are two peers).
    await until('Bob in Alice\'s presence list', async () => (await a1.locator('[data-testid=peer] [data-testid=peer-name]').allTextContents()).includes('Bob'));
    await until('Alice in Bob\'s presence list', async () => (await b.locator('[data-testid=peer] [data-testid=peer-name]').allTextContents()).filter((n) => n === 'Alice').length === 2);
    // ... and which card someone is editing.
    await card(b, 'Ship it').locator('[data-testid=card-title]').click();
    await until('Alice sees Bob editing "Ship it"', async () => (await a1.locator('[data-testid=peer-editing]').allTextContents()).some((t) => t.includes('Ship it')));
    await until('the card shows its editor', async () => (await card(a2, 'Ship it').locator('[data-testid=card-editor]').allTextContents()).some((t) => t.includes('Bob')));
    await b.keyboard.press('Escape');

    // KPI counters: increments from both of Alice's tabs at once (under store.lock) and from
    // Bob's device all count.
    const bump = async (page: Page, times: number) => {
      for (let i = 0; i < times; i++) await page.locator('[data-kpi=coffees] [data-testid=kpi-increment]').click();
    };
    await Promise.all([bump(a1, 5), bump(a2, 5), bump(b, 3)]);
    for (const page of all) {
      await until('13 coffees', async () => (await page.locator('[data-kpi=coffees] [data-testid=kpi-value]').textContent()) === '13');
    }
    // The chart: points added on two devices show on every one.
    await a1.locator('[data-testid=point-input]').fill('42');
    await a1.locator('[data-testid=add-point]').click();
    await b.locator('[data-testid=add-point]').click();
    for (const page of all) await until('2 points', async () => (await page.locator('[data-testid=chart-count]').textContent()) === '2 points');
    expect(await b.locator('[data-testid=chart-line]').getAttribute('points')).toBe(await a1.locator('[data-testid=chart-line]').getAttribute('points'));
  });

  it('both devices edit offline, come back and converge; a reload shows the same board', async () => {
    const server = await startDemoServer();
    const doc = boardName('offline');
    const alice = await launchDevice(ALICE);
    const bob = await launchDevice(BOB);
    const a = await openDemo(alice, server, doc);
    const b = await openDemo(bob, server, doc);
    await addCard(a, 'todo', 'Shared card');
    await boardsShow([a, b], { todo: ['Shared card'], doing: [], done: [] });
    await until('both synced', async () => (await status(a)) === 'synced' && (await status(b)) === 'synced');

    // Both devices lose the network: the server goes away (Chromium's offline emulation
    // does not reach the WebSocket that the sync worker holds).
    await server.stop();
    await until('Alice offline', async () => (await status(a)) !== 'synced');
    await until('Bob offline', async () => (await status(b)) !== 'synced');

    await addCard(a, 'todo', 'Alice offline');
    await editTitle(a, 'Shared card', 'Shared card (edited by Alice)');
    await addCard(b, 'doing', 'Bob offline');
    await b.locator('[data-kpi=deploys] [data-testid=kpi-increment]').click();
    await until('Bob counted offline', async () => (await b.locator('[data-kpi=deploys] [data-testid=kpi-value]').textContent()) === '1');
    expect(await boardText(a)).toEqual({ todo: ['Shared card (edited by Alice)', 'Alice offline'], doing: [], done: [] });
    expect(await boardText(b)).toEqual({ todo: ['Shared card'], doing: ['Bob offline'], done: [] });

    await server.restart();
    const expected = { todo: ['Shared card (edited by Alice)', 'Alice offline'], doing: ['Bob offline'], done: [] };
    await boardsShow([a, b], expected);
    await until('KPI everywhere', async () => (await a.locator('[data-kpi=deploys] [data-testid=kpi-value]').textContent()) === '1');
    await until('both synced again', async () => (await status(a)) === 'synced' && (await status(b)) === 'synced');

    await a.reload();
    await b.reload();
    await waitReady(a);
    await waitReady(b);
    await boardsShow([a, b], expected);
    expect(JSON.stringify(await server.doc(doc))).toContain('Bob offline');
  });

  it('the offline switch takes a device offline; both sides merge when it is switched back', async () => {
    const server = await startDemoServer();
    const doc = boardName('switch');
    const alice = await launchDevice(ALICE);
    const bob = await launchDevice(BOB);
    const a = await openDemo(alice, server, doc);
    const b = await openDemo(bob, server, doc);
    await a.locator('[data-testid=offline-toggle]').check();
    await a.locator('[data-testid=status]', { hasText: 'offline' }).waitFor();
    await addCard(a, 'todo', 'Made offline by Alice');
    await addCard(b, 'done', 'From Bob');
    // Each side sees only its own card while Alice is offline (an arriving card would make
    // these waits for exact boards fail).
    await boardsShow([b], { todo: [], doing: [], done: ['From Bob'] });
    await boardsShow([a], { todo: ['Made offline by Alice'], doing: [], done: [] });

    await a.locator('[data-testid=offline-toggle]').uncheck();
    await boardsShow([a, b], { todo: ['Made offline by Alice'], doing: [], done: ['From Bob'] });
  });
});

/** The offline switch and the status badge of a page, which must agree. */
async function switchAndBadge(page: Page): Promise<{ checked: boolean; status: string | null }> {
  return { checked: await page.locator('[data-testid=offline-toggle]').isChecked(), status: await status(page) };
}

describe('demo: the offline switch and the status badge agree', () => {
  it('the switch of one tab takes every tab of the browser offline, and each tab shows it on both', async () => {
    const server = await startDemoServer();
    const doc = boardName('agree');
    const alice = await launchDevice(ALICE);
    const a1 = await openDemo(alice, server, doc);
    const a2 = await openDemo(alice, server, doc);
    for (const page of [a1, a2]) await until('synced, switch off', async () => JSON.stringify(await switchAndBadge(page)) === JSON.stringify({ checked: false, status: 'synced' }));

    await a1.locator('[data-testid=offline-toggle]').check();
    // The other tab shares the connection: its badge says offline, and so must its switch.
    for (const page of [a1, a2]) await until('offline, switch on', async () => JSON.stringify(await switchAndBadge(page)) === JSON.stringify({ checked: true, status: 'offline' }));

    // Switched back from the other tab: both go online and both switches turn off.
    await a2.locator('[data-testid=offline-toggle]').uncheck();
    for (const page of [a1, a2]) await until('synced again, switch off', async () => JSON.stringify(await switchAndBadge(page)) === JSON.stringify({ checked: false, status: 'synced' }));
  });

  it("a local-only board (?sync=off) says 'local' and has no offline switch to turn", async () => {
    const server = await startDemoServer();
    const a = await openDemo(await launchDevice(ALICE), server, boardName('local'), '&sync=off&sw=off');
    expect(await status(a)).toBe('local');
    expect(await a.locator('[data-testid=offline-toggle]').isDisabled()).toBe(true);
    expect(await a.locator('[data-testid=offline-toggle]').isChecked()).toBe(false);
  });
});

describe('demo: shared public/ files', () => {
  it('the server serves the favicon and icons from public/ with their types; the page loads them without a failed request', async () => {
    const server = await startDemoServer();
    for (const [file, type] of [
      ['favicon.ico', 'image/x-icon'],
      ['favicon.svg', 'image/svg+xml'],
      ['icon-192.png', 'image/png'],
      ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
      ['sw.js', 'text/javascript; charset=utf-8'],
    ]) {
      const res = await fetch(`${server.url}${file}`);
      expect({ file, status: res.status, type: res.headers.get('content-type') }).toEqual({ file, status: 200, type });
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const page = await openDemo(await launchDevice(ALICE), server, boardName('icons'));
    // What the page's <link rel=icon> elements point at is there (cleanup() fails on any 404).
    const icons = await page.evaluate(() => [...document.querySelectorAll<HTMLLinkElement>('link[rel~=icon]')].map((l) => l.href));
    expect(icons.length).toBe(2);
    for (const href of icons) expect((await page.request.get(href)).status()).toBe(200);
  });
});

describe('demo: toolbar', () => {
  it('undo and redo my own change on every device; repair reports nothing lost when the server has everything', async () => {
    const server = await startDemoServer();
    const doc = boardName('toolbar');
    const alice = await launchDevice(ALICE);
    const bob = await launchDevice(BOB);
    const a = await openDemo(alice, server, doc);
    const b = await openDemo(bob, server, doc);
    await addCard(b, 'todo', 'Bob\'s card');
    await boardsShow([a], { todo: ['Bob\'s card'], doing: [], done: [] });
    await addCard(a, 'doing', 'Oops');
    await boardsShow([a, b], { todo: ['Bob\'s card'], doing: ['Oops'], done: [] });

    // Alice's undo takes back her change only, never Bob's.
    await a.locator('[data-testid=undo]').click();
    await boardsShow([a, b], { todo: ['Bob\'s card'], doing: [], done: [] });
    await a.locator('[data-testid=redo]').click();
    await boardsShow([a, b], { todo: ['Bob\'s card'], doing: ['Oops'], done: [] });

    await a.evaluate(() => window.__tinysyncDemo!.store.synced());
    await a.locator('[data-testid=repair]').click();
    await until('repair message', async () => (await a.locator('[data-testid=message]').textContent())?.startsWith('Repaired: the server had every local change'));
    await boardsShow([a], { todo: ['Bob\'s card'], doing: ['Oops'], done: [] });
  });
});

describe('demo: fine-grained rendering', () => {
  it('on a 1,000-card board, a title edit reruns exactly one card title, locally and on the other device', async () => {
    const server = await startDemoServer();
    const doc = boardName('big');
    const alice = await launchDevice(ALICE);
    const bob = await launchDevice(BOB);
    const a = await openDemo(alice, server, doc);
    const b = await openDemo(bob, server, doc);
    await a.evaluate(() => {
      const { store, transact } = window.__tinysyncDemo!;
      transact(store.data, () => {
        for (let i = 0; i < 1000; i++) store.data.columns[i % 3]!.cards.push({ id: `card-${i}`, title: `Card ${i}`, author: 'seed' });
      });
    });
    for (const page of [a, b]) await until('1,000 cards', async () => (await page.locator('[data-testid=card]').count()) === 1000);
    const reset = (page: Page) => page.evaluate(() => window.__tinysyncDemo!.renders.reset());
    const counts = (page: Page) =>
      page.evaluate(() => {
        const { renders } = window.__tinysyncDemo!;
        return { titles: Object.fromEntries(renders.titles), created: renders.total(renders.created) };
      });
    await reset(a);
    await reset(b);

    // Local edit through the UI on Alice's device.
    await a.locator('[data-card-id=card-500] [data-testid=card-title]').click();
    await a.locator('[data-card-id=card-500] [data-testid=card-title-input]').fill('Card 500, renamed');
    await a.locator('[data-card-id=card-500] [data-testid=card-title-input]').press('Enter');
    await until('Bob sees the edit', async () => (await b.locator('[data-card-id=card-500] [data-testid=card-title]').textContent()) === 'Card 500, renamed');
    expect(await counts(a)).toEqual({ titles: { 'card-500': 1 }, created: 0 });
    expect(await counts(b)).toEqual({ titles: { 'card-500': 1 }, created: 0 });

    // An edit on Bob's device (remote for Alice), made directly on the data.
    await reset(a);
    await reset(b);
    await b.evaluate(() => {
      window.__tinysyncDemo!.store.data.columns[2]!.cards[10]!.title = 'Edited by Bob';
    });
    await until('Alice sees Bob\'s edit', async () => (await a.locator('[data-card-id=card-32] [data-testid=card-title]').textContent()) === 'Edited by Bob');
    expect(await counts(a)).toEqual({ titles: { 'card-32': 1 }, created: 0 });
    expect(await counts(b)).toEqual({ titles: { 'card-32': 1 }, created: 0 });
  });
});

describe('demo: offline after the first visit (service worker)', () => {
  it('is installable, loads and edits with the server stopped; the edits reach the server when it is back', async () => {
    const server = await startDemoServer();
    const doc = boardName('sw');
    const alice = await launchDevice(ALICE);
    const page = await openDemo(alice, server, doc);
    await addCard(page, 'todo', 'Before the outage');
    await until('synced', async () => (await status(page)) === 'synced');
    await page.evaluate(() => window.__tinysyncDemo!.store.synced());
    // The service worker took control and cached the app.
    await until('service worker in control', () => page.evaluate(() => navigator.serviceWorker.controller !== null));
    await until('app cached', () => page.evaluate(async () => (await caches.keys()).length > 0 && (await (await caches.open((await caches.keys())[0]!)).keys()).length >= 4));

    // Installable as a PWA: Chromium finds nothing missing (manifest, icons, service worker).
    const cdp = await alice.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    await cdp.detach();

    await server.stop();
    await page.reload();
    await waitReady(page);
    expect(await status(page)).not.toBe('synced');
    await boardsShow([page], { todo: ['Before the outage'], doing: [], done: [] });
    await addCard(page, 'doing', 'During the outage');
    await boardsShow([page], { todo: ['Before the outage'], doing: ['During the outage'], done: [] });
    await page.evaluate(() => window.__tinysyncDemo!.store.flushed());

    await server.restart();
    await until('the server has the offline edit', async () => JSON.stringify(await server.doc(doc)).includes('During the outage'), 30_000);
    await until('synced again', async () => (await status(page)) === 'synced');
  });
});
