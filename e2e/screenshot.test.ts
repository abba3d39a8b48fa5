// Takes the README's screenshot of the demo (docs/demo.png): Alice's view of a board that
// Bob is editing at the same time. The content is fixed, so the image only changes when the
// demo's look does.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { cleanup, launchDevice, openDemo, startDemoServer, until } from './harness.js';

afterEach(cleanup);

const target = fileURLToPath(new URL('../docs/demo.png', import.meta.url));

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

  const png = await a.screenshot({ fullPage: true, animations: 'disabled' });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  let old: Buffer | undefined;
  try {
    old = readFileSync(target);
  } catch {
    // first run
  }
  // Rewritten only when the look changed: a few anti-aliased pixels differ from run to run.
  const changed = old === undefined || (await differingPixels(a, old, png)) > 200;
  if (changed) writeFileSync(target, png);
  expect(await differingPixels(a, readFileSync(target), png)).toBeLessThanOrEqual(200);
});
