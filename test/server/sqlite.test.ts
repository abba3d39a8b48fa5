// The SQLite backend against the Persistence contract (the same tests run on PostgreSQL).
import { SqlitePersistence } from 'tinysync/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from './helpers.js';
import { persistenceContract } from './persistence-contract.js';

afterEach(cleanup);

const bytes = (...b: number[]) => Uint8Array.from(b);
const plain = (updates: Uint8Array[]) => updates.map((u) => [...u]);

describe('SqlitePersistence', () => {
  let dir = '';
  beforeEach(() => {
    dir = tempDir();
  });

  describe('contract', () => {
    persistenceContract({ open: () => new SqlitePersistence(dir), doc: (name) => name });
  });

  it('replaces compacted entries by the snapshot it is given, byte for byte', async () => {
    const store = new SqlitePersistence(dir);
    store.append('a', bytes(1));
    const mark = store.append('a', bytes(2));
    store.append('a', bytes(3));
    store.compact('a', bytes(12), mark);
    expect(plain(store.load('a').updates)).toEqual([[12], [3]]);
    await store.close();
  });
});
