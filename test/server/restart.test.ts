// Durability and lifecycle with the server in a child process: SIGKILL right after a second
// client saw the last change loses nothing; SIGTERM closes clients with 1001 and exits 0.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloseCode } from 'tinysync/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listeningPort, startChild, type Child } from '../child.js';
import { buildServer } from './build-fixture.js';
import { cleanup, connectClient, startServer, synced, tempDir, waitFor } from './helpers.js';


afterEach(cleanup);

let built: { server: string; cli: string };
beforeAll(async () => {
  built = await buildServer();
}, 60_000);
afterAll(() => rmSync(dirname(built.server), { recursive: true, force: true }));

const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
});

/** `node script args…`, killed after the test if still running, and the port it listens on. */
async function serve(script: string, args: string[]): Promise<{ child: Child; port: number }> {
  const child = startChild(pathToFileURL(script), args, {});
  children.push(child);
  return { child, port: await listeningPort(child) };
}

describe('sync server: crash and shutdown', () => {
  it('serves every change after SIGKILL right after a second client received the last one', async () => {
    const dataDir = tempDir();
    const fixture = fileURLToPath(new URL('./fixtures/serve.mjs', import.meta.url));
    const { child, port } = await serve(fixture, [built.server, dataDir]);
    const url = `ws://127.0.0.1:${port}/sync`;
    const writer = connectClient(url, 'crash');
    const watcher = connectClient(url, 'crash');
    await Promise.all([synced(writer), synced(watcher)]);
    for (let i = 0; i < 100; i++) {
      if (i % 3 === 0) writer.doc.getMap('m').set(`k${i}`, i);
      else if (i % 3 === 1) writer.doc.getText('t').insert(0, `${i};`);
      else writer.doc.getArray<number>('a').push([i]);
    }
    writer.doc.getMap('m').set('last', true);
    await waitFor(() => watcher.doc.getMap('m').get('last') === true, 'watcher received the last change');
    child.proc.kill('SIGKILL');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const expected = {
      m: writer.doc.getMap('m').toJSON(),
      t: writer.doc.getText('t').toString(),
      a: writer.doc.getArray('a').toJSON(),
    };
    writer.destroy();
    watcher.destroy();

    const { server } = await startServer({ dataDir });
    const reader = connectClient(server.url, 'crash');
    await synced(reader);
    await waitFor(() => reader.doc.getMap('m').get('last') === true, 'restarted server has the last change');
    expect({ m: reader.doc.getMap('m').toJSON(), t: reader.doc.getText('t').toString(), a: reader.doc.getArray('a').toJSON() }).toEqual(expected);
  });

  it('`tinysync serve` on SIGTERM closes clients with 1001, keeps their data and exits 0', async () => {
    const dataDir = tempDir();
    const { child, port } = await serve(built.cli, ['serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir]);
    const url = `ws://127.0.0.1:${port}/sync`;
    const writer = connectClient(url, 'doc');
    const watcher = connectClient(url, 'doc');
    const codes: number[] = [];
    watcher.provider.on('connection-close', (e: CloseEvent | null) => e && codes.push(e.code));
    await Promise.all([synced(writer), synced(watcher)]);
    writer.doc.getMap('m').set('saved', 'yes');
    await waitFor(() => watcher.doc.getMap('m').get('saved') === 'yes', 'change relayed');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(codes[0]).toBe(CloseCode.GOING_AWAY);
    // The last log line is written only after the documents were flushed and the database closed.
    expect(child.lines.join('\n')).toContain('"event":"closed"');
    writer.destroy();
    watcher.destroy();
    const { server } = await startServer({ dataDir });
    const reader = connectClient(server.url, 'doc');
    await waitFor(() => reader.doc.getMap('m').get('saved') === 'yes', 'data kept');
  });
});
