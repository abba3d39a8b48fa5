// Concurrency, starting state, undo and the safety of applyUpdate.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshot, subscribe, track, transact, type Change } from 'tinysync';
import { bind, UpdateError } from 'tinysync/crdt';
import { docValue, replica } from './replicas.js';

/** Exchanges everything each doc has that the other lacks, through the bindings. */
function sync(...rs: ReturnType<typeof replica>[]): void {
  for (const a of rs) for (const b of rs) if (a !== b) b.binding.applyUpdate(Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
}

describe('concurrent edits', () => {
  it('edits to different fields of one object all survive on every replica', () => {
    const rs = [0, 1, 2].map(() => replica({ card: { title: 't', color: 'red', size: 1, tags: new Set<string>() } }));
    rs[0]!.state.card.title = 'from 0';
    rs[1]!.state.card.color = 'blue';
    rs[2]!.state.card.size = 3;
    rs[2]!.state.card.tags.add('x');
    rs[1]!.state.card.tags.add('y');
    sync(...rs);
    for (const r of rs) expect(snapshot(r.state)).toEqual({ card: { title: 'from 0', color: 'blue', size: 3, tags: new Set(['x', 'y']) } });
    rs.forEach((r) => r.destroy());
  });

  it('concurrent pushes to one array all survive on every replica', () => {
    const rs = [0, 1, 2].map(() => replica({ list: [{ n: 0 }] }));
    rs.forEach((r, i) => r.state.list.push({ n: i + 1 }, { n: i + 10 }));
    sync(...rs);
    const expected = snapshot(rs[0]!.state);
    expect(expected.list.map((x) => x.n).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 10, 11, 12]);
    for (const r of rs) {
      expect(snapshot(r.state)).toEqual(expected);
      expect(docValue(r.doc)).toEqual(expected);
    }
    rs.forEach((r) => r.destroy());
  });
});

describe('starting state', () => {
  it('two peers starting offline from the same initial value keep both sides\' edits, without duplicates', () => {
    const initial = () => ({ todos: [{ title: 'a', done: false }], meta: { owner: 'x', counts: new Map([['a', 1]]) } });
    const a = replica(initial());
    const b = replica(initial());
    a.state.todos[0]!.done = true;
    a.state.meta.counts.set('b', 2);
    a.state.todos.push({ title: 'from a', done: false });
    b.state.todos[0]!.title = 'A';
    b.state.meta.owner = 'y';
    b.state.todos.push({ title: 'from b', done: true });
    sync(a, b);
    const expected = snapshot(a.state);
    expect(snapshot(b.state)).toEqual(expected);
    expect(expected.todos[0]).toEqual({ title: 'A', done: true });
    expect(expected.todos).toHaveLength(3);
    expect(expected.meta).toEqual({ owner: 'y', counts: new Map([['a', 1], ['b', 2]]) });
    a.destroy();
    b.destroy();
  });

  it('different initial values do not share items: the doc state simply merges', () => {
    const a = replica({ x: { v: 1 } });
    const b = replica({ x: { v: 2 } });
    sync(a, b);
    expect(snapshot(a.state)).toEqual(snapshot(b.state));
    a.destroy();
    b.destroy();
  });

  it('a doc that already holds data wins over the initial value (origin "load")', () => {
    const source = replica({ list: [1, 2], o: { k: 'v' } });
    source.state.list.push(3);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(source.doc));
    const state = track({ list: [9], o: { k: 'other', extra: true } as Record<string, unknown>, gone: 1 } as Record<string, unknown>);
    const seen: Change[] = [];
    subscribe(state, [], (c) => seen.push(c));
    const binding = bind(state, doc);
    expect(snapshot(state)).toEqual({ list: [1, 2, 3], o: { k: 'v' } });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c.origin === 'load')).toBe(true);
    // Loading wrote nothing back; later local edits go on from the loaded state.
    expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(source.doc));
    (state.list as number[]).push(4);
    expect(docValue(doc)).toEqual(snapshot(state));
    binding.destroy();
    doc.destroy();
    source.destroy();
  });

  it('an array root, a Map root and a Set root work too', () => {
    for (const make of [() => [1, { a: 2 }], () => new Map([['k', [1]]]), () => new Set([1, 'x'])] as (() => object)[]) {
      const a = replica(make());
      const b = replica(make());
      if (Array.isArray(a.state)) (a.state as unknown[]).push(3);
      else if (a.state instanceof Map) a.state.set('j', 2);
      else (a.state as Set<unknown>).add(null);
      sync(a, b);
      expect(snapshot(b.state)).toEqual(snapshot(a.state));
      a.destroy();
      b.destroy();
    }
  });
});

describe('undo / redo', () => {
  it('undoes local transactions one at a time and never a remote edit', () => {
    const a = replica({ n: 0, list: [] as number[], other: '' });
    const b = replica({ n: 0, list: [] as number[], other: '' });
    a.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== 'from-b') b.binding.applyUpdate(u);
    });
    b.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === b.binding.origin) Y.applyUpdate(a.doc, u, 'from-b');
    });
    transact(a.state, () => {
      a.state.n = 1;
      a.state.list.push(1, 2);
    });
    a.state.n = 2;
    b.state.other = 'remote';
    b.state.list.push(9);
    expect(snapshot(a.state)).toEqual({ n: 2, list: [1, 2, 9], other: 'remote' });
    const seen: Change[] = [];
    subscribe(a.state, [], (c) => seen.push(c));
    expect(a.binding.undo()).toBe(true);
    expect(snapshot(a.state)).toEqual({ n: 1, list: [1, 2, 9], other: 'remote' });
    expect(a.binding.undo()).toBe(true);
    expect(snapshot(a.state)).toEqual({ n: 0, list: [9], other: 'remote' });
    expect(a.binding.undo()).toBe(false);
    expect(snapshot(a.state).other).toBe('remote');
    expect(seen.every((c) => c.origin === 'local')).toBe(true);
    // Undo travels to the peer like any local change.
    expect(snapshot(b.state)).toEqual(snapshot(a.state));
    expect(a.binding.redo()).toBe(true);
    expect(snapshot(a.state)).toEqual({ n: 1, list: [1, 2, 9], other: 'remote' });
    expect(snapshot(b.state)).toEqual(snapshot(a.state));
    expect(docValue(a.doc)).toEqual(snapshot(a.state));
    a.destroy();
    b.destroy();
  });
});

describe('applyUpdate and refused values', () => {
  it('malformed bytes throw E_UPDATE and change neither the tree nor the doc', () => {
    const a = replica({ list: [1, 2, 3] });
    const good = (() => {
      const other = replica({ list: [1, 2, 3] });
      other.state.list.push(4, 5, 6);
      const u = Y.encodeStateAsUpdate(other.doc);
      other.destroy();
      return u;
    })();
    const before = Y.encodeStateAsUpdate(a.doc);
    const snap = snapshot(a.state);
    const bad = [new Uint8Array([255, 255, 255, 1, 2]), good.slice(0, good.length - 3), new Uint8Array([1, 1, 200, 1, 0, 8, 1, 3])];
    for (const bytes of bad) {
      let err: unknown;
      try {
        a.binding.applyUpdate(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UpdateError);
      expect((err as UpdateError).code).toBe('E_UPDATE');
      expect(snapshot(a.state)).toEqual(snap);
      expect(Y.encodeStateAsUpdate(a.doc)).toEqual(before);
    }
    a.binding.applyUpdate(good);
    expect(snapshot(a.state).list).toEqual([1, 2, 3, 4, 5, 6]);
    a.destroy();
  });

  it('values the binding cannot represent are refused at the assignment, nothing sent', () => {
    const a = replica({ o: {} as Record<string, unknown> });
    for (const bad of [undefined, () => 1, new Date(), Number.NaN, new Uint8Array(2)]) {
      expect(() => (a.state.o.x = bad)).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    }
    expect(a.updates).toHaveLength(0);
    expect(docValue(a.doc)).toEqual(snapshot(a.state));
    a.destroy();
  });

  it('binding a tree that is already bound, a non-tracked value or a nested object is refused', () => {
    const a = replica({ x: 1 });
    expect(() => bind(a.state, a.doc)).toThrow(expect.objectContaining({ code: 'E_BIND' }));
    const other = new Y.Doc();
    expect(() => bind(a.state, other)).toThrow(expect.objectContaining({ code: 'E_BIND' }));
    expect(() => bind({ x: 1 }, a.doc)).toThrow(expect.objectContaining({ code: 'E_BIND' }));
    const nested = track({ n: { m: 1 } });
    expect(() => bind(nested.n, new Y.Doc())).toThrow(expect.objectContaining({ code: 'E_BIND' }));
    a.destroy();
  });
});

describe('undo is opt-in', () => {
  it('without { undo: true } undo() throws E_BIND and deleted content is collected', () => {
    const state = track({ list: [1, 2, 3] as number[] });
    const doc = new Y.Doc();
    const binding = bind(state, doc);
    state.list.splice(0, 3);
    expect(() => binding.undo()).toThrow(expect.objectContaining({ code: 'E_BIND' }));
    expect(binding.canUndo()).toBe(false);
    const withUndo = replica({ list: [1, 2, 3] as number[] }, { undo: true });
    withUndo.state.list.splice(0, 3);
    // The undo history keeps the deleted items' content; without it Yjs drops it.
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThan(Y.encodeStateAsUpdate(withUndo.doc).byteLength);
    binding.destroy();
    doc.destroy();
    withUndo.destroy();
  });
});

describe('reacting to remote changes', () => {
  it('a subscriber that writes in response to a remote change is synced like any local change', () => {
    const a = replica({ count: 0, seen: 0 });
    const b = replica({ count: 0, seen: 0 });
    a.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (a.binding.localOrigins.has(origin)) b.binding.applyUpdate(u);
    });
    b.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (b.binding.localOrigins.has(origin)) a.binding.applyUpdate(u);
    });
    subscribe(b.state, ['count'], (c) => {
      if (c.origin === 'remote') b.state.seen = b.state.count;
    });
    a.state.count = 5;
    expect(snapshot(b.state)).toEqual({ count: 5, seen: 5 });
    expect(snapshot(a.state)).toEqual({ count: 5, seen: 5 });
    expect(docValue(b.doc)).toEqual(snapshot(b.state));
    a.destroy();
    b.destroy();
  });
});

describe('loading and lifetime', () => {
  it('after a load of Maps, Sets and texts, edits flow both ways inside the loaded containers', async () => {
    const { text } = await import('tinysync/crdt');
    const make = () => ({ m: new Map<string, unknown>([['a', { n: 1 }]]), s: new Set<unknown>([1]), t: text('hi'), list: [{ k: 1 }] as { k: number }[] });
    const source = replica(make());
    source.state.m.set('b', [1, 2]);
    source.state.s.add('x');
    source.state.t.insert(2, '!');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(source.doc));
    const state = track({ m: new Map<string, unknown>(), s: new Set<unknown>(), t: text(''), list: [] as { k: number }[] });
    const binding = bind(state, doc);
    expect(snapshot(state)).toEqual(snapshot(source.state));
    expect(state.m).toBeInstanceOf(Map);
    expect(state.s).toBeInstanceOf(Set);
    // Local edits inside loaded containers reach the doc...
    (state.m.get('a') as { n: number }).n = 2;
    state.list[0]!.k = 5;
    state.t.insert(0, '>');
    expect(docValue(doc)).toEqual(snapshot(state));
    // ...and remote edits inside them reach the tree, marked as 'load' when asked.
    const seen: Change[] = [];
    subscribe(state, [], (c) => seen.push(c));
    source.binding.applyUpdate(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(source.doc)));
    source.state.s.delete(1);
    source.state.list.push({ k: 9 });
    binding.applyUpdate(Y.encodeStateAsUpdate(source.doc, Y.encodeStateVector(doc)), 'load');
    expect(snapshot(state)).toEqual(snapshot(source.state));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c.origin === 'load')).toBe(true);
    binding.destroy();
    doc.destroy();
    source.destroy();
  });

  it('destroy() stops both directions', () => {
    const a = replica({ n: 0 });
    const b = replica({ n: 0 });
    a.binding.destroy();
    a.state.n = 1;
    expect(a.doc.getMap('tinysync').get('n')).toBe(0);
    b.state.n = 2;
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc));
    expect(a.state.n).toBe(1);
    const again = new Y.Doc();
    const rebound = bind(a.state, again); // free to bind again
    expect(again.getMap('tinysync').get('n')).toBe(1);
    rebound.destroy();
    again.destroy();
    a.destroy(); // a second destroy() is harmless
    b.destroy();
  });
});
