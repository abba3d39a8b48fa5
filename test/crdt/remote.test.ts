// Remote edits land in the container their Yjs event targets, found through the binding's own
// links: Yjs's `event.path` walks every parent Y.Array from its first item, so using it made
// one remote edit cost O(the record's index) (issue 15, point 1).
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { subscribe, transact } from 'tinysync';
import { replica } from './replicas.js';

afterEach(() => vi.restoreAllMocks());

describe('remote edits find their container without event.path', () => {
  it('field changes (one and several per transaction), an insert and a nested Map change deep in a long array land where they belong, and no path is computed', () => {
    const rows = () => Array.from({ length: 2000 }, (_, i) => ({ id: i, title: '', done: false, tags: new Map<string, number>() }));
    const a = replica({ list: rows() });
    const b = replica({ list: rows() });
    b.binding.applyUpdate(Y.encodeStateAsUpdate(a.doc));
    const heard: (string | number)[][] = [];
    const stop = subscribe(b.state, ['list', '*', 'done'], (c) => heard.push(c.path));
    const path = vi.spyOn(Y.YEvent.prototype, 'path', 'get');

    a.state.list[1990]!.done = true;
    // Several events in one transaction: Yjs would sort a deep observer's events by path.
    transact(a.state, () => {
      a.state.list[1500]!.done = true;
      a.state.list[1800]!.title = 'x';
    });
    a.state.list.splice(5, 0, { id: -1, title: 'new', done: true, tags: new Map() });
    a.state.list[1995]!.tags.set('k', 1);
    for (const u of a.updates.splice(0)) b.binding.applyUpdate(u);

    expect(path).not.toHaveBeenCalled();
    expect(b.state.list[1991]).toEqual({ id: 1990, title: '', done: true, tags: new Map() });
    expect(b.state.list[1501]).toEqual({ id: 1500, title: '', done: true, tags: new Map() });
    expect(b.state.list[1801]!.title).toBe('x');
    expect(b.state.list[5]!.id).toBe(-1);
    expect(b.state.list[1995]!.tags.get('k')).toBe(1);
    expect(b.state.list.length).toBe(2001);
    expect(heard).toEqual([['list', 1990, 'done'], ['list', 1500, 'done'], ['list']]);
    stop();
    a.destroy();
    b.destroy();
  });
});
