// Takes the README's screenshot of the demo (docs/demo.png): Alice's view of a board that
// Bob is editing at the same time. The content is fixed, so the image only changes when the
// demo's look does.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it, vi } from 'vitest';
import { cleanup, launchDevice, openDemo, startDemoServer, until } from './harness.js';

vi.mock('ws', () => import('./node-ws.js'));
afterEach(cleanup);

const target = fileURLToPath(new URL('../docs/demo.png', import.meta.url));

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
  if (!old || !old.equals(png)) writeFileSync(target, png);
  expect(readFileSync(target).equals(png)).toBe(true);
});
