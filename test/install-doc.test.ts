// docs/install.md: its ```ts examples run (in Node, as README.md's do in readme.test.ts), and
// the facts it states about the packages match package.json and packages/server.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_PACKAGES } from '../src/server/server-packages.js';

const doc = readFileSync(new URL('../docs/install.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => !code.startsWith('// browser'));
type Manifest = { dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Manifest;
const server = JSON.parse(readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8')) as Manifest & { name: string; version: string; bin: Record<string, string> };
// Inside the project: the examples' imports resolve to this project's node_modules.
const scratch = fileURLToPath(new URL('../.readme-examples/', import.meta.url));
mkdirSync(scratch, { recursive: true });
const dir = mkdtempSync(join(scratch, 'install-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/install.md', () => {
  it.each(blocks.map((code, i) => [i + 1, code] as const))('example %i runs', async (i, code) => {
    const here = mkdtempSync(join(dir, `example-${i}-`));
    process.chdir(here);
    try {
      const file = join(here, 'example.ts');
      writeFileSync(file, code);
      await import(/* @vite-ignore */ file);
    } finally {
      process.chdir(cwd);
    }
  });

  it('what it says each package holds is what the manifests say', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(1);
    // The server's packages: optional peers of tinysync, dependencies of @tinysync/server.
    for (const name of COMMAND_PACKAGES.serve) {
      expect(root.dependencies[name], name).toBeUndefined();
      expect(root.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(server.dependencies[name], name).toBe(root.peerDependencies[name]);
      expect(doc).toContain(name);
    }
    expect(root.peerDependenciesMeta.yaml?.optional).toBe(true);
    expect(server.name).toBe('@tinysync/server');
    expect(server.dependencies.tinysync).toBe(server.version);
    expect(Object.keys(server.bin)).toEqual(['tinysync']);
    expect(doc).toContain('npx @tinysync/server serve');
    expect(doc).toContain(`(\`${root.peerDependencies['better-sqlite3']}\`)`);
  });
});
