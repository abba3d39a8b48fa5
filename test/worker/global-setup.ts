// Starts a tinysync server for the browser tests (which cannot start one themselves) and hands
// its URL and tokens to them through vitest's `provide`/`inject`. Used by the browser project:
//   globalSetup: ['test/worker/global-setup.ts']
// The server runs in a child process from the built package (`dist/`, made by `npm test`'s
// build step; built into a temp dir when missing).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    tinysyncServer: { url: string; writeToken: string; readToken: string; prefix: string } | null;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let dist = join(root, 'dist');
  let tempDist: string | null = null;
  if (!existsSync(join(dist, 'server.js'))) {
    tempDist = mkdtempSync(join(tmpdir(), 'tinysync-dist-'));
    const built = spawnSync('npx', ['vite', 'build', '--outDir', tempDist, '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('global-setup: could not build the package for the test server');
    dist = tempDist;
  }
  const child = spawn(process.execPath, [fileURLToPath(new URL('./serve-for-browser-tests.mjs', import.meta.url)), dist], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = await new Promise<{ url: string; writeToken: string; readToken: string; prefix: string }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`global-setup: test server exited (${code})`)));
  });
  project.provide('tinysyncServer', info);
  return async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    if (tempDist) rmSync(tempDist, { recursive: true, force: true });
  };
}
