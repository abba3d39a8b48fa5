// Which packages each CLI command checks before loading the server code, and the message a
// missing one gives (the resolver is injected; test/optional-peers.test.ts runs the built CLI).
import { describe, expect, it } from 'vitest';
import { COMMAND_PACKAGES, missingPackages, missingPackagesMessage } from '../../src/server/server-packages.js';

const only = (installed: string[]) => (name: string) => {
  if (!installed.includes(name)) throw Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  return `file:///x/node_modules/${name}/index.js`;
};

describe('missingPackages', () => {
  it('serve needs the SQLite driver, ws, jose and send; token needs jose only', () => {
    expect(missingPackages('serve', only([]))).toEqual(['better-sqlite3', 'ws', 'jose', 'send']);
    expect(missingPackages('serve', only(['jose', 'ws']))).toEqual(['better-sqlite3', 'send']);
    expect(missingPackages('serve', only([...COMMAND_PACKAGES.serve]))).toEqual([]);
    expect(missingPackages('token', only(['ws']))).toEqual(['jose']);
    expect(missingPackages('token', only(['jose']))).toEqual([]);
  });

  it('finds every package in this repository with the default resolver (they are devDependencies here)', () => {
    expect(missingPackages('serve')).toEqual([]);
  });
});

describe('missingPackagesMessage', () => {
  it('names the missing packages, @tinysync/server, and a Node 20 compatible better-sqlite3', () => {
    const text = missingPackagesMessage('serve', ['better-sqlite3', 'send']);
    expect(text).toContain('tinysync serve needs the server packages, and "better-sqlite3", "send" are not installed.');
    expect(text).toContain('npm install @tinysync/server');
    expect(text).toContain('npx @tinysync/server serve');
    expect(text).toContain('npm install better-sqlite3@12 send\n');
    expect(missingPackagesMessage('token', ['jose'])).toMatch(/"jose" is not installed[^]*npm install jose\n$/);
  });
});
