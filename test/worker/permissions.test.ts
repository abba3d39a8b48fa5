// Issue 17, point 3 (in Node): the store's side of path rules. A token's rules are read from
// the token; a local write outside them throws a PermissionError at the assignment, the tree
// unchanged and nobody notified, as createStore sets it up (setWriteGuard + guardWrites).
import { onBatch, setWriteGuard, toRaw } from 'tinysync/extend';
import { snapshot, subscribe, track, transact, type Change } from 'tinysync';
import { PermissionError } from 'tinysync/browser';
import { text } from 'tinysync/crdt';
import { createToken } from 'tinysync/server';
import { describe, expect, it } from 'vitest';
import { guardWrites, rulePath, tokenRules } from '../../src/worker/permissions.js';

const SECRET = 'test-secret-0123456789abcdef0123456789';

async function guarded(paths: string[], sub = 'alice') {
  const rules = tokenRules(await createToken({ secret: SECRET, doc: 'd', right: 'write', sub, paths }))!;
  const data = track({
    kpis: { sales: { alice: 1, bob: 2 } } as Record<string, Record<string, number>>,
    cards: [{ title: 'one' }] as { title: string }[],
    tags: new Set(['a']),
    owners: new Map([['x', { n: 1 }]]),
    notes: text('hi'),
    settings: { theme: 'dark' } as Record<string, unknown>,
  });
  setWriteGuard(data, guardWrites(() => toRaw(data), rules));
  const batches: Change[][] = [];
  onBatch(data, (changes) => batches.push([...changes]));
  /** Runs a write; returns the refused path (the tree must then be unchanged and no batch delivered), or null. */
  const shown = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (x instanceof Set || x instanceof Map ? [...x] : x));
  const tryWrite = (write: () => void): string[] | null => {
    const before = shown(snapshot(data));
    const delivered = batches.length;
    try {
      write();
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(PermissionError);
      expect(shown(snapshot(data))).toBe(before);
      // What reads through the proxies show is undone too (a plain object's proxy reads its shadow).
      expect(shown(data)).toBe(before);
      expect(batches.length).toBe(delivered);
      return (err as PermissionError).path as string[];
    }
  };
  return { data, rules, tryWrite };
}

describe('client-side path rules', () => {
  it('reads the rules from the token ({sub} from its sub); no paths claim or no token: no rules', async () => {
    const rules = tokenRules(await createToken({ secret: SECRET, doc: 'd', right: 'write', sub: 'bob', paths: ['/kpis/*/{sub}'] }));
    expect(rules?.allows(['kpis', 'x', 'bob'])).toBe(true);
    expect(rules?.allows(['kpis', 'x', 'alice'])).toBe(false);
    expect(tokenRules(await createToken({ secret: SECRET, doc: 'd', right: 'write' }))).toBeNull();
    expect(tokenRules(undefined)).toBeNull();
    expect(tokenRules('not.a-token')).toBeNull();
  });

  it('refuses a write outside the rules at the assignment with a PermissionError (code, path); allowed writes pass', async () => {
    const { data, tryWrite } = await guarded(['/kpis/*/{sub}']);
    expect(tryWrite(() => (data.kpis.sales!.alice = 3))).toBeNull();
    expect(data.kpis.sales!.alice).toBe(3);
    expect(tryWrite(() => (data.kpis.sales!.bob = 3))).toEqual(['kpis', 'sales', 'bob']);
    expect(tryWrite(() => (data.settings.theme = 'light'))).toEqual(['settings', 'theme']);
    let caught: unknown;
    try {
      data.cards[0]!.title = 'x';
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ name: 'PermissionError', code: 'E_PERMISSION', path: ['cards', '*', 'title'] });
    expect(data.cards[0]!.title).toBe('one');
  });

  it('counts what the server counts: array items as *, new values\' keys, containers replaced or deleted, Sets, Maps, text', async () => {
    const { data, tryWrite } = await guarded(['/cards/*', '/tags/*', '/owners/*', '/settings/*']);
    expect(tryWrite(() => data.cards.push({ title: 'two' }))).toEqual(['cards', '*', 'title']);
    expect(tryWrite(() => data.cards.splice(0, 1))).toEqual(['cards', '*', '**']);
    expect(tryWrite(() => data.tags.add('b'))).toBeNull();
    expect(tryWrite(() => data.tags.delete('a'))).toBeNull();
    expect(tryWrite(() => data.owners.delete('x'))).toEqual(['owners', 'x', '**']);
    expect(tryWrite(() => data.owners.clear())).toEqual(['owners', 'x', '**']);
    expect(tryWrite(() => data.notes.insert(0, '!'))).toEqual(['notes']);
    expect(tryWrite(() => (data.settings.extra = { a: 1 }))).toEqual(['settings', 'extra', 'a']);
    expect(tryWrite(() => (data.settings.extra = 1))).toBeNull();
    const deep = await guarded(['/cards/**', '/notes']);
    expect(deep.tryWrite(() => deep.data.cards.push({ title: 'two' }))).toBeNull();
    expect(deep.tryWrite(() => deep.data.cards.splice(0, 1))).toBeNull();
    expect(deep.tryWrite(() => deep.data.notes.insert(0, '!'))).toBeNull();
  });

  it('a refused write inside transact rolls the whole transaction back', async () => {
    const { data, tryWrite } = await guarded(['/kpis/*/alice']);
    const seen: Change[] = [];
    subscribe(data, ['kpis'], (c) => seen.push(c));
    expect(
      tryWrite(() =>
        transact(data, () => {
          data.kpis.sales!.alice = 10;
          data.kpis.sales!.bob = 10;
        }),
      ),
    ).toEqual(['kpis', 'sales', 'bob']);
    expect(data.kpis.sales).toEqual({ alice: 1, bob: 2 });
    expect(seen).toEqual([]);
  });

  it('rulePath names array positions * (what store.canWrite matches)', async () => {
    const { data, rules } = await guarded(['/cards/*/title']);
    expect(rulePath(toRaw(data), ['cards', 0, 'title'])).toEqual(['cards', '*', 'title']);
    expect(rules.allows(rulePath(toRaw(data), ['cards', 5, 'title']))).toBe(true);
    expect(rules.allows(rulePath(toRaw(data), ['kpis', 'sales']))).toBe(false);
  });
});
