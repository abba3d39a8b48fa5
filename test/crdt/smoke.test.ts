import { expect, it } from 'vitest';
import { connectedPair, docValue, snapshot } from './replicas.js';

it('smoke', () => {
  const [a, b, done] = connectedPair(() => ({ list: [1, 2, 3] as unknown[], o: { x: 1 } as Record<string, unknown>, m: new Map<string, unknown>(), s: new Set<unknown>() }));
  a.state.list.push({ y: 2 });
  a.state.o.z = [1];
  a.state.m.set('k', { v: 1 });
  a.state.s.add('q');
  b.state.list.reverse();
  expect(snapshot(b.state)).toEqual(snapshot(a.state));
  expect(docValue(a.doc)).toEqual(snapshot(a.state));
  done();
});
