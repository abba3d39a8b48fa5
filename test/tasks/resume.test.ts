// A job over 200 tasks is killed with SIGKILL at random points and rerun until it finishes.
// The child loads the built package (see ../child.ts): run `npx vite build` first.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { distModule, startChild } from '../child.js';

const dir = mkdtempSync(join(tmpdir(), 'tinysync-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MAX_TRIES = 8;

interface Task {
  _tries: number;
  _done: boolean;
  _error?: string;
  result?: number;
  flaky?: boolean;
}

it('killed at random points and rerun: every task ends done exactly once, tries within maxTries', async () => {
  const file = join(dir, 'progress.json');
  const log = join(dir, 'work.log');
  const env = {
    TINYSYNC_FILE_MODULE: distModule('file'),
    TINYSYNC_TASKS_MODULE: distModule('tasks'),
    TINYSYNC_INDEX_MODULE: distModule('index'),
    MAX_TRIES: String(MAX_TRIES),
  };
  // The first KILLS runs are killed at a random point: after a random number of started tasks
  // plus a random delay, so the signal lands anywhere in the flush/work/markDone cycle. Counting
  // started tasks (not wall time) makes every one of those runs die mid-work on a slow machine too.
  const KILLS = 6;
  for (let run = 0; ; run++) {
    expect(run).toBeLessThan(KILLS + 1);
    const child = startChild(new URL('./fixtures/job.mjs', import.meta.url), [file, log], env);
    await child.line((l) => l === 'ready');
    if (run < KILLS) {
      const after = 1 + Math.floor(Math.random() * 25);
      await child.line((l) => l === `started ${after}`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      child.proc.kill('SIGKILL');
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      continue;
    }
    const end = await child.exited;
    expect(end, child.stderr()).toEqual({ code: 0, signal: null });
    expect(child.lines).toContain('finished');
    break;
  }

  const state = JSON.parse(readFileSync(file, 'utf8')) as { tasks: Record<string, Task>; sum: number; doneCount: number };
  const keys = Array.from({ length: 200 }, (_, k) => `t${k}`);
  expect(Object.keys(state.tasks)).toEqual(keys);
  for (const [k, key] of keys.entries()) {
    const task = state.tasks[key]!;
    expect(task).toMatchObject({ _done: true, result: k * 2 });
    expect(task._tries).toBeGreaterThanOrEqual(k % 10 === 3 ? 2 : 1);
    expect(task._tries).toBeLessThanOrEqual(MAX_TRIES);
  }
  // The result of each task was counted once: sum and counter moved with markDone, atomically.
  expect(state.doneCount).toBe(200);
  expect(state.sum).toBe((199 * 200) / 2);

  // Once a task's markDone was on disk, its work never started again.
  const events = readFileSync(log, 'utf8').trim().split('\n');
  const doneAt = new Map<string, number>();
  events.forEach((line, i) => {
    const [what, key] = line.split(' ') as [string, string];
    if (what === 'done') {
      expect(doneAt.has(key), `${key} reported done twice`).toBe(false);
      doneAt.set(key, i);
    } else if (doneAt.has(key)) {
      throw new Error(`${key} started again at log line ${i} after it was done at line ${doneAt.get(key)}`);
    }
  });
}, 60_000);
