// Durability and lifecycle with the server in a child process: SIGKILL right after a second
// client saw the last change loses nothing; SIGTERM closes clients with 1001 and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloseCode } from 'tinysync/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from './build-fixture.js';
import { cleanup, connectClient, startServer, synced, tempDir, waitFor } from './helpers.js';


afterEach(cleanup);

let built: { server: string; cli: string };
beforeAll(async () => {
  built = await buildServer();
}, 60_000);
afterAll(() => rmSync(dirname(built.server), { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Spawns `node args…` and resolves with the child and the first stdout line matching `pick`. */
function spawnNode(args: string[], pick: (line: string) => number | undefined): Promise<{ child: ChildProcess; port: number; stdout: () => string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        const port = pick(line);
        if (port !== undefined) return resolve({ child, port, stdout: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

const portOf = (key: string) => (line: string) => {
  try {
    const v = (JSON.parse(line) as Record<string, unknown>)[key];
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
};

describe('sync server: crash and shutdown', () => {
  it('serves every change after SIGKILL right after a second client received the last one', async () => {
    const dataDir = tempDir();
    const fixture = fileURLToPath(new URL('./fixtures/serve.mjs', import.meta.url));
    const { child, port } = await spawnNode([fixture, built.server, dataDir], portOf('port'));
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
    child.kill('SIGKILL');
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
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
    const { child, port, stdout } = await spawnNode([built.cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], portOf('port'));
    const url = `ws://127.0.0.1:${port}/sync`;
    const writer = connectClient(url, 'doc');
    const watcher = connectClient(url, 'doc');
    const codes: number[] = [];
    watcher.provider.on('connection-close', (e: CloseEvent | null) => e && codes.push(e.code));
    await Promise.all([synced(writer), synced(watcher)]);
    writer.doc.getMap('m').set('saved', 'yes');
    await waitFor(() => watcher.doc.getMap('m').get('saved') === 'yes', 'change relayed');
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(codes[0]).toBe(CloseCode.GOING_AWAY);
    // The last log line is written only after the documents were flushed and the database closed.
    expect(stdout()).toContain('"event":"closed"');
    writer.destroy();
    watcher.destroy();
    const { server } = await startServer({ dataDir });
    const reader = connectClient(server.url, 'doc');
    await waitFor(() => reader.doc.getMap('m').get('saved') === 'yes', 'data kept');
  });
});
