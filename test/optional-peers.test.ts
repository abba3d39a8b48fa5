// The built package as npm installs it for a browser app: tinysync with its `dependencies`
// and none of its optional peers (better-sqlite3, ws, jose, send, yaml). The CLI says what to
// install (exit 1, no stack trace), tinysync/file and tinysync/db throw MissingPackageError,
// and everything that does not need a peer works.
//
// The install: a temp folder holding node_modules/tinysync (a COPY of package.json and dist/,
// so that Node resolves its imports from there, not from this repository) and a symlink per
// dependency listed in package.json (their own imports resolve from this repository).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../', import.meta.url));
const SECRET = 'test-secret-0123456789abcdef0123456789';
let root: string;
let cli: string;

/** Links `name` from this repository's node_modules into the temp install. */
function link(name: string): void {
  const to = join(root, 'node_modules', name);
  mkdirSync(join(to, '..'), { recursive: true });
  symlinkSync(join(repo, 'node_modules', name), to, 'dir');
}

beforeAll(() => {
  const dist = process.env.TINYSYNC_DIST ?? join(repo, 'dist');
  if (!existsSync(join(dist, 'cli.js'))) throw new Error(`${dist}/cli.js is missing: run "npm run build" first (npm test does)`);
  // Not under the repository: no node_modules above it may provide a peer.
  root = mkdtempSync(join(tmpdir(), 'tinysync-peerless-'));
  const pkgDir = join(root, 'node_modules/tinysync');
  mkdirSync(pkgDir, { recursive: true });
  cpSync(join(repo, 'package.json'), join(pkgDir, 'package.json'));
  cpSync(dist, join(pkgDir, 'dist'), { recursive: true });
  cli = join(pkgDir, 'dist/cli.js');
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(pkg.dependencies)) link(name);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tinysync(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000, env: { ...process.env, TINYSYNC_SECRET: SECRET } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs an ES module in the temp install (so `tinysync/...` resolves to the copy); its stdout. */
function script(code: string): string {
  const file = join(root, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('tinysync installed without its optional peers', () => {
  it('holds none of them (the symlinked dependencies are all it has)', () => {
    for (const name of ['better-sqlite3', 'ws', 'jose', 'send', 'yaml']) expect(existsSync(join(root, 'node_modules', name))).toBe(false);
  });

  it('`tinysync serve` and `tinysync token` print what to install and exit 1, without a stack trace', () => {
    for (const [command, args, missing] of [
      ['serve', ['--port', '0'], '"better-sqlite3", "ws", "jose", "send" are not installed'],
      ['token', ['--doc', 'd'], '"jose" is not installed'],
    ] as const) {
      const r = tinysync(command, ...args);
      // The server code is never loaded: a static import of it would have died in the module
      // loader (ERR_MODULE_NOT_FOUND, with a stack trace) before parsing any argument.
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`tinysync ${command} needs the server packages, and ${missing}.`);
      expect(r.stderr).toContain('npm install @tinysync/server');
      expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
      expect(r.stderr.trim().split('\n')).toHaveLength(3);
    }
  });

  it('`tinysync --help` and `tinysync serve --help` need no peer', () => {
    expect(tinysync('--help')).toMatchObject({ status: 0, stderr: '' });
    expect(tinysync('serve', '--help')).toMatchObject({ status: 0, stderr: '' });
  });

  it('tinysync/file writes JSON without yaml and names yaml for a .yaml file; tinysync/db names better-sqlite3', () => {
    const out = script(`
      import { trackFile, MissingPackageError } from 'tinysync/file';
      import { trackDb } from 'tinysync/db';
      const conf = await trackFile(${JSON.stringify(join(root, 'conf.json'))}, { theme: 'dark' });
      console.log('json', conf.theme);
      for (const open of [() => trackFile(${JSON.stringify(join(root, 'conf.yaml'))}, { theme: 'dark' }), () => trackDb(':memory:', {})]) {
        try { await open(); console.log('opened'); } catch (e) { console.log(e instanceof MissingPackageError, e.code, e.message); }
      }
      process.exit(0);
    `);
    expect(out.split('\n')).toEqual([
      'json dark',
      'true E_MISSING_PACKAGE tinysync: tinysync/file (for .yaml and .yml files) needs the "yaml" package, which is not installed: npm install yaml',
      'true E_MISSING_PACKAGE tinysync: tinysync/db (for SQLite) needs the "better-sqlite3" package, which is not installed: npm install better-sqlite3@12',
      '',
    ]);
  });

  it('the entries that need no peer load and work in Node', () => {
    const out = script(`
      import { track, snapshot } from 'tinysync';
      import { diff } from 'tinysync/diff';
      await Promise.all(['tinysync/extend', 'tinysync/crdt', 'tinysync/reconcile', 'tinysync/tasks'].map((e) => import(e)));
      const s = track({ n: 1 });
      s.n = 2;
      console.log(JSON.stringify(snapshot(s)), diff({ n: 1 }, snapshot(s)).length);
    `);
    expect(out).toBe('{"n":2} 1\n');
  });

  it('with jose alone, `tinysync token` prints a token and `tinysync serve` still names the rest', () => {
    link('jose');
    try {
      const token = tinysync('token', '--doc', 'board', '--write');
      expect(token.stderr).toBe('');
      expect(token.status).toBe(0);
      expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const serve = tinysync('serve', '--port', '0');
      expect(serve.status).toBe(1);
      expect(serve.stderr).toContain('"better-sqlite3", "ws", "send" are not installed');
      expect(serve.stderr).toContain('npm install better-sqlite3@12 ws send\n');
    } finally {
      rmSync(join(root, 'node_modules/jose'));
    }
  });
});
