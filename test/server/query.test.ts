// dbsync's query: GET /docs/<doc>?path=<JSON pointer>&where=field=value&limit=n.
import { createToken } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cleanup, connectClient, pollUntil, startServer, synced } from './helpers.js';

afterEach(cleanup);

const SECRET = 'query-test-secret-0123456789abcdef0123456789';

/** A server holding document `school`: a map with an array of student records and an id-keyed map. */
async function school(opts: Parameters<typeof startServer>[0] = {}, token?: string) {
  const started = await startServer(opts);
  const a = connectClient(started.server.url, 'school', token === undefined ? {} : { token });
  await synced(a);
  a.doc.transact(() => {
    const root = a.doc.getMap('root');
    const students = new Y.Array<Record<string, unknown>>();
    students.push([
      { id: 1, name: 'Ann', grade: 5, active: true },
      { id: 2, name: 'Bo', grade: 4, active: false },
      { id: 3, name: 'Cy', grade: 5, active: true },
      { id: 4, name: 'a/b~c', grade: 5, active: null },
    ]);
    root.set('students', students);
    const rooms = new Y.Map<Record<string, unknown>>();
    rooms.set('r1', { floor: 1 });
    rooms.set('r2', { floor: 2 });
    rooms.set('__proto__', { floor: 1 });
    root.set('rooms', rooms);
    root.set('a/b~c', 'escaped key');
  });
  return { ...started, client: a };
}

const get = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as unknown };
};

describe('GET /docs/<doc>?path=...', () => {
  it('returns the subtree at a JSON pointer, 404 when absent', async () => {
    const { http } = await school();
    const doc = `${http}/docs/school`;
    await pollUntil(() => get(`${doc}?path=/root/students/0/name`), (r) => r.status === 200);
    expect(await get(`${doc}?path=/root/students/1`)).toEqual({ status: 200, body: { id: 2, name: 'Bo', grade: 4, active: false } });
    expect(await get(`${doc}?path=/root/students/2/name`)).toEqual({ status: 200, body: 'Cy' });
    expect(await get(`${doc}?path=${encodeURIComponent('/root/a~1b~0c')}`)).toEqual({ status: 200, body: 'escaped key' });
    expect((await get(`${doc}?path=`)).body).toMatchObject({ root: { rooms: { r1: { floor: 1 } } } });
    for (const absent of ['/root/students/9', '/root/students/01', '/root/students/-1', '/root/nope', '/root/rooms/constructor', '/root/rooms/r1/floor/x', '/nothing']) {
      expect(await get(`${doc}?path=${encodeURIComponent(absent)}`), absent).toMatchObject({ status: 404 });
    }
  });

  it('filters arrays and id-keyed objects of records with where (repeatable, all must hold) and limit', async () => {
    const { http } = await school();
    const students = `${http}/docs/school?path=/root/students`;
    await pollUntil(() => get(students), (r) => r.status === 200);
    const names = async (q: string) => ((await get(`${students}&${q}`)).body as { name: string }[]).map((s) => s.name);
    expect(await names('where=grade=5')).toEqual(['Ann', 'Cy', 'a/b~c']);
    expect(await names('where=grade=5&where=active=true')).toEqual(['Ann', 'Cy']);
    expect(await names('where=active=null')).toEqual(['a/b~c']);
    expect(await names('where=name=Bo')).toEqual(['Bo']);
    expect(await names('where=name=bo')).toEqual([]);
    expect(await names('where=grade=5&limit=2')).toEqual(['Ann', 'Cy']);
    expect(await names('limit=0')).toEqual([]);
    expect(await names(`where=${encodeURIComponent('name=a/b~c')}`)).toEqual(['a/b~c']); // only the first = splits
    expect(await get(`${http}/docs/school?path=/root/rooms&where=floor=1`)).toEqual({ status: 200, body: { r1: { floor: 1 }, ['__proto__']: { floor: 1 } } });
    expect(({} as Record<string, unknown>).floor).toBeUndefined();
  });

  it('answers 400 to malformed queries and to a filter of a scalar', async () => {
    const { http } = await school();
    const doc = `${http}/docs/school`;
    await pollUntil(() => get(doc), (r) => r.status === 200 && 'root' in (r.body as object));
    for (const q of ['path=root', 'path=/a&path=/b', 'where=nofield', 'where==5', 'limit=-1', 'limit=1e3', 'limit=x', 'limit=1&limit=2', 'path=/root/students/0/name&limit=1', `${'where=a=1&'.repeat(17)}`]) {
      expect((await get(`${doc}?${q}`)).status, q).toBe(400);
    }
  });

  it('needs the same read token as the whole document', async () => {
    const write = await createToken({ secret: SECRET, doc: 'school', right: 'write' });
    const { http } = await school({ secret: SECRET }, write);
    const url = `${http}/docs/school?path=/root/students/0/name`;
    const read = await createToken({ secret: SECRET, doc: 'school' });
    const other = await createToken({ secret: SECRET, doc: 'other' });
    expect((await get(url)).status).toBe(401);
    expect((await get(url, { headers: { Authorization: `Bearer ${other}` } })).status).toBe(403);
    // A malformed query is not even parsed without a valid token.
    expect((await get(`${http}/docs/school?path=bad`)).status).toBe(401);
    expect(await pollUntil(() => get(url, { headers: { Authorization: `Bearer ${read}` } }), (r) => r.status === 200)).toEqual({ status: 200, body: 'Ann' });
  });
});
