// Child processes write streams of changes and are killed; the file must always be whole.
// They load the built package (see ../child.ts): run `npx vite build` first (npm test does).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { close, trackFile } from 'tinysync/file';
import { distModule, startChild } from '../child.js';

const dir = mkdtempSync(join(tmpdir(), 'tinysync-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = () => ({ TINYSYNC_FILE_MODULE: distModule('file') });

function read(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

/** One writer run on `path`, killed with SIGKILL after its first flush plus a random delay. */
async function killedRun(path: string): Promise<void> {
  const before = existsSync(path) ? (read(path) as { items: unknown[] }).items.length : 0;
  const child = startChild(new URL('./fixtures/writer.mjs', import.meta.url), [path], env());
  await child.line((l) => l.startsWith('flushed '));
  await new Promise((r) => setTimeout(r, Math.random() * 40)); // a random point in the stream, not a wait for something
  child.proc.kill('SIGKILL');
  const { signal } = await child.exited;
  expect(signal).toBe('SIGKILL');
  const flushed = Math.max(...child.lines.filter((l) => l.startsWith('flushed ')).map((l) => Number(l.slice(8))));

  // The file parses, holds a prefix of the stream (items 0..k-1, nothing torn or skipped),
  // and at least everything a completed flush() reported.
  const { items } = read(path) as { items: { i: number; pad: string }[] };
  expect(items.length).toBeGreaterThanOrEqual(Math.max(flushed, before));
  items.forEach((item, i) => {
    if (item.i !== i || item.pad.length !== 200) expect({ at: i, item }).toEqual({ at: i, item: { i, pad: 'x'.repeat(200) } });
  });
}

describe('crash safety', () => {
  it('SIGKILL at random points, 50 times: the file always parses and holds a prefix of the writes', async () => {
    // Two files (JSON and YAML) advance side by side, 25 runs each; every run resumes the stream.
    const chain = async (path: string) => {
      for (let run = 0; run < 25; run++) await killedRun(path);
    };
    await Promise.all([chain(join(dir, 'stream.json')), chain(join(dir, 'stream.yaml'))]);

    // Opening the files again removes the temporary files the killed writers left behind.
    for (const name of ['stream.json', 'stream.yaml']) await close(await trackFile(join(dir, name), { items: [] }));
    expect(readdirSync(dir).filter((n) => n.startsWith('stream.')).sort()).toEqual(['stream.json', 'stream.yaml']);
  }, 60_000);
});

describe('pending changes are written when the process ends', () => {
  for (const how of ['return', 'exit'] as const) {
    it(`on a normal exit (${how})`, async () => {
      const path = join(dir, `exit-${how}.json`);
      const child = startChild(new URL('./fixtures/exit.mjs', import.meta.url), [path, how], env());
      expect(await child.exited).toEqual({ code: 0, signal: null });
      expect(read(path)).toEqual({ runs: 1, how });
    });
  }

  for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal}, and the process still ends by that signal`, async () => {
      const path = join(dir, `exit-${signal}.yaml`);
      const child = startChild(new URL('./fixtures/exit.mjs', import.meta.url), [path, 'signal'], env());
      await child.line((l) => l === 'ready');
      expect(read(path)).toEqual({ runs: 0, how: '' }); // 'manual': nothing written yet
      child.proc.kill(signal);
      expect(await child.exited).toEqual({ code: null, signal });
      expect(read(path)).toEqual({ runs: 1, how: 'signal' });
    });
  }
});
