// datastoresync's school example: the district's CSV exports are the source, the school's
// tracked store is the target.
import { describe as group, expect, it } from 'vitest';
import { snapshot, track } from 'tinysync';
import { apply, describe, importers, reconcile, type Action, type Handlers } from 'tinysync/reconcile';

const studentsCsv = 'id,name,grade,teacher\r\n1,Ann Lee,5,t1\r\n2,"Bo ""Bobby"" Chan",4,t2\r\n3,"Cy, Jr.",5,t1\r\n';
const teachersCsv = 'id,name,room\nt1,Ms. Frizzle,101\nt2,Mr. Keating,202\nt3,Ms. Honey,303\n';

type Row = Record<string, unknown>;
function school() {
  return track({
    students: [
      { id: 1, name: 'Ann Lee', grade: 4, teacher: 't1', _synced: '2024-01-01' },
      { id: 2, name: 'Bo Chan', grade: 4, teacher: 't2' },
      { id: 4, name: 'Dee Dee', grade: 3, teacher: 't2' },
    ] as Row[],
    teachers: [
      { id: 't1', name: 'Ms. Frizzle', room: '101' },
      { id: 't2', name: 'Mr. Keating', room: '201', email: 'keating@school.example' },
    ] as Row[],
    settings: { term: 'fall' },
  });
}

const source = () => ({
  students: importers.csv(studentsCsv, { convert: { id: 'number', grade: 'number' } }),
  teachers: importers.csv(teachersCsv),
});

/** Handlers that bring the tracked store in line, found per kind and branch. */
function handlersFor(store: ReturnType<typeof school>): Handlers {
  const branch = (a: Action) => store[a.branch as 'students' | 'teachers'];
  const at = (a: Action) => branch(a).findIndex((item) => String(item.id) === String(a.id));
  const change = (a: Action) => {
    const item = branch(a)[at(a)]!;
    if ('to' in a) item[a.attribute!] = a.to;
    else delete item[a.attribute!];
  };
  return {
    added: { students: (a) => store.students.push({ ...a.left }), teachers: (a) => store.teachers.push({ ...a.left }) },
    removed: (a) => branch(a).splice(at(a), 1),
    changed: change,
  };
}

group('the school example', () => {
  it('lists exactly what the school lacks, has extra, and has different', () => {
    const store = school();
    const actions = reconcile(source(), store, { branches: ['students', 'teachers'] });
    expect(actions.map(({ kind, branch, id, attribute, from, to }) => ({ kind, branch, id, attribute, from, to }))).toEqual([
      { kind: 'added', branch: 'students', id: 3, attribute: undefined, from: undefined, to: undefined },
      { kind: 'changed', branch: 'students', id: 1, attribute: 'grade', from: 4, to: 5 },
      { kind: 'changed', branch: 'students', id: 2, attribute: 'name', from: 'Bo Chan', to: 'Bo "Bobby" Chan' },
      { kind: 'removed', branch: 'students', id: 4, attribute: undefined, from: undefined, to: undefined },
      { kind: 'added', branch: 'teachers', id: 't3', attribute: undefined, from: undefined, to: undefined },
      { kind: 'changed', branch: 'teachers', id: 't2', attribute: 'room', from: '201', to: '202' },
      { kind: 'changed', branch: 'teachers', id: 't2', attribute: 'email', from: 'keating@school.example', to: undefined },
    ]);
    expect(actions[0]!.left).toEqual({ id: 3, name: 'Cy, Jr.', grade: 5, teacher: 't1' });
    expect(actions[3]!.right).toEqual({ id: 4, name: 'Dee Dee', grade: 3, teacher: 't2' });
    expect('to' in actions[6]!).toBe(false);
    expect(describe(actions)).toEqual([
      '+ students/3: added',
      '~ students/1: grade 4 → 5',
      '~ students/2: name "Bo Chan" → "Bo \\"Bobby\\" Chan"',
      '- students/4: removed',
      '+ teachers/t3: added',
      '~ teachers/t2: room "201" → "202"',
      '~ teachers/t2: email removed (was "keating@school.example")',
    ]);
  });

  it('applying the actions to the store makes a second reconcile empty', async () => {
    const store = school();
    const report = await apply(reconcile(source(), store), handlersFor(store));
    expect(report.failed).toEqual([]);
    expect(report.skipped).toEqual([]);
    expect(report.applied).toHaveLength(7);
    expect(reconcile(source(), store)).toEqual([]);
    expect(snapshot(store.students)).toEqual([
      { id: 1, name: 'Ann Lee', grade: 5, teacher: 't1', _synced: '2024-01-01' }, // `_` attributes are the school's own
      { id: 2, name: 'Bo "Bobby" Chan', grade: 4, teacher: 't2' },
      { id: 3, name: 'Cy, Jr.', grade: 5, teacher: 't1' },
    ]);
    expect(snapshot(store.settings)).toEqual({ term: 'fall' }); // not a branch of the source
  });
});

group('reconcile', () => {
  it('matches Map and object branches by their keys, ids as strings or numbers', () => {
    const actions = reconcile(
      { people: new Map([['1', { name: 'A' }], ['2', { name: 'B' }]]) },
      { people: { 1: { name: 'A', id: 1 }, 3: { name: 'C' } } },
    );
    expect(actions.map((a) => [a.kind, a.id])).toEqual([['added', '2'], ['removed', '3']]);
  });

  it('compares nested values deeply and leaves out `_` and ignored attributes', () => {
    const a = { items: [{ id: 1, tags: ['x', 'y'], meta: { n: 1 }, _cache: 1, updatedAt: 'today', set: new Set([1]) }] };
    const b = { items: [{ id: 1, tags: ['x', 'y'], meta: { n: 1 }, _cache: 2, updatedAt: 'yesterday', set: new Set([1]) }] };
    expect(reconcile(a, b, { ignore: ['updatedAt'] })).toEqual([]);
    expect(reconcile(a, b).map((x) => x.attribute)).toEqual(['updatedAt']);
    b.items[0]!.meta.n = 2;
    expect(reconcile(a, b, { ignore: ['updatedAt'] }).map((x) => x.message)).toEqual(['items/1: meta {"n":2} → {"n":1}']);
  });

  it('uses another key attribute when told', () => {
    const actions = reconcile({ s: [{ sid: 'a', v: 1 }] }, { s: [{ sid: 'a', v: 2 }] }, { key: 'sid' });
    expect(actions.map((a) => a.message)).toEqual(['s/a: v 2 → 1']);
  });

  it('refuses items without a key or with duplicate keys, naming them', () => {
    expect(() => reconcile({ s: [{ id: 1 }, { name: 'x' }] }, {})).toThrow(expect.objectContaining({ code: 'E_RECONCILE_KEY', path: ['source', 's', 1] }));
    expect(() => reconcile({ s: [] }, { s: [{ id: 1 }, { id: '1' }] })).toThrow(expect.objectContaining({ code: 'E_RECONCILE_DUPLICATE' }));
    expect(() => reconcile({ s: 5 }, {})).toThrow(expect.objectContaining({ code: 'E_RECONCILE_BRANCH' }));
  });
});

group('apply', () => {
  const actions = reconcile({ a: [{ id: 1 }, { id: 2 }, { id: 3 }], b: [{ id: 9 }] }, { constructor: [] });

  it('awaits handlers in order and reports failures without stopping', async () => {
    const order: string[] = [];
    const report = await apply(actions, {
      added: {
        a: async (x) => {
          await new Promise((r) => setTimeout(r, x.id === 1 ? 5 : 0));
          if (x.id === 2) throw new Error('no room');
          order.push(`a${x.id}`);
        },
      },
    });
    expect(order).toEqual(['a1', 'a3']);
    expect(report.applied.map((x) => x.id)).toEqual([1, 3]);
    expect(report.failed).toEqual([{ action: actions[1], error: new Error('no room') }]);
    expect(report.skipped.map((x) => `${x.branch}/${x.id}`)).toEqual(['b/9']);
  });

  it('falls back to a kind handler, then to default; never to inherited properties', async () => {
    const seen: string[] = [];
    const weird = reconcile({ constructor: [{ id: 1 }], toString: [{ id: 2 }] }, {});
    const report = await apply(weird, { added: {}, default: (x) => void seen.push(`default ${x.branch}`) });
    expect(seen).toEqual(['default constructor', 'default toString']);
    expect(report.applied).toHaveLength(2);
  });
});

group('importers', () => {
  it('reads RFC 4180 CSV: quotes, escaped quotes, delimiters and line breaks inside quotes, CRLF', () => {
    const items = importers.csv('id,note\r\n1,"a, ""b""\r\nc"\r\n2,\r\n\r\n');
    expect(items).toEqual([
      { id: '1', note: 'a, "b"\r\nc' },
      { id: '2', note: '' },
    ]);
  });

  it('converts columns, takes a given header, and names the line of a bad row', () => {
    expect(importers.csv('7;yes;x\n', { delimiter: ';', header: ['id', 'ok', 'drop'], convert: { id: 'number', ok: 'boolean' }, omit: ['drop'] })).toEqual([{ id: 7, ok: true }]);
    expect(() => importers.csv('id,name\n1,a\n2\n')).toThrow(expect.objectContaining({ code: 'E_CSV', line: 3 }));
    expect(() => importers.csv('id\n"1\n')).toThrow(expect.objectContaining({ code: 'E_CSV', line: 2 }));
    expect(() => importers.csv('id\n"1"x\n')).toThrow(expect.objectContaining({ code: 'E_CSV' }));
    expect(() => importers.csv('id,n\nx,1\n', { convert: { n: 'number', id: 'number' } })).toThrow(expect.objectContaining({ code: 'E_CSV', line: 2 }));
  });

  it('takes header + rows and records, and keys such as __proto__ stay data', () => {
    expect(importers.rows([['id', '__proto__'], ['1', 'x']])).toEqual([JSON.parse('{"id":"1","__proto__":"x"}')]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(importers.records([{ id: '5', n: 'z' }], { convert: { id: 'number' }, omit: ['n'] })).toEqual([{ id: 5 }]);
  });
});
