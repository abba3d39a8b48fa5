// subscribe(): path-scoped subscribers, found through a trie, so that a change reaches only
// those whose path it touches: at the path, below it, or above it (replacing it).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { subscribe, SubscriberError, track, transact, type Change } from 'tinysync';
import { runs } from '../arbitraries.js';

function board() {
  return track({
    todos: [
      { title: 'a', done: false },
      { title: 'b', done: false },
      { title: 'c', done: false },
    ],
    user: { name: 'ada', prefs: { theme: 'dark' } },
    tags: new Map([['x', { n: 1 }]]),
  });
}

function spy(state: object, path: (string | number)[]) {
  const seen: Change[] = [];
  const stop = subscribe(state, path, (c) => seen.push(c));
  return { seen, stop };
}

describe('which changes reach a subscriber', () => {
  test('a change at the path and below it', () => {
    const state = board();
    const user = spy(state, ['user']);
    state.user.name = 'grace';
    state.user.prefs.theme = 'light';
    expect(user.seen.map((c) => c.path)).toEqual([['user', 'name'], ['user', 'prefs', 'theme']]);
  });

  test('a change above it that replaces what it watches', () => {
    const state = board();
    const theme = spy(state, ['user', 'prefs', 'theme']);
    state.user.prefs = { theme: 'blue' };
    state.user = { name: 'x', prefs: { theme: 'y' } };
    expect(theme.seen.map((c) => c.path)).toEqual([['user', 'prefs'], ['user']]);
  });

  test('not a change to a sibling', () => {
    const state = board();
    const name = spy(state, ['user', 'name']);
    state.user.prefs.theme = 'light';
    state.todos[0]!.done = true;
    expect(name.seen).toEqual([]);
  });

  test("'*' matches any one key", () => {
    const state = board();
    const done = spy(state, ['todos', '*', 'done']);
    state.todos[1]!.done = true;
    state.todos[2]!.title = 'C';
    expect(done.seen.map((c) => c.path)).toEqual([['todos', 1, 'done']]);
  });

  test('array edits reach the items they move, not the ones before', () => {
    const state = board();
    const first = spy(state, ['todos', 0]);
    const last = spy(state, ['todos', 2]);
    state.todos.push({ title: 'd', done: false });
    state.todos.splice(1, 1);
    expect(first.seen).toEqual([]);
    expect(last.seen.map((c) => c.op)).toEqual(['splice']);
  });

  test('Map entries are paths too', () => {
    const state = board();
    const x = spy(state, ['tags', 'x', 'n']);
    state.tags.get('x')!.n = 2;
    state.tags.set('y', { n: 0 });
    state.tags.delete('x');
    expect(x.seen.map((c) => [c.op, c.path])).toEqual([['set', ['tags', 'x', 'n']], ['delete', ['tags', 'x']]]);
  });

  test('a nested tracked object can be subscribed to directly, with a relative path', () => {
    const state = board();
    const prefs = spy(state.user.prefs, []);
    const theme = spy(state.user, ['prefs', 'theme']);
    state.user.prefs.theme = 'light';
    expect(prefs.seen).toHaveLength(1);
    expect(theme.seen).toHaveLength(1);
  });
});

describe('the subscription itself', () => {
  test('unsubscribe stops it; the same callback twice is two subscriptions', () => {
    const state = board();
    const calls: string[] = [];
    const cb = (c: Change) => calls.push(String(c.path.at(-1)));
    const stop1 = subscribe(state, ['user'], cb);
    const stop2 = subscribe(state, ['user'], cb);
    state.user.name = 'one';
    stop1();
    state.user.name = 'two';
    stop2();
    state.user.name = 'three';
    expect(calls).toEqual(['name', 'name', 'name']);
  });

  test('a throwing subscriber does not stop the others; its error is reported afterwards', () => {
    const state = board();
    const ran: string[] = [];
    subscribe(state, ['user'], () => {
      throw new Error('boom');
    });
    subscribe(state, ['user'], () => ran.push('second'));
    let error: unknown;
    try {
      state.user.name = 'grace';
    } catch (e) {
      error = e;
    }
    expect(ran).toEqual(['second']);
    expect(error).toBeInstanceOf(SubscriberError);
    expect((error as SubscriberError).errors.map((e) => (e as Error).message)).toEqual(['boom']);
    expect(state.user.name).toBe('grace'); // the change itself stands
  });

  test('a transaction delivers its changes to subscribers once, in order, at the end', () => {
    const state = board();
    const seen: string[] = [];
    subscribe(state, ['user'], (c) => seen.push(String(c.args[1])));
    transact(state, () => {
      state.user.name = 'a';
      state.user.name = 'b';
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['a', 'b']);
  });

  test('calling an unsubscribe twice leaves later subscriptions on that path alone', () => {
    const state = board();
    const first = spy(state, ['user', 'name']);
    first.stop();
    const second = spy(state, ['user', 'name']);
    first.stop(); // again: a no-op, however the path's subscribers changed meanwhile
    state.user.name = 'grace';
    expect(first.seen).toEqual([]);
    expect(second.seen).toHaveLength(1);
  });

  test('notifying costs the matching subscribers, not all of them', () => {
    // Counted, not timed: 10,000 subscribers on sibling keys are never even looked at.
    const state = track<Record<string, number>>({});
    for (let i = 0; i < 10_000; i++) state[`k${i}`] = i;
    let called = 0;
    for (let i = 0; i < 10_000; i++) subscribe(state, [`k${i}`], () => called++);
    const mine = spy(state, ['mine']);
    state.mine = 1;
    expect(called).toBe(0);
    expect(mine.seen).toHaveLength(1);
  });
});

describe('subscribing and unsubscribing during delivery', () => {
  // The three delivery routes: path subscribers only, with an onChange too, a transaction.
  const routes = [
    { route: 'path subscribers only', onChange: false, transaction: false },
    { route: 'with an onChange too', onChange: true, transaction: false },
    { route: 'in a transaction', onChange: true, transaction: true },
  ];
  for (const { route, onChange, transaction } of routes) {
    test(`a subscriber removed by another one is not called for that change, nor later ones (${route})`, () => {
      const state = track({ n: 0 }, onChange ? { onChange: () => undefined } : {});
      const calls: string[] = [];
      let stopSecond = (): void => undefined;
      subscribe(state, ['n'], (c) => {
        calls.push(`first ${String(c.args[1])}`);
        stopSecond();
      });
      stopSecond = subscribe(state, ['n'], (c) => calls.push(`second ${String(c.args[1])}`));
      const write = () => {
        state.n = 1;
        state.n = 2;
      };
      if (transaction) transact(state, write);
      else write();
      expect(calls).toEqual(['first 1', 'first 2']);
    });
  }

  test('random subscribe / unsubscribe during delivery agrees with a model of it', () => {
    // Each subscriber, when called, stops the subscriptions named by its action (by creation
    // number, itself included) and, on its first call, may start a new one. The model delivers
    // each change to the subscriptions live when it is matched (root ones first, then those at
    // ['a'], each in creation order), skipping any stopped before its turn.
    const action = fc.record({ stops: fc.array(fc.nat(12), { maxLength: 3 }), spawn: fc.constantFrom(undefined, 'root', 'a') });
    const script = fc.record({
      subs: fc.array(fc.constantFrom('root', 'a'), { minLength: 1, maxLength: 6 }),
      actions: fc.array(action, { minLength: 1, maxLength: 6 }),
      onChange: fc.boolean(),
      steps: fc.array(fc.record({ keys: fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 3 }), transaction: fc.boolean() }), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(script, ({ subs, actions, onChange, steps }) => {
        type Where = 'root' | 'a';
        const actionOf = (id: number) => actions[id % actions.length]!;

        // The real thing.
        const state = track<Record<string, number>>({ a: 0, b: 0 }, onChange ? { onChange: () => undefined } : {});
        const real: { id: number; called: boolean; stop: () => void }[] = [];
        const heard: string[] = [];
        const start = (where: Where): void => {
          const sub = { id: real.length, called: false, stop: (): void => undefined };
          real.push(sub);
          sub.stop = subscribe(state, where === 'root' ? [] : ['a'], (c) => {
            heard.push(`${sub.id}:${String(c.path[0])}`);
            const { stops, spawn } = actionOf(sub.id);
            for (const n of stops) real[n % real.length]!.stop();
            if (!sub.called && spawn && real.length < 20) start(spawn);
            sub.called = true;
          });
        };
        subs.forEach(start);
        let n = 0;
        for (const { keys, transaction } of steps) {
          if (transaction) transact(state, () => keys.forEach((k) => (state[k] = ++n)));
          else state[keys[0]!] = ++n;
        }

        // The model.
        const model: { id: number; where: Where; live: boolean; called: boolean }[] = [];
        const expected: string[] = [];
        const add = (where: Where) => model.push({ id: model.length, where, live: true, called: false });
        subs.forEach(add);
        for (const key of steps.flatMap((s) => (s.transaction ? s.keys : s.keys.slice(0, 1)))) {
          const matched = [...model.filter((s) => s.live && s.where === 'root'), ...model.filter((s) => s.live && s.where === key)];
          for (const sub of matched) {
            if (!sub.live) continue;
            expected.push(`${sub.id}:${key}`);
            const { stops, spawn } = actionOf(sub.id);
            for (const k of stops) model[k % model.length]!.live = false;
            if (!sub.called && spawn && model.length < 20) add(spawn);
            sub.called = true;
          }
        }
        expect(heard).toEqual(expected);
      }),
      { numRuns: runs },
    );
  });
});
