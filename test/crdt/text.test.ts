// text(): a field backed by Y.Text. Concurrent typing merges character-wise; plain strings
// stay last-writer-wins; edits reach subscribers as op 'text' with their origin.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { snapshot, subscribe, transact, type Change } from 'tinysync';
import { text, type TrackedText } from 'tinysync/crdt';
import { connectedPair, docValue, replica } from './replicas.js';

type Doc = { title: string; body: TrackedText };
const make = (): Doc => ({ title: 'plain', body: text('hello world') });

function sync(a: ReturnType<typeof replica>, b: ReturnType<typeof replica>): void {
  b.binding.applyUpdate(Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
  a.binding.applyUpdate(Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc)));
}

describe('text()', () => {
  it('maps to Y.Text: insert / delete are Y.Text edits, and the peer hears op "text" with origin remote', () => {
    const [a, b, done] = connectedPair(make);
    const body = a.doc.getMap('tinysync').get('body');
    expect(body).toBeInstanceOf(Y.Text);
    const deltas: unknown[] = [];
    (body as Y.Text).observe((e) => deltas.push(e.delta));
    const heard: Change[] = [];
    subscribe(b.state, ['body'], (c) => heard.push(c));
    a.state.body.insert(5, ',');
    a.state.body.delete(0, 1);
    expect(deltas).toEqual([[{ retain: 5 }, { insert: ',' }], [{ delete: 1 }]]);
    expect(a.state.body.toString()).toBe('ello, world');
    expect(a.state.body.length).toBe(11);
    expect(b.state.body.toString()).toBe('ello, world');
    expect(heard.map((c) => [c.op, c.path, c.args, c.previous, c.origin])).toEqual([
      ['text', ['body'], [5, 0, ','], '', 'remote'],
      ['text', ['body'], [0, 1, ''], 'h', 'remote'],
    ]);
    expect(snapshot(b.state)).toEqual({ title: 'plain', body: 'ello, world' });
    expect(docValue(b.doc)).toEqual(snapshot(b.state));
    done();
  });

  it('two people typing in the same text merge character-wise; a plain string is last-writer-wins', () => {
    const a = replica(make());
    const b = replica(make());
    a.state.body.insert(0, 'A: ');
    b.state.body.insert(11, '!');
    a.state.title = 'from a';
    b.state.title = 'from b';
    sync(a, b);
    expect(a.state.body.toString()).toBe('A: hello world!');
    expect(snapshot(b.state)).toEqual(snapshot(a.state));
    expect(['from a', 'from b']).toContain(a.state.title);
    a.destroy();
    b.destroy();
  });

  it('a text assigned later, inside a transaction that edits it, is one update; a thrown one is none', () => {
    const [a, b, done] = connectedPair((): { notes: TrackedText[] } => ({ notes: [] }));
    a.updates.length = 0;
    transact(a.state, () => {
      a.state.notes.push(text('x'));
      a.state.notes[0]!.insert(1, 'yz');
    });
    expect(a.updates).toHaveLength(1);
    expect(b.state.notes[0]!.toString()).toBe('xyz');
    expect(() =>
      transact(a.state, () => {
        a.state.notes[0]!.delete(0, 3);
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(a.state.notes[0]!.toString()).toBe('xyz');
    expect(a.updates).toHaveLength(1);
    done();
  });

  it('undo reverts a local text edit only', () => {
    const [a, b, done] = connectedPair(make);
    a.state.body.insert(0, '>');
    b.state.body.insert(12, '<');
    expect(a.state.body.toString()).toBe('>hello world<');
    a.binding.undo();
    expect(a.state.body.toString()).toBe('hello world<');
    expect(b.state.body.toString()).toBe('hello world<');
    done();
  });
});

describe('TrackedText content', () => {
  it('edits behave like string splicing, for long texts too', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000 }),
        fc.array(fc.tuple(fc.nat(5000), fc.nat(1500), fc.string({ maxLength: 1200 })), { maxLength: 30 }),
        (initial, edits) => {
          const t = text(initial);
          let s = initial;
          for (const [i, n, ins] of edits) {
            const at = Math.min(i, s.length);
            const count = Math.min(n, s.length - at);
            t.splice(i, n, ins);
            s = s.slice(0, at) + ins + s.slice(at + count);
            expect(t.length).toBe(s.length);
          }
          expect(t.toString()).toBe(s);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a lost concurrent write next to an edit', () => {
  it('applies an edit inside the surviving container once, keeping its identity', () => {
    const mk = (id: number) => {
      const doc = new Y.Doc();
      doc.clientID = id;
      return replica({ m: {} as Record<string, unknown> }, { doc });
    };
    const [a, b, c] = [mk(300), mk(200), mk(100)];
    a.state.m = { t: text('ab') };
    c.state.m = { t: text('zz') }; // concurrent with a's write: one of the two is lost
    b.binding.applyUpdate(Y.encodeStateAsUpdate(a.doc));
    const kept = b.state.m;
    (a.state.m.t as TrackedText).delete(0, 1);
    b.binding.applyUpdate(Y.mergeUpdates([Y.encodeStateAsUpdate(c.doc), Y.encodeStateAsUpdate(a.doc)]));
    a.binding.applyUpdate(Y.encodeStateAsUpdate(c.doc));
    expect(snapshot(b.state)).toEqual(snapshot(a.state));
    expect(docValue(b.doc)).toEqual(snapshot(b.state));
    expect(snapshot(b.state).m).toEqual({ t: 'b' }); // with these client ids a's write wins
    expect(b.state.m).toBe(kept);
    for (const r of [a, b, c]) r.destroy();
  });
});
