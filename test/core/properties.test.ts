// Property tests of the proxy traps: random structures, random mutation scripts.
// FC_RUNS raises the number of runs (default 500).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { snapshot, track, transact, type Change } from 'tinysync';
import { setReadObserver } from 'tinysync/extend';
import { applyStep, readThrough, rootValue, runs, step, type Step } from './mutations.js';

const clone = <T>(v: T): T => structuredClone(v);

test('(a) a tracked structure and a plain mirror mutated the same way stay deep-equal', () => {
  fc.assert(
    fc.property(rootValue, fc.array(step, { maxLength: 25 }), (start, steps) => {
      const state = track(clone(start));
      const mirror = clone(start);
      for (const s of steps) {
        applyStep(state, s);
        applyStep(mirror, s);
        expect(snapshot(state)).toEqual(mirror);
      }
    }),
    { numRuns: runs },
  );
});

/** Replays a Change on a plain structure, as a persister or a peer would. */
function replay(root: object, c: Change): void {
  const at = (path: readonly (string | number)[]) =>
    path.reduce<unknown>((node, k) => (node instanceof Map ? node.get(String(k)) : (node as Record<string, unknown>)[k]), root) as never;
  if ((c.op === 'set' || c.op === 'delete') && !(c.target instanceof Set)) {
    const container = at(c.path.slice(0, -1)) as Record<string, unknown> | Map<string, unknown> | unknown[];
    const key = c.path.at(-1)!;
    if (container instanceof Map) {
      if (c.op === 'set') container.set(String(key), clone(c.args[1]));
      else container.delete(String(key));
    } else if (c.op === 'set') {
      Object.defineProperty(container, key, { value: clone(c.args[1]), writable: true, enumerable: true, configurable: true });
    } else {
      delete (container as Record<string, unknown>)[key];
    }
    return;
  }
  const target = at(c.path) as unknown[] & Set<unknown> & Map<string, unknown>;
  const args = c.args.map((a) => (typeof a === 'function' ? a : clone(a)));
  switch (c.op) {
    case 'add': target.add(args[0]); break;
    case 'delete': target.delete(args[0] as string); break;
    case 'clear': target.clear(); break;
    case 'push': target.push(...args); break;
    case 'pop': target.pop(); break;
    case 'shift': target.shift(); break;
    case 'unshift': target.unshift(...args); break;
    case 'splice': target.splice(args[0] as number, args[1] as number, ...args.slice(2)); break;
    case 'sort': target.sort(args[0] as (a: unknown, b: unknown) => number); break;
    case 'reverse': target.reverse(); break;
    case 'fill': for (let i = args[1] as number; i < (args[2] as number); i++) target[i] = clone(args[0]); break;
    case 'copyWithin': {
      const [to, from, end] = args as number[];
      const items = target.slice(from, end).map(clone);
      items.forEach((item, i) => (target[to! + i] = item));
      break;
    }
    default: throw new Error(`unexpected op ${c.op}`);
  }
}

test('(b) replaying the emitted Changes on a copy of the start state reproduces the end state', () => {
  fc.assert(
    fc.property(rootValue, fc.array(step, { maxLength: 25 }), (start, steps) => {
      const copy = clone(start);
      // Changes hold live values: a consumer copies them when it receives them.
      const state = track(clone(start), { onChange: (c) => replay(copy, c) });
      for (const s of steps) applyStep(state, s);
      expect(copy).toEqual(snapshot(state));
    }),
    { numRuns: runs },
  );
});

test('(d) a transaction that throws leaves the start state, and nobody hears of it', () => {
  const group = fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 8 }), throws: fc.boolean() });
  fc.assert(
    fc.property(rootValue, fc.array(group, { maxLength: 6 }), (start, groups) => {
      const delivered: Change[] = [];
      const state = track(clone(start), { onChange: (c) => delivered.push(c) });
      const mirror = clone(start);
      for (const { steps, throws } of groups) {
        const before = clone(snapshot(state));
        const heard = delivered.length;
        try {
          transact(state, () => {
            steps.forEach((s: Step) => applyStep(state, s));
            if (throws) throw new Error('abort');
          });
        } catch (e) {
          expect((e as Error).message).toBe('abort');
        }
        if (throws) {
          expect(snapshot(state)).toEqual(before);
          expect(readThrough(state)).toEqual(before);
          expect(delivered.length).toBe(heard);
        } else {
          steps.forEach((s) => applyStep(mirror, s));
        }
        expect(snapshot(state)).toEqual(mirror);
      }
    }),
    { numRuns: runs },
  );
});

test('(e) reads through the proxies show what snapshot() shows, read early or late, with or without a read observer', () => {
  // A read observer switches plain objects' proxies to a get trap (shadow.ts); reading some
  // parts before a write and others only after it leaves child proxies made and not yet made.
  const action = fc.oneof(
    step.map((s) => ({ step: s })),
    fc.boolean().map((observe) => ({ observe })),
    fc.nat().map((read) => ({ read })),
  );
  fc.assert(
    fc.property(rootValue, fc.array(action, { maxLength: 30 }), (start, actions) => {
      const state = track(clone(start));
      const mirror = clone(start);
      let reads = 0;
      try {
        for (const a of actions) {
          if ('step' in a) {
            applyStep(state, a.step);
            applyStep(mirror, a.step);
          } else if ('observe' in a) setReadObserver(a.observe ? () => reads++ : undefined);
          else {
            const part = Object.keys(mirror)[a.read % 4] as keyof typeof mirror;
            expect(readThrough(state[part])).toEqual(mirror[part]);
          }
        }
        expect(readThrough(state)).toEqual(mirror);
        expect(readThrough(state)).toEqual(snapshot(state));
      } finally {
        setReadObserver(undefined);
      }
    }),
    { numRuns: runs },
  );
});
