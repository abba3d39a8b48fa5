// Every ```ts example of docs/diff.md runs here, so the documentation cannot drift from the code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/diff.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'tinysync-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/diff.md examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((code, i) => [i + 1, code] as const))('example %i runs', async (i, code) => {
    const file = join(dir, `example-${i}.ts`);
    writeFileSync(file, code);
    await import(/* @vite-ignore */ file);
  });
});
