// Issue 17, point 3: the demo's viewer link. On a server with a secret, an editor (write token)
// and a viewer (a token whose paths allow only its own KPI slots) open the same board. The
// viewer sees the cards but cannot edit them in its browser (controls disabled; a write throws
// a PermissionError and changes nothing), its KPI button counts for everyone, and a client that
// skips the browser's check and writes a card with the viewer's token is closed with 4003
// without the server or the editor ever holding the change.
import { createSyncServer, createToken } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { boardName, boardText, cleanup, demoDist, ensureDemoBuilt, launchDevice, onCleanup, openDemo, tempDir, until } from './harness.js';

const SECRET = 'e2e-secret-0123456789abcdef0123456789';
const ALICE = { name: 'Alice', color: '#e11d48' };
const VERA = { name: 'Vera', color: '#2563eb' };

afterEach(cleanup);

describe('demo: a viewer link', () => {
  it('a viewer may press KPI buttons and be present, but not edit cards, in its browser or on the server', async () => {
    ensureDemoBuilt();
    const server = await createSyncServer({ host: '127.0.0.1', port: 0, dataDir: tempDir('tinysync-e2e-data-'), static: demoDist, secret: SECRET, logger: () => {} });
    onCleanup(() => server.close());
    const url = `http://127.0.0.1:${server.port}/`;
    const doc = boardName('viewer');
    const editorToken = await createToken({ secret: SECRET, doc, right: 'write', sub: 'alice' });
    const viewerToken = await createToken({ secret: SECRET, doc, right: 'write', sub: 'vera', paths: ['/kpis/*/{sub}'] });

    const editor = await openDemo(await launchDevice(ALICE), { url }, doc, `&token=${editorToken}`);
    await editor.locator('[data-column-id=todo] [data-testid=new-card-input]').fill('Ship it');
    await editor.locator('[data-column-id=todo] [data-testid=add-card]').click();
    await until('the editor synced', () => editor.evaluate(() => window.__tinysyncDemo!.store.synced().then(() => true)));

    const viewer = await openDemo(await launchDevice(VERA), { url }, doc, `&token=${viewerToken}`);
    await until('the viewer sees the card', async () => (await boardText(viewer)).todo?.[0] === 'Ship it');
    // Both see each other: presence is not restricted by paths.
    await until('the editor sees the viewer', async () => (await editor.locator('[data-testid=peer-name]', { hasText: 'Vera' }).count()) > 0);

    // In the viewer's browser: card controls disabled, a write refused at the assignment.
    expect(await viewer.locator('[data-column-id=todo] [data-testid=add-card]').isDisabled()).toBe(true);
    expect(await viewer.locator('[data-testid=card-delete]').first().isDisabled()).toBe(true);
    expect(await viewer.locator('[data-testid=card-title]').first().isDisabled()).toBe(true);
    const attempt = await viewer.evaluate(() => {
      const { store } = window.__tinysyncDemo!;
      const can = { card: store.canWrite(['columns', 0, 'cards', 0, 'title']), kpi: store.canWrite(['kpis', 'deploys', 'vera']), other: store.canWrite(['kpis', 'deploys', 'alice']) };
      try {
        store.data.columns[0]!.cards[0]!.title = 'Hijacked';
        return { can, error: null, title: store.data.columns[0]!.cards[0]!.title };
      } catch (err) {
        return { can, error: { name: (err as Error).name, code: (err as { code?: string }).code, path: (err as { path?: unknown }).path }, title: store.data.columns[0]!.cards[0]!.title };
      }
    });
    expect(attempt).toEqual({
      can: { card: false, kpi: true, other: false },
      error: { name: 'PermissionError', code: 'E_PERMISSION', path: ['columns', '*', 'cards', '*', 'title'] },
      title: 'Ship it',
    });

    // Its KPI button writes its own slot, and everyone sees the count.
    await viewer.locator('[data-kpi=deploys] [data-testid=kpi-increment]').click();
    await until('the editor sees the viewer\'s deploy', async () => (await editor.locator('[data-kpi=deploys] [data-testid=kpi-value]').textContent()) === '1');

    // On the server: a client with the viewer's token that skips the browser's check.
    const ydoc = new Y.Doc();
    const provider = new WebsocketProvider(`ws://127.0.0.1:${server.port}/sync`, encodeURIComponent(doc), ydoc, { WebSocketPolyfill: WebSocket as never, params: { token: viewerToken }, disableBc: true });
    onCleanup(() => {
      provider.destroy();
      ydoc.destroy();
    });
    await until('the raw client synced', () => provider.synced);
    const closes: { code: number; reason: string }[] = [];
    provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) closes.push({ code: event.code, reason: event.reason });
    });
    const card = ((ydoc.getMap('tinysync').get('columns') as Y.Array<Y.Map<unknown>>).get(0).get('cards') as Y.Array<Y.Map<unknown>>).get(0);
    card.set('title', 'Hijacked');
    await until('the raw client refused', () => closes.length > 0);
    provider.shouldConnect = false;
    expect(closes[0]).toEqual({ code: 4003, reason: 'path not writable: /columns/*/cards/*/title' });
    const stored = (await (await fetch(`${url}docs/${encodeURIComponent(doc)}`, { headers: { authorization: `Bearer ${editorToken}` } })).json()) as { tinysync: { columns: { cards: { title: string }[] }[]; kpis: Record<string, Record<string, number>> } };
    expect(stored.tinysync.columns[0]!.cards.map((c) => c.title)).toEqual(['Ship it']);
    expect(stored.tinysync.kpis.deploys).toEqual({ vera: 1 });
    expect((await boardText(editor)).todo).toEqual(['Ship it']);
  });
});
