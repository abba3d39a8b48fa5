// The seed client id of the initial write: equal for equal values, distinct for values that
// differ only in kind (a string vs a text vs a Set ...), so that two peers never write
// different items under the same ids.
import { expect, it } from 'vitest';
import { text } from 'tinysync/crdt';
import { seedClientId } from '../../src/crdt/initial.js';

it('same value and name → same seed; a different kind, content, order or name → another', () => {
  const values: unknown[] = [
    { a: 'x' },
    { a: text('x') },
    { a: new Set(['x']) },
    { a: ['x'] },
    { a: new Map([['x', 1]]) },
    { a: { x: 1 } },
    { a: { '\u0000M': [['x', 1]] } },
    { a: { '\u0000T': 'x' } },
    { a: 'x', b: 1 },
    { b: 1, a: 'x' },
  ];
  const ids = values.map((v) => seedClientId('tinysync', v));
  expect(new Set(ids).size).toBe(ids.length);
  expect(seedClientId('other', values[0])).not.toBe(ids[0]);
  expect(seedClientId('tinysync', { a: text('x') })).toBe(ids[1]);
  expect(seedClientId('tinysync', { a: new Map([['x', 1]]) })).toBe(ids[4]);
});
