import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { snapshot, subscribe, transact, track, type Change } from 'tinysync';
import { close, flush, hold, reload, trackFile, unhold, type FileChangedError, type FileParseError, type FileWriteError } from 'tinysync/file';

let dir: string;
const opened: object[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinysync-file-'));
});
afterEach(async () => {
  for (const data of opened.splice(0)) await close(data, { discard: true }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** trackFile that the test cleans up, counting the writes that landed. */
async function open<T extends object>(name: string, initial: T, opts: Parameters<typeof trackFile>[2] = {}) {
  const writes = { count: 0, errors: [] as (FileChangedError | FileWriteError)[] };
  const data = await trackFile(join(dir, name), initial, {
    ...opts,
    onWrite: () => writes.count++,
    onError: (e) => writes.errors.push(e),
  });
  opened.push(data);
  return { data, writes, path: join(dir, name) };
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/** Resolves when `cond()` holds (checked every tick), failing after a deadline. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('trackFile round trips', () => {
  it('writes initial to a new JSON file and reads it back with key order, Maps and Sets', async () => {
    const initial = {
      zeta: 1,
      alpha: { b: [1, 'two', true, null], a: 'x' },
      tags: new Set(['red', 'blue']),
      users: new Map([['ada', { admin: true }]]),
      ['__proto__']: { polluted: true },
      tricky: { $set: [1] },
    };
    const { data, path } = await open('state.json', initial);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      zeta: 1,
      alpha: { b: [1, 'two', true, null], a: 'x' },
      tags: { $set: ['red', 'blue'] },
      users: { $map: { ada: { admin: true } } },
      ['__proto__']: { polluted: true },
      tricky: { $object: { $set: [1] } },
    });
    await close(data);
    opened.length = 0;
    const again = await trackFile(path, { zeta: 0 } as typeof initial);
    opened.push(again);
    expect(Object.keys(again)).toEqual(['zeta', 'alpha', 'tags', 'users', '__proto__', 'tricky']);
    expect(Object.keys(again.alpha)).toEqual(['b', 'a']);
    expect(again.tags).toBeInstanceOf(Set);
    expect([...again.tags]).toEqual(['red', 'blue']);
    expect(again.users.get('ada')).toEqual({ admin: true });
    expect(snapshot(again.tricky)).toEqual({ $set: [1] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(again)).toBe(Object.prototype);
  });

  it('round trips YAML, and the text is plain YAML a person can edit', async () => {
    const { data, path } = await open('config.yaml', { name: 'demo', ports: [80, 443], nested: { on: true } });
    data.ports.push(8080);
    data.nested.on = false;
    await flush(data);
    expect(readFileSync(path, 'utf8')).toBe('name: demo\nports:\n  - 80\n  - 443\n  - 8080\nnested:\n  on: false\n');
    await close(data);
    opened.length = 0;
    writeFileSync(path, '# edited by hand\nname: demo\nports: [1, 2]\nnested: {on: true}\nextra: "yes"\n__proto__: {polluted: true}\n');
    const again = await trackFile(path, { name: '', ports: [] as number[], nested: { on: false } });
    opened.push(again);
    expect(snapshot(again)).toEqual({ name: 'demo', ports: [1, 2], nested: { on: true }, extra: 'yes', ['__proto__']: { polluted: true } });
    expect(Object.keys(again)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a Map or Set can be the root', async () => {
    const { data, path } = await open('users.yaml', new Map<string, { age: number }>());
    data.set('ada', { age: 36 });
    await flush(data);
    expect(readFileSync(path, 'utf8')).toBe('$map:\n  ada:\n    age: 36\n');
    writeFileSync(path, '$map:\n  ada: {age: 37}\n  bob: {age: 5}\n');
    await reload(data);
    expect([...data]).toEqual([['ada', { age: 37 }], ['bob', { age: 5 }]]);
    const tags = (await open('tags.json', new Set(['a']))).data;
    expect(JSON.parse(readFileSync(join(dir, 'tags.json'), 'utf8'))).toEqual({ $set: ['a'] });
    expect(tags.has('a')).toBe(true);
  });

  it('an existing file wins over initial; initial only fixes the kind', async () => {
    const path = join(dir, 'list.json');
    writeFileSync(path, '[1, 2, 3]');
    const list = await trackFile(path, [] as number[]);
    opened.push(list);
    expect(snapshot(list)).toEqual([1, 2, 3]);
    await expect(trackFile(join(dir, 'list.json'), [] as number[])).rejects.toMatchObject({ code: 'E_FILE_OPEN' });
  });
});

describe('when writes happen', () => {
  it("'auto': the changes of one tick and of one transact are one write", async () => {
    const { data, writes, path } = await open('a.json', { n: 0, list: [] as number[] });
    expect(writes.count).toBe(1); // the initial write
    data.n = 1;
    data.list.push(1, 2);
    data.n = 2;
    await until(() => writes.count === 2, 'the write');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 2, list: [1, 2] });
    transact(data, () => {
      data.list.length = 0;
      data.n = 3;
    });
    await flush(data);
    expect(writes.count).toBe(3);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 3, list: [] });
  });

  it('a debounce waits for a pause in the changes; flush() writes at once', async () => {
    const { data, writes, path } = await open('d.json', { n: 0 }, { flush: 60_000 });
    for (let i = 1; i <= 5; i++) {
      data.n = i;
      await nextTick();
    }
    expect(writes.count).toBe(1);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 0 });
    await flush(data);
    expect(writes.count).toBe(2);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 5 });
    await flush(data); // nothing pending: no write
    expect(writes.count).toBe(2);
  });

  it('a debounce writes by itself after the pause, once for a burst', async () => {
    const { data, writes, path } = await open('d2.json', { n: 0 }, { flush: 5 });
    data.n = 1;
    data.n = 2;
    await until(() => writes.count === 2, 'the debounced write');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 2 });
  });

  it("'manual' writes only on flush() and close()", async () => {
    const { data, writes, path } = await open('m.yaml', { n: 0 }, { flush: 'manual' });
    data.n = 1;
    await nextTick();
    await nextTick();
    expect(parseYaml(readFileSync(path, 'utf8'))).toEqual({ n: 0 });
    data.n = 2;
    await close(data);
    opened.length = 0;
    expect(writes.count).toBe(2);
    expect(parseYaml(readFileSync(path, 'utf8'))).toEqual({ n: 2 });
  });

  it('hold() suspends writing across ticks, unhold() writes what is pending once; holds nest', async () => {
    const { data, writes, path } = await open('h.json', { n: 0 });
    hold(data);
    hold(data);
    for (let i = 1; i <= 3; i++) {
      data.n = i;
      await nextTick();
    }
    unhold(data);
    await nextTick();
    await nextTick();
    expect(writes.count).toBe(1);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 0 });
    unhold(data);
    await until(() => writes.count === 2, 'the write after unhold');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ n: 3 });
  });

  it('writes never interleave and leave no temporary files', async () => {
    const { data, path } = await open('s.json', { items: [] as string[] });
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      data.items.push('x'.repeat(1000) + i);
      flushes.push(flush(data));
    }
    await Promise.all(flushes);
    expect(JSON.parse(readFileSync(path, 'utf8')).items).toHaveLength(30);
    expect(readdirSync(dir)).toEqual(['s.json']);
  });
});

describe('bad files are errors that name the place, and stay untouched', () => {
  const cases: [string, string, string, number, number][] = [
    ['bad.json', '{\n  "a": 1,\n  "b": }\n', 'E_FILE_PARSE', 3, 8],
    ['trailing.json', '{"a": [1, 2,]}', 'E_FILE_PARSE', 1, 13],
    ['truncated.json', '{\n  "items": [\n    1,\n', 'E_FILE_PARSE', 4, 1],
    ['empty.json', '', 'E_FILE_PARSE', 1, 1],
    ['infinite.json', '{\n  "ok": 1,\n  "big": [1, 1e999]\n}', 'E_FILE_VALUE', 3, 14],
    ['bad.yaml', 'a: 1\nb: [1, 2\nc: 3\n', 'E_FILE_PARSE', 3, 1],
    ['dupe.yaml', 'a: 1\na: 2\n', 'E_FILE_PARSE', 2, 1],
    ['nan.yaml', 'a:\n  b: .nan\n', 'E_FILE_VALUE', 2, 6],
    ['complex-key.yaml', 'ok: 1\n? [x, y]\n: 2\n', 'E_FILE_VALUE', 2, 3],
    ['set-of-objects.yaml', 's:\n  $set:\n    - {a: 1}\n', 'E_FILE_VALUE', 3, 7],
    ['scalar.yaml', '42\n', 'E_FILE_VALUE', 1, 1],
  ];
  for (const [name, text, code, line, col] of cases) {
    it(`${name}: ${code} at ${line}:${col}`, async () => {
      const path = join(dir, name);
      writeFileSync(path, text);
      const before = statSync(path).mtimeMs;
      const error = (await trackFile(path, {}).then(
        () => undefined,
        (e: unknown) => e,
      )) as FileParseError;
      expect(error).toMatchObject({ code, file: path, line, col });
      expect(error.message).toContain(`${path}:${line}:${col}`);
      expect(readFileSync(path, 'utf8')).toBe(text);
      expect(statSync(path).mtimeMs).toBe(before);
      expect(readdirSync(dir)).toEqual([name]);
    });
  }

  it('a file holding an array where an object is expected is refused', async () => {
    const path = join(dir, 'kind.json');
    writeFileSync(path, '[1]');
    await expect(trackFile(path, { a: 1 })).rejects.toMatchObject({ code: 'E_FILE_VALUE' });
    expect(readFileSync(path, 'utf8')).toBe('[1]');
  });

  it('an unknown extension is refused before anything is written', async () => {
    await expect(trackFile(join(dir, 'x.txt'), {})).rejects.toMatchObject({ code: 'E_FILE_PARSE' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('someone else changes the file', () => {
  it('is detected at the next write, reported with E_FILE_CHANGED, and not overwritten', async () => {
    const { data, writes, path } = await open('x.json', { a: 1, b: { c: 1 }, list: [1, 2, 3] });
    const theirs = '{"a": 1, "b": {"c": 2}, "list": [1, 2], "d": true}';
    writeFileSync(path, theirs);
    data.a = 5;
    await until(() => writes.errors.length === 1, 'the error');
    expect(writes.errors[0]).toMatchObject({ code: 'E_FILE_CHANGED', file: path });
    expect(readFileSync(path, 'utf8')).toBe(theirs);
    await expect(flush(data)).rejects.toMatchObject({ code: 'E_FILE_CHANGED' });
    expect(readFileSync(path, 'utf8')).toBe(theirs);

    // reload() takes the disk version as minimal changes with origin 'load'.
    const seen: Change[] = [];
    const stop = subscribe(data, [], (c) => seen.push(c));
    await reload(data);
    stop();
    expect(snapshot(data)).toEqual({ a: 1, b: { c: 2 }, list: [1, 2], d: true });
    expect(seen.map((c) => [c.op, c.path, c.origin])).toEqual([
      ['set', ['a'], 'load'],
      ['set', ['b', 'c'], 'load'],
      ['splice', ['list'], 'load'],
      ['set', ['d'], 'load'],
    ]);
    expect(readFileSync(path, 'utf8')).toBe(theirs); // reloading writes nothing

    data.a = 7; // writing works again
    await flush(data);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ a: 7, b: { c: 2 }, list: [1, 2], d: true });
  });

  it('flush({ overwrite: true }) replaces their version with ours', async () => {
    const { data, path } = await open('o.yaml', { a: 1 });
    writeFileSync(path, 'a: 99\n');
    data.a = 2;
    await expect(flush(data)).rejects.toMatchObject({ code: 'E_FILE_CHANGED' });
    await flush(data, { overwrite: true });
    expect(readFileSync(path, 'utf8')).toBe('a: 2\n');
  });

  it('reload() of a file that no longer parses rejects and changes nothing', async () => {
    const { data, path } = await open('r.json', { a: 1 });
    writeFileSync(path, '{"a": ');
    await expect(reload(data)).rejects.toMatchObject({ code: 'E_FILE_PARSE', line: 1, col: 7 });
    expect(snapshot(data)).toEqual({ a: 1 });
    expect(readFileSync(path, 'utf8')).toBe('{"a": ');
  });
});

describe('handles', () => {
  it('hold/flush/reload/close refuse anything but an open trackFile root', async () => {
    const plain = track({ a: 1 });
    expect(() => hold(plain)).toThrow(expect.objectContaining({ code: 'E_NOT_FILE' }));
    await expect(flush({})).rejects.toMatchObject({ code: 'E_NOT_FILE' });
    const { data } = await open('c.json', { a: 1 });
    await close(data);
    expect(() => unhold(data)).toThrow(expect.objectContaining({ code: 'E_NOT_FILE' }));
    data.a = 2; // still usable in memory
    expect(data.a).toBe(2);
  });
});

describe("the ancestor's defaults", () => {
  it('a path without an extension is <path>.yaml, written as YAML and read back from there', async () => {
    const conf = { name: 'demo', servers: ['a', 'b'] };
    const { data, path } = await open('example-config', conf);
    expect(readdirSync(dir)).toEqual(['example-config.yaml']);
    expect(readFileSync(`${path}.yaml`, 'utf8')).toBe('name: demo\nservers:\n  - a\n  - b\n');
    data.servers.push('c');
    await close(data);
    opened.length = 0;
    const again = await open('example-config', { name: '', servers: [] as string[] });
    expect(snapshot(again.data)).toEqual({ name: 'demo', servers: ['a', 'b', 'c'] });
    expect(readdirSync(dir)).toEqual(['example-config.yaml']);
  });

  it('a dot in a folder name is not an extension', async () => {
    const sub = join(dir, 'conf.d');
    mkdirSync(sub);
    const data = await trackFile(join(sub, 'app'), { a: 1 });
    opened.push(data);
    expect(readdirSync(sub)).toEqual(['app.yaml']);
  });

  it('sortKeys writes every mapping of YAML sorted, and keeps the order in memory', async () => {
    const { data, path } = await open('sorted.yaml', { zeta: 1, alpha: { y: true, b: [{ d: 1, c: 2 }] }, users: new Map([['zoe', 1], ['al', 2]]) }, { sortKeys: true });
    data.alpha.b.push({ d: 3, c: 4 });
    await flush(data);
    expect(readFileSync(path, 'utf8')).toBe(
      'alpha:\n  b:\n    - c: 2\n      d: 1\n    - c: 4\n      d: 3\n  y: true\nusers:\n  $map:\n    al: 2\n    zoe: 1\nzeta: 1\n',
    );
    expect(Object.keys(data)).toEqual(['zeta', 'alpha', 'users']);
  });

  it('sortKeys writes JSON sorted by code point, integer-like keys included', async () => {
    const { data, path } = await open('sorted.json', { b: { '10': 1, '9': 2, a: [] as number[], '': {} } }, { sortKeys: true });
    data.b.a.push(1);
    await flush(data);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe('{\n  "b": {\n    "": {},\n    "10": 1,\n    "9": 2,\n    "a": [\n      1\n    ]\n  }\n}\n');
    expect(JSON.parse(text)).toEqual(snapshot(data));
  });
});
