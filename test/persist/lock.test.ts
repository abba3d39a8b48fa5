// lock(tracked, fn): the ancestor's thread-safe block as an async mutex per root (Node).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { track } from 'tinysync';
import { close, lock, trackFile } from 'tinysync/file';

const turn = () => new Promise<void>((r) => setImmediate(r));

/** The seed's counter: read, wait for something slow, write back one more. */
async function increment(counter: { value: number }): Promise<void> {
  const n = counter.value;
  await turn();
  await turn();
  counter.value = n + 1;
}

describe('lock', () => {
  it("the seed's counter: two concurrent async read-modify-writes end at 2 (1 without the lock)", async () => {
    const unlocked = track({ value: 0 });
    await Promise.all([increment(unlocked), increment(unlocked)]);
    expect(unlocked.value).toBe(1); // the lost update the lock exists for

    const counter = track({ value: 0 });
    await Promise.all([lock(counter, () => increment(counter)), lock(counter, () => increment(counter))]);
    expect(counter.value).toBe(2);
  });

  it('works on a trackFile root, and the file ends with every increment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinysync-lock-'));
    try {
      const counter = await trackFile(join(dir, 'counter.json'), { value: 0 });
      await Promise.all(Array.from({ length: 10 }, () => lock(counter, () => increment(counter))));
      await close(counter);
      expect(JSON.parse(readFileSync(join(dir, 'counter.json'), 'utf8'))).toEqual({ value: 10 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs holders in call order, passes results and errors on, and a throw releases the lock', async () => {
    const root = track({ log: [] as string[] });
    const a = lock(root, async () => {
      await turn();
      root.log.push('a');
      throw new Error('a failed');
    });
    const b = lock(root, 'main', () => 'b ran'); // another name: does not wait for a
    const c = lock(root, async () => {
      root.log.push('c');
      return 42;
    });
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b ran');
    await expect(c).resolves.toBe(42);
    expect(root.log).toEqual(['a', 'c']);
  });

  it('other roots and names do not wait; nested calls for the held lock run at once', async () => {
    const one = track({ n: 0 });
    const two = track({ n: 0 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const holding = lock(one, () => gate);
    await expect(lock(two, () => 'other root')).resolves.toBe('other root');
    await expect(lock(one, 'other name', () => 'other name')).resolves.toBe('other name');
    let waited = false;
    const queued = lock(one, () => (waited = true));
    await turn();
    expect(waited).toBe(false);
    release();
    await holding;
    await queued;
    expect(waited).toBe(true);
    await expect(lock(one, () => lock(one, () => lock(one, async () => 'nested')))).resolves.toBe('nested');
  });

  it('refuses a subtree (E_LOCK_ROOT) and an untracked object', async () => {
    const root = track({ inner: { n: 1 } });
    await expect(lock(root.inner, () => undefined)).rejects.toMatchObject({ code: 'E_LOCK_ROOT', path: ['inner'] });
    await expect(lock({}, () => undefined)).rejects.toMatchObject({ name: 'NotTrackedError' });
  });
});
