// A server on PostgreSQL whose database goes away: /health says so (503, dependency down),
// loaded documents keep being served read-only, a change is refused with 4503 before it is
// applied (nothing lost: its client keeps it), and everything recovers when the database is back.
import { CloseCode, PostgresPersistence } from 'tinysync/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cleanup, connectClient, pollUntil, startServer, waitFor, type Client } from './helpers.js';
import { reportSkip, testPostgres } from './engines.js';

afterEach(cleanup);
const got = await testPostgres();
if ('skip' in got) reportSkip('PostgreSQL outage tests', got.skip);
const engine = 'engine' in got ? got.engine : undefined;
afterAll(() => engine?.stop());

function closeCodes(client: Client): number[] {
  const codes: number[] = [];
  client.provider.on('connection-close', (event: CloseEvent | null) => event && codes.push(event.code));
  return codes;
}

const health = async (http: string) => {
  const res = await fetch(`${http}/health`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; instance: string; readOnly: boolean; dependencies: Record<string, string> } };
};

describe.skipIf(!engine?.down)('PostgreSQL unreachable', () => {
  it('serves loaded documents read-only, refuses changes with 4503 and recovers by itself, losing nothing', async () => {
    const { server, http } = await startServer({ postgres: engine!.url, instanceId: 'i-1' });
    expect(await health(http)).toEqual({ status: 200, body: expect.objectContaining({ ok: true, instance: 'i-1', readOnly: false, dependencies: { postgres: 'up' } }) });
    const writer = connectClient(server.url, 'board');
    await waitFor(() => writer.provider.synced, 'writer synced');
    writer.doc.getMap('m').set('k', 'before');
    const reader = connectClient(server.url, 'board');
    await waitFor(() => reader.doc.getMap('m').get('k') === 'before', 'reader got the first change');

    await engine!.down!();
    const down = await pollUntil(() => health(http), (h) => h.status === 503, 20_000);
    expect(down.body).toMatchObject({ ok: false, readOnly: true, dependencies: { postgres: 'down' } });

    const codes = closeCodes(writer);
    writer.doc.getMap('m').set('k', 'during');
    await waitFor(() => codes.includes(CloseCode.STORAGE_UNAVAILABLE), 'writer closed with 4503');
    // The change was not applied (nobody saw it), and the document is still served.
    expect(reader.provider.wsconnected).toBe(true);
    expect(reader.doc.getMap('m').get('k')).toBe('before');
    expect(await (await fetch(`${http}/docs/board`)).json()).toEqual({ m: { k: 'before' } });

    await engine!.up!();
    await pollUntil(() => health(http), (h) => h.status === 200, 20_000);
    // The writer's client kept its change and sends it again once it reconnects.
    await waitFor(() => reader.doc.getMap('m').get('k') === 'during', 'the refused change arrives after recovery', 20_000);
    const store = new PostgresPersistence(engine!.url);
    const stored = new Y.Doc();
    for (const u of (await store.load('board')).updates) Y.applyUpdate(stored, u);
    expect(stored.getMap('m').toJSON()).toEqual({ k: 'during' });
    stored.destroy();
    await store.close();
  });

  it('starts while the database is down: says so at once, refuses the document with 4503, and serves it once the database is back', async () => {
    await engine!.down!();
    const { server, http } = await startServer({ postgres: engine!.url });
    const down = await pollUntil(() => health(http), (h) => h.status === 503);
    expect(down.body).toMatchObject({ readOnly: true, dependencies: { postgres: 'down' } });
    const client = connectClient(server.url, 'cold');
    const codes = closeCodes(client);
    await waitFor(() => codes.includes(CloseCode.STORAGE_UNAVAILABLE), 'refused with 4503');
    await engine!.up!();
    await pollUntil(() => health(http), (h) => h.status === 200, 20_000);
    await waitFor(() => client.provider.synced, 'the client gets in once the database is back', 20_000);
  });
});
