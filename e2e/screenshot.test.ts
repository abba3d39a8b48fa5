// Takes the screenshots of the demo that README.md and docs/guide/demo.md show: Alice's view
// of a board that Bob is editing at the same time (docs/demo.png), and the board on a 390×844
// phone (docs/demo-phone.png), where no element may overflow its card, column or the screen.
// The content is fixed, so an image only changes when the demo's look does.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { cleanup, launchDevice, openDemo, PHONE, startDemoServer, until } from './harness.js';

afterEach(cleanup);

const target = fileURLToPath(new URL('../docs/demo.png', import.meta.url));
const phoneTarget = fileURLToPath(new URL('../docs/demo-phone.png', import.meta.url));

/** How many pixels differ between two PNGs (decoded by the page; all of them if sizes differ). */
function differingPixels(page: Page, a: Buffer, b: Buffer): Promise<number> {
  return page.evaluate(async ([x, y]) => {
    const load = async (b64: string) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    };
    const [p, q] = [await load(x), await load(y)];
    if (p.width !== q.width || p.height !== q.height) return Math.max(p.width * p.height, q.width * q.height);
    let n = 0;
    for (let i = 0; i < p.data.length; i += 4) {
      if (p.data[i] !== q.data[i] || p.data[i + 1] !== q.data[i + 1] || p.data[i + 2] !== q.data[i + 2]) n++;
    }
    return n;
  }, [a.toString('base64'), b.toString('base64')] as const);
}

it('screenshots the dashboard with two people on it into docs/demo.png', async () => {
  const server = await startDemoServer();
  const doc = 'team'; // fixed (the server's data folder is fresh), so that the image is stable
  const alice = await launchDevice({ name: 'Alice', color: '#e11d48' });
  const bob = await launchDevice({ name: 'Bob', color: '#2563eb' });
  const a = await openDemo(alice, server, doc);
  const b = await openDemo(bob, server, doc);
  await a.evaluate(() => {
    const { store, transact } = window.__tinysyncDemo!;
    const [todo, doing, done] = store.data.columns;
    transact(store.data, () => {
      todo!.cards.push(
        { id: 's1', title: 'Write the onboarding guide', author: 'Alice' },
        { id: 's2', title: 'Rotate the API keys', author: 'Bob' },
        { id: 's3', title: 'Plan the Q3 offsite', author: 'Alice' },
      );
      doing!.cards.push({ id: 's4', title: 'Fix flaky login test', author: 'Bob' }, { id: 's5', title: 'Dark mode', author: 'Alice' });
      done!.cards.push({ id: 's6', title: 'Ship offline mode', author: 'Bob' });
      Object.assign(store.data.kpis, { deploys: { alice: 9, bob: 5 }, incidents: { bob: 2 }, coffees: { alice: 21, bob: 16 } });
      store.data.series.push(42, 48, 45, 51, 58, 55, 49, 44, 47, 53, 61, 66, 62, 57, 52, 50, 46, 43, 39, 41, 45, 38, 34, 36);
    });
  });
  // Bob opens a card for editing: Alice sees it in the presence list and on the card.
  await until('Bob has the board', async () => (await b.locator('[data-testid=card]').count()) === 6);
  await b.locator('[data-card-id=s4] [data-testid=card-title]').click();
  await until('Alice sees Bob editing', async () => (await a.locator('[data-testid=peer-editing]').count()) === 1);
  await until('synced', async () => (await a.getAttribute('[data-testid=status]', 'data-status')) === 'synced');
  await a.mouse.move(0, 0);

  await keepScreenshot(a, target);
});

/** Screenshots the whole page into `file`, rewritten only when the look changed. */
async function keepScreenshot(page: Page, file: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true, animations: 'disabled' });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  let old: Buffer | undefined;
  try {
    old = readFileSync(file);
  } catch {
    // first run
  }
  // Rewritten only when the look changed: a few anti-aliased pixels differ from run to run.
  const changed = old === undefined || (await differingPixels(page, old, png)) > 200;
  if (changed) writeFileSync(file, png);
  expect(await differingPixels(page, readFileSync(file), png)).toBeLessThanOrEqual(200);
}

/**
 * Every way the page overflows on this screen, as readable lines (none: []): the page scrolling
 * sideways, a column wider than the board without the board scrolling, any element of a card
 * (or its text) sticking out of the card, an add-card form sticking out of its column or with
 * an input too narrow to type in, a toolbar control off screen.
 */
function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const tol = 0.5;
    const name = (el: Element) => (el as HTMLElement).dataset.testid ?? `${el.tagName.toLowerCase()}.${el.className}`;
    const inside = (inner: DOMRect, outer: DOMRect) =>
      inner.left >= outer.left - tol && inner.right <= outer.right + tol && inner.top >= outer.top - tol && inner.bottom <= outer.bottom + tol;
    const fmt = (r: DOMRect) => `[${Math.round(r.left)}..${Math.round(r.right)}]×[${Math.round(r.top)}..${Math.round(r.bottom)}]`;
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
    const board = document.querySelector('[data-testid=board]')!;
    const boardScrolls = ['auto', 'scroll'].includes(getComputedStyle(board).overflowX);
    for (const column of document.querySelectorAll('[data-testid=column]')) {
      const c = column.getBoundingClientRect();
      const b = board.getBoundingClientRect();
      if (!boardScrolls && (c.left < b.left - tol || c.right > b.right + tol)) out.push(`column ${(column as HTMLElement).dataset.columnId} ${fmt(c)} outside the board ${fmt(b)}`);
      const form = column.querySelector('.add-card')!;
      for (const el of [form, ...form.querySelectorAll('*')]) {
        if (!inside(el.getBoundingClientRect(), c)) out.push(`${name(el)} of column ${(column as HTMLElement).dataset.columnId} sticks out of it`);
      }
      const input = form.querySelector('input')!.getBoundingClientRect();
      if (input.width < 150 || input.height < 24) out.push(`the add-card input of ${(column as HTMLElement).dataset.columnId} is ${Math.round(input.width)}×${Math.round(input.height)}, too small to type in`);
    }
    for (const card of document.querySelectorAll<HTMLElement>('[data-testid=card]')) {
      const box = card.getBoundingClientRect();
      for (const el of card.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (!inside(r, box)) out.push(`card ${card.dataset.cardId}: ${name(el)} ${fmt(r)} sticks out of the card ${fmt(box)}`);
        if (el.tagName !== 'INPUT' && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible') {
          out.push(`card ${card.dataset.cardId}: the text of ${name(el)} is wider than it (${el.scrollWidth} > ${el.clientWidth})`);
        }
      }
    }
    for (const el of document.querySelectorAll('.toolbar *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.left < -tol || r.right > vw + tol)) out.push(`toolbar: ${name(el)} ${fmt(r)} off the screen (0..${vw})`);
    }
    return out;
  });
}

it('on a 390×844 phone the columns fit, the add-card inputs work and nothing overflows its card (docs/demo-phone.png)', async () => {
  const server = await startDemoServer();
  const alice = await launchDevice({ name: 'Alice', color: '#e11d48' }, PHONE);
  const a = await openDemo(alice, server, 'phone');
  await a.evaluate(() => {
    const { store, transact } = window.__tinysyncDemo!;
    const [todo, doing, done] = store.data.columns;
    transact(store.data, () => {
      todo!.cards.push({ id: 'p1', title: 'Write the onboarding guide for new team members', author: 'Alice' });
      // One long word: it must wrap inside the card, not push the card (or the page) wider.
      doing!.cards.push({ id: 'p2', title: 'Rename getUserAccountPreferencesFromTheLegacyService', author: 'Bob' });
      done!.cards.push({ id: 'p3', title: 'Ship offline mode', author: 'Bob' });
    });
  });
  await until('the cards are shown', async () => (await a.locator('[data-testid=card]').count()) === 3);
  // The add-card input takes a tap and typing, and the card lands in its column.
  await a.locator('[data-column-id=done] [data-testid=new-card-input]').tap();
  await a.keyboard.type('Added on the phone');
  await a.locator('[data-column-id=done] [data-testid=add-card]').tap();
  await until('the new card', async () => (await a.locator('[data-column-id=done] [data-testid=card]').count()) === 2);
  // The ◀ button is inside its card and works.
  await a.locator('[data-card-id=p2] [data-testid=card-left]').tap();
  await until('the card moved left', async () => (await a.locator('[data-column-id=todo] [data-card-id=p2]').count()) === 1);
  await until('synced', async () => (await a.getAttribute('[data-testid=status]', 'data-status')) === 'synced');

  expect(await overflows(a)).toEqual([]);
  await keepScreenshot(a, phoneTarget);
});
