// HTTP endpoints: health, documents as JSON and as one update, static files.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { docToJSON } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cleanup, connectClient, pollUntil, startServer, synced, tempDir } from './helpers.js';
import { deepMapUpdate } from './deep-doc.js';
import { rawUpgrade } from './raw-upgrade.js';


afterEach(cleanup);

/** GET with the path sent verbatim (fetch would normalise `..` away). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP endpoints', () => {
  it('GET /health reports loaded documents, clients and uptime', async () => {
    const { server, http } = await startServer();
    expect(await (await fetch(`${http}/health`)).json()).toMatchObject({ ok: true, open: true, docs: 0, clients: 0 });
    const a = connectClient(server.url, 'one');
    const b = connectClient(server.url, 'two');
    await Promise.all([synced(a), synced(b)]);
    const health = (await (await fetch(`${http}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, docs: 2, clients: 2 });
    expect(typeof health.uptime).toBe('number');
  });

  it('GET /docs/<doc> exports every top-level type: maps, arrays, text, nested types, XML', async () => {
    const { server, http } = await startServer();
    const a = connectClient(server.url, 'rich');
    await synced(a);
    a.doc.transact(() => {
      const m = a.doc.getMap('settings');
      m.set('theme', 'dark');
      m.set('__proto__', { polluted: true });
      const nested = new Y.Map();
      nested.set('deep', [1, 2]);
      m.set('nested', nested);
      const arr = a.doc.getArray('todos');
      const todo = new Y.Map();
      todo.set('title', 'write tests');
      arr.push([todo, 'plain', 3]);
      a.doc.getText('notes').insert(0, 'hello');
      a.doc.getText('notes').format(0, 5, { bold: true });
      const frag = a.doc.getXmlFragment('xml');
      const el = new Y.XmlElement('p');
      el.insert(0, [new Y.XmlText('hi')]);
      frag.insert(0, [el]);
      const emptyList = a.doc.getArray('emptied');
      emptyList.push([1]);
      emptyList.delete(0, 1);
    });
    const body = await pollUntil(async () => (await (await fetch(`${http}/docs/rich`)).json()) as Record<string, unknown>, (b) => 'xml' in b && 'notes' in b);
    expect(body).toEqual({
      settings: { theme: 'dark', ['__proto__']: { polluted: true }, nested: { deep: [1, 2] } },
      todos: [{ title: 'write tests' }, 'plain', 3],
      notes: 'hello',
      xml: '<p>hi</p>',
      emptied: [],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('GET /docs/<doc>/update returns the whole state as one binary update; unknown paths 404', async () => {
    const { server, http } = await startServer();
    const a = connectClient(server.url, 'bin');
    await synced(a);
    a.doc.getArray('xs').push([1, 2, 3]);
    const bytes = await pollUntil(
      async () => new Uint8Array(await (await fetch(`${http}/docs/bin/update`)).arrayBuffer()),
      (u) => {
        const d = new Y.Doc();
        Y.applyUpdate(d, u);
        const n = d.getArray('xs').length;
        d.destroy();
        return n === 3;
      },
    );
    const copy = new Y.Doc();
    Y.applyUpdate(copy, bytes);
    expect(docToJSON(copy)).toEqual({ xs: [1, 2, 3] });
    copy.destroy();
    expect((await fetch(`${http}/docs/bin/other`)).status).toBe(404);
    expect((await fetch(`${http}/docs/bin/update`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${http}/sync/bin`)).status).toBe(426);
    expect((await fetch(`${http}/nothing-here`)).status).toBe(404);
  });

  it('GET /docs/<doc> answers 422 for a 30,000-deep nested map (not 500); the binary export and the server keep working', async () => {
    const { server, http, logs } = await startServer();
    const a = connectClient(server.url, 'deep');
    await synced(a);
    Y.applyUpdate(a.doc, deepMapUpdate(30_000));
    const res = await pollUntil(
      () => fetch(`${http}/docs/deep`),
      (r) => r.status !== 200,
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toBe(
      'document "deep": tinysync: "root" nests deeper than 1000 levels, too deep to export as JSON; fetch /docs/<doc>/update (one binary update) instead',
    );
    const bin = await fetch(`${http}/docs/deep/update`);
    expect(bin.status).toBe(200);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, new Uint8Array(await bin.arrayBuffer()));
    expect(copy.getMap('root').has('child')).toBe(true);
    copy.destroy();
    expect((await fetch(`${http}/health`)).status).toBe(200);
    expect(logs.filter((l) => l.event === 'http-error')).toEqual([]);
  });

  it('answers a `//host…` request target with 400/404, never 500, and never reads it as another host', async () => {
    const { http, logs } = await startServer();
    // `//evil.example/health` once resolved to `/health` on host evil.example; `//a:b/...` threw.
    for (const [path, status] of [
      ['//evil.example/health', 404],
      ['//a:b/health', 404],
      ['//[/docs/x', 404],
      ['///health', 404],
    ] as const) {
      expect({ path, status: (await rawGet(http, path)).status }).toEqual({ path, status });
    }
    for (const path of ['//a:b/sync/doc', '//evil.example/sync/doc']) {
      const answer = await rawUpgrade(http, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
    expect(logs.filter((l) => l.event === 'http-error' || l.event === 'upgrade-error')).toEqual([]);
  });
});

describe('static files', () => {
  function site(): string {
    const dir = tempDir();
    const root = join(dir, 'site');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'app-1234.css'), 'body{}');
    writeFileSync(join(root, 'manifest.webmanifest'), '{}');
    writeFileSync(join(dir, 'secret.txt'), 'top secret');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'leak.txt'));
    return root;
  }

  it('serves files with content types and cache headers, falls back to index.html for routes', async () => {
    const { http } = await startServer({ static: site() });
    const index = await fetch(`${http}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>demo</title>');
    const sw = await fetch(`${http}/sw.js`);
    expect(sw.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const js = await fetch(`${http}/assets/app-1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${http}/assets/app-1234.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${http}/manifest.webmanifest`)).headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    const route = await fetch(`${http}/boards/42`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>demo</title>');
    expect((await fetch(`${http}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${http}/health`)).status).toBe(200);
  });

  it('sends .ico as an image, answers HEAD without a body, and a file removed after start with 404', async () => {
    const root = site();
    writeFileSync(join(root, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    writeFileSync(join(root, 'gone.txt'), 'soon gone');
    const { http } = await startServer({ static: root });
    const ico = await fetch(`${http}/favicon.ico`);
    expect(ico.headers.get('content-type')).toBe('image/x-icon');
    expect(new Uint8Array(await ico.arrayBuffer())).toEqual(new Uint8Array([0, 0, 1, 0]));
    const head = await fetch(`${http}/assets/app-1234.js`, { method: 'HEAD' });
    expect({ status: head.status, length: head.headers.get('content-length'), body: await head.text() }).toEqual({ status: 200, length: '14', body: '' });
    // A rebuild of the folder while the server runs must not take the server down.
    rmSync(join(root, 'gone.txt'));
    expect((await fetch(`${http}/gone.txt`)).status).toBe(404);
    expect((await fetch(`${http}/health`)).status).toBe(200);
  });

  it('answers byte ranges (206, suffix ranges, 416 past the end) and conditional GETs (304)', async () => {
    const root = site();
    writeFileSync(join(root, 'digits.txt'), '0123456789');
    const { http } = await startServer({ static: root });
    const part = await fetch(`${http}/digits.txt`, { headers: { Range: 'bytes=2-4' } });
    expect({ status: part.status, range: part.headers.get('content-range'), body: await part.text() }).toEqual({ status: 206, range: 'bytes 2-4/10', body: '234' });
    const tail = await fetch(`${http}/digits.txt`, { headers: { Range: 'bytes=-3' } });
    expect({ status: tail.status, body: await tail.text() }).toEqual({ status: 206, body: '789' });
    const past = await fetch(`${http}/digits.txt`, { headers: { Range: 'bytes=20-30' } });
    expect({ status: past.status, range: past.headers.get('content-range') }).toEqual({ status: 416, range: 'bytes */10' });
    const full = await fetch(`${http}/index.html`);
    const etag = full.headers.get('etag');
    expect(etag).toBeTruthy();
    // Raw requests: fetch adds `Cache-Control: no-cache` to a conditional request, which asks for a 200.
    const again = await rawGet(http, '/index.html', { 'If-None-Match': etag! });
    expect({ status: again.status, body: again.body }).toEqual({ status: 304, body: '' });
    expect((await rawGet(http, '/index.html', { 'If-None-Match': '"other"' })).status).toBe(200);
  });

  it('refuses dot-file segments with 404, without falling back to index.html', async () => {
    const root = site();
    writeFileSync(join(root, '.env'), 'SECRET=top secret');
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, '.git', 'config'), 'top secret');
    writeFileSync(join(root, 'assets', '.hidden.js'), 'top secret');
    symlinkSync(join(root, '.env'), join(root, 'env.txt'));
    const { http } = await startServer({ static: root });
    for (const path of ['/.env', '/.git/config', '/.git', '/%2egit/config', '/assets/.hidden.js', '/env.txt', '/.well-known/nothing']) {
      const res = await rawGet(http, path);
      expect({ path, status: res.status, leaked: res.body.includes('top secret') || res.body.includes('<title>demo') }).toEqual({ path, status: 404, leaked: false });
    }
    expect((await fetch(`${http}/assets/app-1234.js`)).status).toBe(200);
  });

  it('refuses to start with a static folder that does not exist', async () => {
    await expect(startServer({ static: join(tempDir(), 'missing') })).rejects.toThrow(/static/);
  });

  it('refuses to leave the folder: .., encoded .., backslashes, NUL, symlinks out', async () => {
    const { http } = await startServer({ static: site() });
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/index.html%00.js', '/leak.txt', '/%E0%A4%A.txt']) {
      const res = await rawGet(http, path);
      expect({ path, status: res.status, leaked: res.body.includes('top secret') }).toEqual({ path, status: 404, leaked: false });
    }
  });
});
