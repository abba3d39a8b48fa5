// tinysync/db against a plain model: any sequence of top-level sets, deletes and nested edits,
// flushed in random batches, reads back (after reopening) as the model. FC_RUNS raises the runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { snapshot } from 'tinysync';
import { close, flush, trackDb } from 'tinysync/db';
import { copyValue, key, object, runs, value, type Value } from '../arbitraries.js';

const dir = mkdtempSync(join(tmpdir(), 'tinysync-db-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Op = { kind: 'set'; key: string; value: Value } | { kind: 'delete'; key: string } | { kind: 'edit'; key: string; field: string; value: Value } | { kind: 'flush' };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('edit' as const), key, field: key, value }),
  fc.constant({ kind: 'flush' as const }),
);

const isPlainObject = (v: unknown): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
const define = (o: object, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });

let n = 0;
it('reopened, a store holds exactly what a plain model of its changes holds', async () => {
  await fc.assert(
    fc.asyncProperty(object, fc.array(op, { maxLength: 12 }), async (initial, ops) => {
      const file = join(dir, `p${n++}.db`);
      const model: Record<string, Value> = copyValue(initial);
      const s = await trackDb(file, copyValue(initial) as Record<string, unknown>, { flush: 'manual' });
      try {
        for (const o of ops) {
          if (o.kind === 'flush') await flush(s);
          else if (o.kind === 'set') {
            define(s, o.key, copyValue(o.value));
            define(model, o.key, copyValue(o.value));
          } else if (o.kind === 'delete') {
            delete s[o.key];
            delete model[o.key];
          } else if (Object.hasOwn(model, o.key) && isPlainObject(model[o.key])) {
            define(s[o.key] as object, o.field, copyValue(o.value));
            define(model[o.key] as object, o.field, copyValue(o.value));
          }
        }
      } finally {
        await close(s);
      }
      const again = await trackDb(file, {} as Record<string, unknown>);
      try {
        expect(Object.keys(again).sort()).toEqual(Object.keys(model).sort());
        for (const k of Object.keys(model)) {
          const v = again[k];
          expect(typeof v === 'object' && v !== null ? snapshot(v) : v).toEqual(model[k]);
        }
      } finally {
        await close(again);
      }
    }),
    { numRuns: Math.max(20, Math.floor(runs / 5)) },
  );
}, 120_000);
