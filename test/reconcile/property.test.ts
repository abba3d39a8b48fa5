import fc from 'fast-check';
import { expect, it } from 'vitest';
import { snapshot, track } from 'tinysync';
import { apply, reconcile, type Action, type Handlers } from 'tinysync/reconcile';

type Item = Record<string, unknown> & { id: number };
type Tree = { students?: Item[]; teachers?: Item[] };
type TrackedTree = { students?: Item[] | Map<string, Item>; teachers?: Item[] | Map<string, Item> };
const IGNORE = ['updatedAt'];

const item = fc.record(
  {
    id: fc.integer({ min: 0, max: 9 }),
    name: fc.string({ maxLength: 4 }),
    grade: fc.integer({ min: 0, max: 3 }),
    tags: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
    meta: fc.record({ x: fc.integer({ min: 0, max: 2 }), y: fc.option(fc.boolean()) }),
    _note: fc.string({ maxLength: 3 }),
    updatedAt: fc.string({ maxLength: 3 }),
  },
  { requiredKeys: ['id'] },
);
const branch = fc.uniqueArray(item, { selector: (i) => i.id, maxLength: 6 });
const tree = fc.record({ students: branch, teachers: branch }, { requiredKeys: [] }) as fc.Arbitrary<Tree>;

/** The target as a tracked store, each branch an array or a Map keyed by id. */
function store(b: Tree, asMap: boolean): TrackedTree {
  const out: TrackedTree = {};
  for (const [name, items] of Object.entries(b) as [keyof Tree, Item[]][]) {
    out[name] = asMap ? new Map(items.map((i) => [String(i.id), i])) : items;
  }
  return track(out);
}

/** Handlers that edit the tracked target, whichever shape its branches have. */
function mutating(b: TrackedTree): Handlers {
  const get = (a: Action) => b[a.branch as keyof Tree];
  const find = (a: Action): Item => {
    const br = get(a)!;
    return br instanceof Map ? br.get(String(a.id))! : br.find((i) => i.id === a.id)!;
  };
  return {
    added: (a) => {
      const name = a.branch as keyof Tree;
      b[name] ??= []; // stored as a copy: read the tracked branch back
      const br = b[name]!;
      if (br instanceof Map) br.set(String(a.id), { ...(a.left as Item) });
      else br.push({ ...(a.left as Item) });
    },
    removed: (a) => {
      const br = get(a)!;
      if (br instanceof Map) br.delete(String(a.id));
      else br.splice(br.findIndex((i) => i.id === a.id), 1);
    },
    changed: (a) => {
      if ('to' in a) find(a)[a.attribute!] = a.to;
      else delete find(a)[a.attribute!];
    },
  };
}

/** An item's attributes that reconcile compares (not `_…`, not ignored). */
const compared = (i: Record<string, unknown>) => Object.fromEntries(Object.entries(i).filter(([k]) => !k.startsWith('_') && !IGNORE.includes(k)));

it('apply(reconcile(a, b), handlers that mutate b) makes b match a on every non-ignored attribute', async () => {
  await fc.assert(
    fc.asyncProperty(tree, tree, fc.boolean(), async (a, plainB, asMap) => {
      const b = store(plainB, asMap);
      const actions = reconcile(a, b, { ignore: IGNORE });
      const report = await apply(actions, mutating(b));
      expect(report.failed).toEqual([]);
      expect(report.applied).toHaveLength(actions.length);

      for (const name of Object.keys(a) as (keyof Tree)[]) {
        const want = new Map(a[name]!.map((i) => [i.id, compared(i)]));
        const br = snapshot(b[name]);
        const have = new Map([...(br instanceof Map ? br.values() : (br ?? []))].map((i) => [i.id, compared(i)]));
        expect(have).toEqual(want); // prototypes aside (fast-check makes null-prototype objects too)
      }
      expect(reconcile(a, b, { ignore: IGNORE })).toEqual([]);
    }),
    { numRuns: 300 },
  );
});
