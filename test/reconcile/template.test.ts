// datastoresync's templates (`>>`): handler methods named after the action, DefaultTemplate's
// fallback that applies actions to a target tree, class-instance items, and `-tree` (clear).
import { describe as group, expect, it } from 'vitest';
import { snapshot, track } from 'tinysync';
import { apply, clear, DefaultTemplate, reconcile, type Action } from 'tinysync/reconcile';

class Student {
  constructor(
    public id: number,
    public name: string,
    public grade: number,
  ) {}
  get label(): string {
    return `${this.name} (${this.grade})`;
  }
  promote(): void {
    this.grade++;
  }
}

group("the seed's template example", () => {
  it('new_students(action) reads the new Student from action.left; the default applies the rest', async () => {
    const source = { students: [new Student(1, 'Ann', 5), new Student(2, 'Bo', 4), new Student(3, 'Cy', 5)] };
    const school = track({
      students: [
        { id: 1, name: 'Ann', grade: 4 },
        { id: 4, name: 'Dee', grade: 3 },
      ] as Record<string, unknown>[],
    });
    const log: string[] = [];
    class SchoolTemplate extends DefaultTemplate {
      new_students(action: Action) {
        const student = action.left as Student; // the new object: the source's side
        log.push(`welcome ${student.label}`);
        this.default(action);
      }
      old_students(action: Action) {
        log.push(`goodbye ${String(action.right!.name)}`);
        this.default(action);
      }
      update_grade(action: Action) {
        log.push(`${String(action.right!.name)}: grade ${String(action.from)} → ${String(action.to)}`);
        this.default(action);
      }
    }
    const report = await apply(reconcile(source, school), new SchoolTemplate(school));
    expect(report.failed).toEqual([]);
    expect(log).toEqual(['welcome Bo (4)', 'welcome Cy (5)', 'Ann: grade 4 → 5', 'goodbye Dee']);
    expect(snapshot(school.students)).toEqual([
      { id: 1, name: 'Ann', grade: 5 },
      { id: 2, name: 'Bo', grade: 4 },
      { id: 3, name: 'Cy', grade: 5 },
    ]);
    // Class instances compare by their own enumerable non-function properties: nothing left.
    expect(reconcile(source, school)).toEqual([]);
    source.students[0]!.promote();
    expect(reconcile(source, school).map((a) => a.message)).toEqual(['students/1: grade 5 → 6']);
  });
});

group('template dispatch', () => {
  const actions = () =>
    reconcile(
      { a: [{ id: 1, x: 1, y: 1 }, { id: 2 }], constructor: [{ id: 3 }] },
      { a: [{ id: 1, x: 0, y: 0 }, { id: 9 }] },
    );

  it('update_<branch>_<attribute> before update_<attribute> before default; methods run with this = template', async () => {
    const template = {
      calls: [] as string[],
      update_a_x(this: { calls: string[] }, a: Action) {
        this.calls.push(`update_a_x ${a.id}`);
      },
      update_y(this: { calls: string[] }, a: Action) {
        this.calls.push(`update_y ${a.id}`);
      },
      new_a(this: { calls: string[] }, a: Action) {
        this.calls.push(`new_a ${a.id}`);
      },
      default(this: { calls: string[] }, a: Action) {
        this.calls.push(`default ${a.kind} ${a.branch}/${a.id}`);
      },
    };
    const report = await apply(actions(), template);
    expect(template.calls).toEqual(['new_a 2', 'update_a_x 1', 'update_y 1', 'default removed a/9', 'default added constructor/3']);
    expect(report.applied).toHaveLength(5);
  });

  it('without a method nor default an action is skipped; inherited Object names are never handlers', async () => {
    const report = await apply(actions(), { new_a: () => undefined });
    expect(report.applied.map((a) => a.id)).toEqual([2]);
    expect(report.skipped.map((a) => `${a.kind} ${a.branch}/${a.id}`)).toEqual(['changed a/1', 'changed a/1', 'removed a/9', 'added constructor/3']);
  });

  it('a failed handler leaves its error on the action and in the report; the others still run', async () => {
    const list = actions();
    const boom = new Error('no seat left');
    const report = await apply(list, {
      async new_a(a: Action) {
        await Promise.resolve();
        if (a.id === 2) throw boom;
      },
      default: () => undefined,
    });
    expect(list[0]!.error).toBe(boom);
    expect(list.slice(1).every((a) => !('error' in a))).toBe(true);
    expect(report.failed).toEqual([{ action: list[0], error: boom }]);
    expect(report.applied).toHaveLength(4);
  });
});

group('class instances and options', () => {
  class Account {
    #balance: number;
    constructor(
      readonly id: string,
      balance: number,
      readonly email: string,
    ) {
      this.#balance = balance;
    }
    toJSON() {
      return { id: this.id, balance: this.#balance, email: this.email };
    }
  }

  it('toRecord gives the attributes of items whose data is not in own properties', () => {
    const source = { accounts: [new Account('a', 10, 'a@x.example')] };
    const target = { accounts: [new Account('a', 12, 'a@x.example')] };
    expect(reconcile(source, target)).toEqual([]); // #balance is invisible by default
    const actions = reconcile(source, target, { toRecord: (item) => (item as Account).toJSON() });
    expect(actions.map((a) => a.message)).toEqual(['accounts/a: balance 12 → 10']);
    expect(actions[0]!.left).toBe(source.accounts[0]);
  });

  it('equals decides when two values of an attribute are the same', () => {
    const source = { accounts: [{ id: 'a', email: 'Ann@X.example', n: 1 }] };
    const target = { accounts: [{ id: 'a', email: 'ann@x.example', n: 2 }] };
    const caseless = (l: unknown, r: unknown, attribute: string) => (attribute === 'email' ? String(l).toLowerCase() === String(r).toLowerCase() : l === r);
    expect(reconcile(source, target).map((a) => a.attribute)).toEqual(['email', 'n']);
    expect(reconcile(source, target, { equals: caseless }).map((a) => a.attribute)).toEqual(['n']);
  });

  it('DefaultTemplate writes an added class instance as its record, in Map and object branches too', async () => {
    const target = track({ byMap: new Map<string, Record<string, unknown>>(), byKey: {} as Record<string, Record<string, unknown>> });
    const source = { byMap: new Map([['7', new Student(7, 'Eve', 2)]]), byKey: { x: new Student(8, 'Fay', 3) }, fresh: [{ id: 1 }] };
    const report = await apply(reconcile(source, target), new DefaultTemplate(target));
    expect(report.failed).toEqual([]);
    expect(snapshot(target)).toEqual({
      byMap: new Map([['7', { id: 7, name: 'Eve', grade: 2 }]]),
      byKey: { x: { id: 8, name: 'Fay', grade: 3 } },
      fresh: [{ id: 1 }],
    });
    expect(reconcile(source, target)).toEqual([]);
  });
});

group('clear (datastoresync -tree)', () => {
  it('lists one removed action per item of every branch, and DefaultTemplate empties them', async () => {
    const tree = track({
      students: [{ id: 1 }, { id: 2 }],
      rooms: new Map([['r1', { id: 'r1' }]]),
      staff: { t1: { name: 'T' } } as Record<string, { name: string }>,
    });
    const actions = clear(tree);
    expect(actions.map((a) => `${a.kind} ${a.branch}/${a.id}`)).toEqual(['removed students/1', 'removed students/2', 'removed rooms/r1', 'removed staff/t1']);
    expect(clear(tree, { branches: ['rooms'] })).toHaveLength(1);
    await apply(actions, new DefaultTemplate(tree));
    expect(snapshot(tree)).toEqual({ students: [], rooms: new Map(), staff: {} });
    expect(clear(tree)).toEqual([]);
  });
});
