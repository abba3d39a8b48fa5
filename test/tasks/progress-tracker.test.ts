import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshot, track, type Change } from 'tinysync';
import { onBatch } from 'tinysync/extend';
import { close, trackFile } from 'tinysync/file';
import { ProgressTracker, type TaskRecord } from 'tinysync/tasks';

describe('ProgressTracker on a plain track()', () => {
  it('adds, tries, marks done and failed, and counts', () => {
    const state = track({ tasks: {} as Record<string, TaskRecord<{ size: number }>> });
    const t = new ProgressTracker(state.tasks, { maxTries: 2 }); // fields typed from the container
    // @ts-expect-error size is a number
    expect(() => t.markDone('typed', { size: 'big' })).not.toThrow();
    t.reset('typed');
    expect(t.add('a')).toBe(true);
    expect(t.add('a')).toBe(false);
    expect(t.has('a')).toBe(true);
    expect(t.has('zzz')).toBe(false);
    expect(t.tries('a')).toBe(0);

    expect(t.tryIt('a')).toBe(true);
    t.markDone('a', { size: 10 });
    expect(t.check('a')).toBe(true);
    expect(t.tryIt('a')).toBe(false); // done: no more tries
    expect(t.tries('a')).toBe(1);

    expect(t.tryIt('b')).toBe(true); // added on the way
    t.markFailed('b', new Error('timeout'));
    expect(t.get('b')).toEqual({ _tries: 1, _done: false, _error: 'timeout' });
    expect(t.status('b')).toBe('pending');
    expect(t.tryIt('b')).toBe(true);
    t.markFailed('b', 'still down');
    expect(t.tryIt('b')).toBe(false); // maxTries reached
    expect(t.tries('b')).toBe(2);
    expect(t.status('b')).toBe('failed');

    t.add('c');
    expect([t.done, t.pending, t.failed, t.size]).toEqual([1, 2, 1, 4]);
    expect([...t.keys('pending')]).toEqual(['typed', 'c']);
    expect([...t].map(([k]) => k)).toEqual(['typed', 'a', 'b', 'c']);
    delete state.tasks.typed;
    expect(snapshot(state.tasks)).toEqual({
      a: { _tries: 1, _done: true, size: 10 },
      b: { _tries: 2, _done: false, _error: 'still down' },
      c: { _tries: 0, _done: false },
    });

    t.reset('b');
    expect(t.get('b')).toEqual({ _tries: 0, _done: false });
    expect(t.tryIt('b')).toBe(true);
  });

  it('markDone writes the result and _done in one batch; reserved fields are refused whole', () => {
    const state = track({ tasks: {} as Record<string, TaskRecord> });
    const batches: (readonly Change[])[] = [];
    onBatch(state, (b) => batches.push(b));
    const t = new ProgressTracker(state.tasks);
    t.markDone('x', { pages: 3, url: 'http://example.com' });
    expect(batches).toHaveLength(1);
    expect(snapshot(state.tasks.x)).toEqual({ _tries: 0, _done: true, pages: 3, url: 'http://example.com' });
    expect(() => t.markDone('y', { _tries: 0 } as never)).toThrow(expect.objectContaining({ code: 'E_TASK_FIELD' }));
    expect(t.has('y')).toBe(false); // rolled back
  });

  it('works on a tracked Map too', () => {
    const state = track({ jobs: new Map<string, TaskRecord>() });
    const t = new ProgressTracker(state.jobs, { maxTries: 1 });
    expect(t.tryIt('j1')).toBe(true);
    expect(t.tryIt('j1')).toBe(false);
    expect(state.jobs.get('j1')).toEqual({ _tries: 1, _done: false });
    expect(t.failed).toBe(1);
  });

  it('refuses containers it cannot use', () => {
    expect(() => new ProgressTracker({})).toThrow(expect.objectContaining({ code: 'E_TASK_CONTAINER' }));
    expect(() => new ProgressTracker(track([] as unknown[]) as never)).toThrow(expect.objectContaining({ code: 'E_TASK_CONTAINER' }));
    expect(() => new ProgressTracker(track({}), { maxTries: 0 })).toThrow(RangeError);
  });
});

describe('ProgressTracker on trackFile', () => {
  it('persists the records and resumes from them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinysync-tasks-'));
    try {
      const path = join(dir, 'progress.yaml');
      const first = await trackFile(path, { tasks: {} as Record<string, TaskRecord> });
      const t1 = new ProgressTracker(first.tasks, { maxTries: 3 });
      for (const key of ['a', 'b', 'c']) t1.add(key);
      t1.tryIt('a');
      t1.markDone('a', { bytes: 12 });
      t1.tryIt('b');
      await close(first);
      expect(readFileSync(path, 'utf8')).toContain('bytes: 12');

      const second = await trackFile(path, { tasks: {} as Record<string, TaskRecord> });
      const t2 = new ProgressTracker(second.tasks, { maxTries: 3 });
      expect([t2.check('a'), t2.tries('b'), t2.done, t2.pending]).toEqual([true, 1, 1, 2]);
      expect([...t2.keys('pending')]).toEqual(['b', 'c']);
      await close(second);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
