// patch(target, ops) turns `a` into `b` in place; revert(target, ops) turns it back.
import { describe, expect, it } from 'vitest';
import { snapshot, subscribe, track, transact, type Change } from 'tinysync';
import { onBatch } from 'tinysync/extend';
import { diff, patch, PatchError, revert, type Op } from 'tinysync/diff';

describe('patch and revert on plain values', () => {
  it('patch(a, diff(a, b)) makes a equal b; revert makes it a again', () => {
    const a = { title: 'list', items: [1, 2, 3], meta: new Map([['owner', { name: 'ada' }]]), tags: new Set(['x']) };
    const b = { title: 'List', items: [1, 5, 2, 3], meta: new Map([['owner', { name: 'bob' }]]), tags: new Set(['y']) };
    const target = structuredClone(a);
    const ops = diff(a, b);
    patch(target, ops);
    expect(target).toEqual(b);
    revert(target, ops);
    expect(target).toEqual(a);
  });

  it('revert needs only the ops: each carries the value it replaced', () => {
    const ops: Op[] = [
      { op: 'set', path: ['n'], value: 2, old: 1 },
      { op: 'delete', path: ['gone'], old: { deep: [1] } },
      { op: 'splice', path: ['list'], index: 0, remove: ['a'], insert: ['b', 'c'] },
    ];
    const b = { n: 2, list: ['b', 'c'] };
    revert(b, ops);
    expect(b).toEqual({ n: 1, gone: { deep: [1] }, list: ['a'] });
  });

  it('works on ops that went through JSON', () => {
    const a = { list: [{ id: 1 }, { id: 2 }], n: 0 };
    const b = { list: [{ id: 1 }, { id: 3 }, { id: 2 }], n: 1 };
    const ops = JSON.parse(JSON.stringify(diff(a, b))) as Op[];
    patch(a, ops);
    expect(a).toEqual(b);
  });

  it('gives the target its own copies, so ops can be applied again elsewhere', () => {
    const ops = diff({ list: [] as object[] }, { list: [{ n: 1 }] });
    const one = { list: [] as { n: number }[] };
    const two = { list: [] as { n: number }[] };
    patch(one, ops);
    patch(two, ops);
    one.list[0]!.n = 5;
    expect(two.list[0]!.n).toBe(1);
    expect(ops).toEqual([{ op: 'splice', path: ['list'], index: 0, remove: [], insert: [{ n: 1 }] }]);
  });
});

describe('patch checks each op, all or nothing', () => {
  it('refuses an op whose old value is not there (E_PATCH, naming the path) and leaves the target as it was', () => {
    const target = { a: 1, b: 5, list: [1, 2] };
    const ops: Op[] = [
      { op: 'set', path: ['a'], value: 2, old: 1 },
      { op: 'splice', path: ['list'], index: 2, remove: [], insert: [3] },
      { op: 'set', path: ['b'], value: 3, old: 2 }, // b is 5, not 2
    ];
    let error: unknown;
    try {
      patch(target, ops);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatchError);
    expect(error).toMatchObject({ code: 'E_PATCH', path: ['b'] });
    // The message says which op, where, and why.
    expect((error as Error).message).toBe('tinysync: cannot set at b: the target does not hold what the op expects');
    expect(target).toEqual({ a: 1, b: 5, list: [1, 2] });
  });

  it.each<[string, object, Op]>([
    ['a path that leads nowhere', { a: {} }, { op: 'set', path: ['a', 'b', 'c'], value: 1 }],
    ['a key that already exists for a new key', { a: 1 }, { op: 'set', path: ['a'], value: 2 }],
    ['deleting a missing key', { a: 1 }, { op: 'delete', path: ['b'], old: 1 }],
    ['a delete without its old value', { a: 1 }, { op: 'delete', path: ['b'] } as unknown as Op],
    ['deleting with the wrong old value', { a: 1 }, { op: 'delete', path: ['a'], old: 2 }],
    ['a splice past the end', { l: [1] }, { op: 'splice', path: ['l'], index: 1, remove: [1], insert: [] }],
    ['a splice removing other items', { l: [1, 2] }, { op: 'splice', path: ['l'], index: 0, remove: [2], insert: [] }],
    ['a splice on an object', { l: {} }, { op: 'splice', path: ['l'], index: 0, remove: [], insert: [1] }],
    ['a set past the end of an array', { l: [1] }, { op: 'set', path: ['l', 1], value: 2, old: 1 }],
    ['adding a member the Set holds', { s: new Set([1]) }, { op: 'add', path: ['s'], value: 1 }],
    ['discarding a member the Set lacks', { s: new Set([1]) }, { op: 'discard', path: ['s'], value: 2 }],
    ['adding to something that is not a Set', { s: [1] }, { op: 'add', path: ['s'], value: 2 }],
    ['setting the root', { a: 1 }, { op: 'set', path: [], value: 2 }],
    ['an unknown op', { a: 1 }, { op: 'move', path: ['a'] } as unknown as Op],
    ['a path that is not an array', { a: 1 }, { op: 'set', path: 'a', value: 2, old: 1 } as unknown as Op],
    ['a path through null', { a: null }, { op: 'set', path: ['a', 'b'], value: 1 }],
    ['a set without its value', { a: 1 }, { op: 'set', path: ['a'], old: 1 } as unknown as Op],
    ['a set of an array item without its old value', { l: [1] }, { op: 'set', path: ['l', 0], value: 2 }],
    ["a set of an array's length", { l: [1, 2] }, { op: 'set', path: ['l', 'length'], value: 0, old: 2 }],
    ['deleting an array item', { l: [1] }, { op: 'delete', path: ['l', 0], old: 1 }],
    ['a non-string Map key', { m: new Map() }, { op: 'set', path: ['m', 1], value: 1 }],
    ['a splice at a negative index', { l: [1] }, { op: 'splice', path: ['l'], index: -1, remove: [], insert: [2] }],
    ['a splice past the end that removes nothing', { l: [1] }, { op: 'splice', path: ['l'], index: 2, remove: [], insert: [2] }],
    ['a splice at a fractional index', { l: [1, 2] }, { op: 'splice', path: ['l'], index: 0.5, remove: [], insert: [2] }],
    ['a splice without insert', { l: [1] }, { op: 'splice', path: ['l'], index: 0, remove: [1] } as unknown as Op],
    ['adding nothing to a Set', { s: new Set([1]) }, { op: 'add', path: ['s'] } as unknown as Op],
    ['a delete on a Set', { s: new Set([1]) }, { op: 'delete', path: ['s', 1], old: 1 } as unknown as Op],
  ])('refuses %s, on a plain and on a tracked target', (_, target, op) => {
    const before = structuredClone(target);
    const state = track(structuredClone(target));
    expect(() => patch(target, [op])).toThrow(expect.objectContaining({ code: 'E_PATCH' }));
    expect(target).toEqual(before);
    expect(() => patch(state, [op])).toThrow(expect.objectContaining({ code: 'E_PATCH' }));
    expect(snapshot(state)).toEqual(before);
  });

  it('refuses a value outside the value rules (E_VALUE) and leaves the target as it was', () => {
    const target = { a: 1, b: 1 };
    const ops = [
      { op: 'set', path: ['a'], value: 2, old: 1 },
      { op: 'set', path: ['b'], value: new Date(), old: 1 },
    ] as Op[];
    expect(() => patch(target, ops)).toThrow(expect.objectContaining({ code: 'E_VALUE', path: ['b'] }));
    expect(target).toEqual({ a: 1, b: 1 });
  });

  it('revert of ops applied to something else also refuses', () => {
    const ops = diff({ n: 1 }, { n: 2 });
    const other = { n: 3 };
    expect(() => revert(other, ops)).toThrow(expect.objectContaining({ code: 'E_PATCH', path: ['n'] }));
  });
});

describe('patch on a tracked target', () => {
  it('emits one Change per op, in one batch, that subscribers see at their paths', () => {
    const state = track({ todos: [{ title: 'a', done: false }], tags: new Set(['x']), owners: new Map([['ada', 1]]) });
    const batches: (readonly Change[])[] = [];
    onBatch(state, (changes) => batches.push(changes));
    const done: unknown[] = [];
    subscribe(state, ['todos', '*', 'done'], (c) => done.push(c.args[1]));

    patch(state, [
      { op: 'set', path: ['todos', 0, 'done'], value: true, old: false },
      { op: 'splice', path: ['todos'], index: 1, remove: [], insert: [{ title: 'b', done: false }] },
      { op: 'add', path: ['tags'], value: 'y' },
      { op: 'discard', path: ['tags'], value: 'x' },
      { op: 'delete', path: ['owners', 'ada'], old: 1 },
    ]);

    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((c) => [c.op, c.path, c.args])).toEqual([
      ['set', ['todos', 0, 'done'], ['done', true]],
      ['splice', ['todos'], [1, 0, { title: 'b', done: false }]],
      ['add', ['tags'], ['y']],
      ['delete', ['tags'], ['x']],
      ['delete', ['owners', 'ada'], ['ada']],
    ]);
    expect(done).toContain(true);
    expect(snapshot(state)).toEqual({ todos: [{ title: 'a', done: true }, { title: 'b', done: false }], tags: new Set(['y']), owners: new Map() });
  });

  it('rolls every op back when one does not apply: nothing changes, subscribers hear nothing', () => {
    const state = track({ a: 1, list: [1, 2, 3] });
    const heard: Change[] = [];
    subscribe(state, [], (c) => heard.push(c));
    expect(() =>
      patch(state, [
        { op: 'set', path: ['a'], value: 2, old: 1 },
        { op: 'splice', path: ['list'], index: 0, remove: [1], insert: [] },
        { op: 'delete', path: ['missing'], old: 0 },
      ]),
    ).toThrow(expect.objectContaining({ code: 'E_PATCH', path: ['missing'] }));
    expect(snapshot(state)).toEqual({ a: 1, list: [1, 2, 3] });
    expect(heard).toEqual([]);
  });

  it('patches a nested tracked object with paths relative to it', () => {
    const state = track({ user: { name: 'ada', langs: ['en'] } });
    patch(state.user, diff({ name: 'ada', langs: ['en'] }, { name: 'Ada', langs: ['en', 'fr'] }));
    expect(snapshot(state)).toEqual({ user: { name: 'Ada', langs: ['en', 'fr'] } });
  });

  it('joins a surrounding transaction: a later throw there undoes the patch too', () => {
    const state = track({ n: 1 });
    expect(() =>
      transact(state, () => {
        patch(state, [{ op: 'set', path: ['n'], value: 2, old: 1 }]);
        throw new Error('later failure');
      }),
    ).toThrow('later failure');
    expect(state.n).toBe(1);
  });

  it('revert emits the inverse Changes', () => {
    const a = { list: ['a', 'b'] };
    const state = track({ list: ['a', 'x', 'b'] });
    const ops = diff(a, snapshot(state));
    const heard: string[] = [];
    subscribe(state, ['list'], (c) => heard.push(`${c.op} ${JSON.stringify(c.args)}`));
    revert(state, ops);
    expect(heard).toEqual(['splice [1,1]']);
    expect(snapshot(state)).toEqual(a);
  });
});
