// Presence (store.presence) end to end, two Chromium profiles ("devices") against a real
// tinysync server: after going offline and back, both sides see each other again at once, and a
// closing tab leaves the others' lists at once. Times are measured from the action to the first
// presence change (recorded in the observing page, same clock) that shows the result.
import { afterAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openPage, runtimeSuite, storeName, until } from './runtime-harness.js';

/** The issue asks for 1 s; a slow shared CI machine gets some room. */
const BOUND_MS = 1500;

const suite = runtimeSuite();
const { device } = suite;

/**
 * A tab of `context` with store `name` open (synced) and presence `{ user }`, recording every
 * presence change (time, users shown) in `window.__presence`.
 */
async function person(context: BrowserContext, name: string, user: string): Promise<Page> {
  const page = await openPage(context, suite.server.appUrl);
  await page.evaluate(
    async ([n, url, token, u]) => {
      const store = await window.tinysyncTest.open(n, { sync: { url, token }, maxBackoffMs: 300 });
      const log: Array<{ t: number; users: string[] }> = [];
      (window as unknown as { __presence: typeof log }).__presence = log;
      store.presence.onChange((peers) => log.push({ t: Date.now(), users: peers.map((p) => String(p.state['user'])).sort() }));
      store.presence.set({ user: u });
    },
    [name, suite.server.sync, suite.writeToken, user] as const,
  );
  return page;
}

/** The users `page` shows as present now. */
function shown(page: Page, name: string): Promise<string[]> {
  return page.evaluate((n) => window.tinysyncTest.store(n).presence.others().map((p) => String(p.state['user'])).sort(), name);
}

/** Waits until `page` shows exactly `users` (in any order). */
async function showsExactly(page: Page, name: string, users: string[], what: string): Promise<void> {
  const want = [...users].sort().join(',');
  await until(what, async () => (await shown(page, name)).join(',') === want, 30_000);
}

/**
 * Waits (generously) until a presence change at or after `t0` in `page` shows `user` present
 * (`present`) or absent, and returns its delay from `t0` in ms.
 */
async function delayUntil(page: Page, t0: number, user: string, present: boolean, what: string): Promise<number> {
  return until(
    what,
    async () => {
      const log = await page.evaluate(() => (window as unknown as { __presence: Array<{ t: number; users: string[] }> }).__presence);
      const hit = log.find((e) => e.t >= t0 && e.users.includes(user) === present);
      return hit ? hit.t - t0 : false;
    },
    30_000,
  );
}

const measured: Record<string, number> = {};
afterAll(() => console.log('presence delays (ms):', JSON.stringify(measured)));

describe('presence after going offline and back', () => {
  it('store.setOnline(false) then setOnline(true): both devices see each other again within the bound', async () => {
    const name = storeName('presence-set-online');
    const a = await person(await device(), name, 'ann');
    const b = await person(await device(), name, 'bob');
    await showsExactly(a, name, ['bob'], 'ann to see bob');
    await showsExactly(b, name, ['ann'], 'bob to see ann');

    await a.evaluate((n) => window.tinysyncTest.store(n).setOnline(false), name);
    await showsExactly(b, name, [], 'ann gone from bob');
    await showsExactly(a, name, [], 'bob gone from ann (offline)');
    const t0 = await a.evaluate((n) => {
      const t = Date.now();
      window.tinysyncTest.store(n).setOnline(true);
      return t;
    }, name);
    const bSeesA = await delayUntil(b, t0, 'ann', true, 'bob to see ann again');
    const aSeesB = await delayUntil(a, t0, 'bob', true, 'ann to see bob again');
    Object.assign(measured, { setOnlineBobSeesAnn: bSeesA, setOnlineAnnSeesBob: aSeesB });
    expect(bSeesA).toBeLessThanOrEqual(BOUND_MS);
    expect(aSeesB).toBeLessThanOrEqual(BOUND_MS);
  });

  it('context.setOffline(true) then (false): both devices see each other again within the bound', async () => {
    const name = storeName('presence-offline');
    const ca = await device();
    const a = await person(ca, name, 'ann');
    const b = await person(await device(), name, 'bob');
    await showsExactly(a, name, ['bob'], 'ann to see bob');
    await showsExactly(b, name, ['ann'], 'bob to see ann');

    await ca.setOffline(true);
    await until('ann offline', async () => (await a.evaluate((n) => window.tinysyncTest.store(n).status, name)) === 'offline');
    await showsExactly(a, name, [], 'bob gone from ann (offline)');
    // Chromium stalls ann's socket: the server may go on listing ann until the socket closes
    // (here: when the network is back), so bob is not asked to see ann leave.
    const t0 = Date.now();
    await ca.setOffline(false);
    const aSeesB = await delayUntil(a, t0, 'bob', true, 'ann to see bob again');
    // The stalled socket is closed and the new one open: one socket per device again.
    await until('two sockets', async () => (await suite.server.health()).clients === 2, 30_000);
    await showsExactly(b, name, ['ann'], 'bob to see ann');
    // However the old socket's end interleaved with the new one, bob never missed ann for long.
    const gap = await b.evaluate(
      ([from, user]) => {
        const log = (window as unknown as { __presence: Array<{ t: number; users: string[] }> }).__presence;
        let longest = 0;
        let lostAt: number | null = null;
        for (const e of log.filter((x) => x.t >= from)) {
          if (!e.users.includes(user)) lostAt ??= e.t;
          else if (lostAt !== null) {
            longest = Math.max(longest, e.t - lostAt);
            lostAt = null;
          }
        }
        return lostAt === null ? longest : Infinity;
      },
      [t0, 'ann'] as const,
    );
    Object.assign(measured, { setOfflineAnnSeesBob: aSeesB, setOfflineLongestGapAtBob: gap });
    expect(aSeesB).toBeLessThanOrEqual(BOUND_MS);
    expect(gap).toBeLessThanOrEqual(BOUND_MS);
  });
});

describe('presence of closing tabs', () => {
  it('a second tab of a device that closes leaves the other device (and its sibling tab) within the bound', async () => {
    const name = storeName('presence-second-tab');
    const ca = await device();
    const a1 = await person(ca, name, 'ann-1');
    await until('a1 leads', () => a1.evaluate((n) => window.tinysyncTest.store(n).client.isLeader, name));
    const a2 = await person(ca, name, 'ann-2');
    const b = await person(await device(), name, 'bob');
    await showsExactly(b, name, ['ann-1', 'ann-2'], 'bob to see both tabs');
    await showsExactly(a1, name, ['ann-2', 'bob'], 'a1 to see a2 and bob');

    const t0 = Date.now();
    await a2.close();
    const bob = await delayUntil(b, t0, 'ann-2', false, 'ann-2 gone from bob');
    const sibling = await delayUntil(a1, t0, 'ann-2', false, 'ann-2 gone from ann-1');
    Object.assign(measured, { secondTabGoneAtBob: bob, secondTabGoneAtSibling: sibling });
    expect(bob).toBeLessThanOrEqual(BOUND_MS);
    expect(sibling).toBeLessThanOrEqual(BOUND_MS);
    expect(await shown(b, name)).toEqual(['ann-1']);
  });

  it('a closing leader tab leaves within the bound; its sibling tab stays listed (it takes over the socket)', async () => {
    const name = storeName('presence-leader-tab');
    const ca = await device();
    const a1 = await person(ca, name, 'ann-1');
    await until('a1 leads', () => a1.evaluate((n) => window.tinysyncTest.store(n).client.isLeader, name));
    const a2 = await person(ca, name, 'ann-2');
    const b = await person(await device(), name, 'bob');
    await showsExactly(b, name, ['ann-1', 'ann-2'], 'bob to see both tabs');

    const t0 = Date.now();
    await a1.close();
    const gone = await delayUntil(b, t0, 'ann-1', false, 'ann-1 gone from bob');
    const sibling = await delayUntil(a2, t0, 'ann-1', false, 'ann-1 gone from ann-2');
    // The server drops every state the leader's socket carried, ann-2's too: the new leader
    // announces it again at once.
    await showsExactly(b, name, ['ann-2'], 'bob to show ann-2 (again)');
    const back = Date.now() - t0;
    Object.assign(measured, { leaderGoneAtBob: gone, leaderGoneAtSibling: sibling, siblingListedAgainWithin: back });
    expect(gone).toBeLessThanOrEqual(BOUND_MS);
    expect(sibling).toBeLessThanOrEqual(BOUND_MS);
    await showsExactly(a2, name, ['bob'], 'ann-2 to see bob');
  });

  it('a tab closed after an offline spell leaves the other device within the bound', async () => {
    const name = storeName('presence-closed-after-offline');
    const ca = await device();
    const a = await person(ca, name, 'ann');
    const b = await person(await device(), name, 'bob');
    await showsExactly(b, name, ['ann'], 'bob to see ann');
    await a.evaluate((n) => window.tinysyncTest.store(n).setOnline(false), name);
    await showsExactly(b, name, [], 'ann gone from bob');
    await a.evaluate((n) => window.tinysyncTest.store(n).setOnline(true), name);
    await showsExactly(b, name, ['ann'], 'bob to see ann again');
    await showsExactly(a, name, ['bob'], 'ann to see bob again');

    const t0 = Date.now();
    await a.close();
    const gone = await delayUntil(b, t0, 'ann', false, 'ann gone from bob');
    Object.assign(measured, { closedAfterOfflineGoneAtBob: gone });
    expect(gone).toBeLessThanOrEqual(BOUND_MS);
  });
});
