// docs/install.md: the facts it states about the packages match package.json and
// packages/server (its ```ts examples run with every other page's in docs/examples.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_PACKAGES } from '../src/server/server-packages.js';

const doc = readFileSync(new URL('../docs/install.md', import.meta.url), 'utf8');
type Manifest = { dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Manifest;
const server = JSON.parse(readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8')) as Manifest & { name: string; version: string; bin: Record<string, string> };

describe('docs/install.md', () => {
  it('what it says each package holds is what the manifests say', () => {
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
