// Several instances on one PostgreSQL and one Redis (real engines): updates and presence cross
// instances, a gap in a document's stream is closed from PostgreSQL, a Redis restart loses
// nothing acknowledged, streams stay bounded.
import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { PostgresPersistence } from 'tinysync/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cleanup, connectClient, pollUntil, startServer, waitFor, type TestServer } from './helpers.js';
import { testEngines } from './engines.js';

afterEach(cleanup);
const { pg, redis, stop: stopEngines } = await testEngines('Redis fan-out tests');
afterAll(stopEngines);

let n = 0;
const fresh = (name: string) => `${name}-${++n}-${Date.now()}`;
const instances = (count: number): Promise<TestServer[]> =>
  Promise.all(Array.from({ length: count }, (_, i) => startServer({ postgres: pg!.url, redis: redis!.url, instanceId: `i${i}` })));

describe.skipIf(!pg || !redis)('Redis fan-out between instances', () => {
  it('an update made on one instance reaches the clients of the others, both ways, and every instance serves it', async () => {
    const [a, b, c] = await instances(3);
    const doc = fresh('board');
    const onA = connectClient(a!.server.url, doc);
    const onB = connectClient(b!.server.url, doc);
    const onC = connectClient(c!.server.url, doc);
    await waitFor(() => onA.provider.synced && onB.provider.synced && onC.provider.synced, 'all synced');
    onA.doc.getMap('m').set('from', 'a');
    onB.doc.getMap('m').set('other', 'b');
    for (const client of [onA, onB, onC]) await waitFor(() => client.doc.getMap('m').size === 2, 'both changes everywhere');
    for (const s of [a!, b!, c!]) {
      const json = await pollUntil(async () => (await fetch(`${s.http}/docs/${doc}`)).json(), (j) => isDeepStrictEqual(j, { m: { from: 'a', other: 'b' } }));
      expect(json).toEqual({ m: { from: 'a', other: 'b' } });
    }
    const health = (await (await fetch(`${a!.http}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, instance: 'i0', dependencies: { postgres: 'up', redis: 'up' } });
  });

  it('presence crosses instances, and leaves with its client', async () => {
    const [a, b] = await instances(2);
    const doc = fresh('presence');
    const onA = connectClient(a!.server.url, doc);
    const onB = connectClient(b!.server.url, doc);
    await waitFor(() => onA.provider.synced && onB.provider.synced, 'both synced');
    onA.provider.awareness.setLocalStateField('user', { name: 'ann' });
    const seen = () => [...onB.provider.awareness.getStates().values()].some((s) => (s as { user?: { name?: string } }).user?.name === 'ann');
    await waitFor(seen, 'ann visible on the other instance');
    onA.destroy();
    await waitFor(() => !seen(), 'ann gone on the other instance');
  });

  it('an instance that loads a document later gets the presence the others already have', async () => {
    const [a, b] = await instances(2);
    const doc = fresh('late');
    const onA = connectClient(a!.server.url, doc);
    await waitFor(() => onA.provider.synced, 'A synced');
    onA.provider.awareness.setLocalStateField('user', { name: 'early' });
    await waitFor(() => a!.server.stats().docs === 1, 'A loaded the document');
    // B loads the document only now; clients renew their presence every 15 s, later than this waits.
    const onB = connectClient(b!.server.url, doc);
    await waitFor(() => [...onB.provider.awareness.getStates().values()].some((s) => (s as { user?: { name?: string } }).user?.name === 'early'), 'early presence on B', 8_000);
  });

  it('closes a gap in the stream (an update whose publish was lost) from PostgreSQL', async () => {
    const [a, b] = await instances(2);
    const doc = fresh('gap');
    const onA = connectClient(a!.server.url, doc);
    const onB = connectClient(b!.server.url, doc);
    await waitFor(() => onA.provider.synced && onB.provider.synced, 'both synced');
    // Another instance stored an update, but its message never reached Redis: only its
    // sequence number was taken.
    const lost = new Y.Doc();
    lost.getMap('m').set('lost', 'found');
    const store = new PostgresPersistence(pg!.url);
    await store.append(doc, Y.encodeStateAsUpdate(lost));
    await store.close();
    lost.destroy();
    const raw = new Redis(redis!.url);
    await raw.incr(`tinysync:seq:${doc}`);
    await raw.quit();
    // The next update on A arrives on B with a number past the one it expects.
    onA.doc.getMap('m').set('next', 1);
    await waitFor(() => onB.doc.getMap('m').get('lost') === 'found' && onB.doc.getMap('m').get('next') === 1, 'B caught up from PostgreSQL');
  });

  it('loses nothing when Redis restarts: what was stored meanwhile reaches the other instances once it is back', async () => {
    if (!redis!.restart) return; // an external Redis cannot be restarted from here
    const [a, b] = await instances(2);
    const doc = fresh('restart');
    const onA = connectClient(a!.server.url, doc);
    const onB = connectClient(b!.server.url, doc);
    await waitFor(() => onA.provider.synced && onB.provider.synced, 'both synced');
    onA.doc.getMap('m').set('before', 1);
    await waitFor(() => onB.doc.getMap('m').get('before') === 1, 'first change crossed');
    const restarted = redis!.restart();
    onA.doc.getMap('m').set('during', 2);
    await restarted;
    onA.doc.getMap('m').set('after', 3);
    await waitFor(() => onB.doc.getMap('m').get('during') === 2 && onB.doc.getMap('m').get('after') === 3, 'changes made around the restart crossed', 20_000);
    const health = await pollUntil(async () => (await (await fetch(`${b!.http}/health`)).json()) as { dependencies: { redis: string } }, (h) => h.dependencies.redis === 'up');
    expect(health.dependencies.redis).toBe('up');
  });

  it('keeps streams bounded: trimmed to about 1,000 entries, with an expiry', async () => {
    const [a] = await instances(1);
    const doc = fresh('trim');
    const onA = connectClient(a!.server.url, doc);
    await waitFor(() => onA.provider.synced, 'synced');
    const raw = new Redis(redis!.url);
    for (let i = 0; i < 1300; i++) onA.doc.getMap('m').set('k', i);
    await pollUntil(() => raw.get(`tinysync:seq:${doc}`), (v) => Number(v) >= 1300, 30_000);
    const len = await raw.xlen(`tinysync:doc:${doc}`);
    expect(len).toBeGreaterThan(0);
    expect(len).toBeLessThanOrEqual(1100);
    expect(await raw.pttl(`tinysync:doc:${doc}`)).toBeGreaterThan(0);
    await raw.quit();
  });
});
