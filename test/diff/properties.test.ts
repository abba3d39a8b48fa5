// Property tests: for random values (JSON with Maps and Sets, nested, with `__proto__`-like
// keys), patch(a, diff(a, b)) equals b and revert brings a back, on plain and tracked targets.
// FC_RUNS raises the number of runs (500 by default).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTracked, snapshot, track, type Change } from 'tinysync';
import { onBatch } from 'tinysync/extend';
import { diff, patch, revert } from 'tinysync/diff';
import { copyValue, pair, runs } from '../arbitraries.js';

describe('diff / patch / revert properties', () => {
  it('on plain values: patch(a, diff(a, b)) equals b, then revert gives a back; a and b are untouched by diff', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const aBefore = copyValue(a);
        const bBefore = copyValue(b);
        const ops = diff(a, b);
        expect(a).toEqual(aBefore);
        expect(b).toEqual(bBefore);
        const target = copyValue(a);
        patch(target, ops);
        expect(target).toEqual(b);
        revert(target, ops);
        expect(target).toEqual(a);
      }),
      { numRuns: runs },
    );
  });

  it('on tracked targets: the same, with one batch holding one Change per op', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const ops = diff(a, b);
        const target = track(copyValue(a));
        const batches: (readonly Change[])[] = [];
        onBatch(target, (changes) => batches.push(changes));
        patch(target, ops);
        expect(snapshot(target)).toEqual(b);
        expect(batches.map((batch) => batch.length)).toEqual(ops.length ? [ops.length] : []);
        revert(target, ops);
        expect(snapshot(target)).toEqual(a);
      }),
      { numRuns: runs },
    );
  });

  it('diff of two tracked values equals diff of their plain contents', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(diff(track(copyValue(a)), track(copyValue(b)))).toEqual(diff(a, b));
      }),
      { numRuns: runs },
    );
  });

  it('a value equals itself: diff(a, a) is empty', () => {
    fc.assert(
      fc.property(pair, ([a]) => {
        expect(diff(a, copyValue(a))).toEqual([]);
      }),
      { numRuns: runs },
    );
  });

  it('all or nothing: ops applied to a different value either apply or throw E_PATCH leaving it as it was', () => {
    fc.assert(
      fc.property(pair, pair, ([a, b], [c]) => {
        const ops = diff(a, b);
        for (const target of [copyValue(c), track(copyValue(c))]) {
          const batches: (readonly Change[])[] = [];
          const tracked = isTracked(target);
          if (tracked) onBatch(target, (changes) => batches.push(changes));
          try {
            patch(target, ops);
          } catch (e) {
            expect(e).toMatchObject({ code: 'E_PATCH' });
            expect(tracked ? snapshot(target) : target).toEqual(c);
            expect(batches).toEqual([]);
          }
        }
      }),
      { numRuns: runs },
    );
  });

  it('ops survive structuredClone (Map and Set values included)', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const target = copyValue(a);
        patch(target, structuredClone(diff(a, b)));
        expect(target).toEqual(b);
      }),
      { numRuns: runs },
    );
  });
});
