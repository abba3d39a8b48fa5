// Every ```ts example of README.md runs here (in Node), so the documentation cannot drift
// from the code. A block whose first line is `// browser` runs in the browser tests instead.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => !code.startsWith('// browser'));
// Inside the project, not the system temp dir: an example's own imports (yjs, ...) must resolve
// to this project's node_modules, the ones tinysync itself uses (two Yjs copies do not mix).
const scratch = fileURLToPath(new URL('../.readme-examples/', import.meta.url));
mkdirSync(scratch, { recursive: true });
const dir = mkdtempSync(join(scratch, 'run-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('README.md examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((code, i) => [i + 1, code.split('\n').find((l) => !l.startsWith('import') && l.trim()) ?? '', code] as const))(
    'example %i runs (%s)',
    async (i, _first, code) => {
      // Examples that touch files work in a scratch directory of their own.
      const here = mkdtempSync(join(dir, `example-${i}-`));
      process.chdir(here);
      try {
        const file = join(here, 'example.ts');
        writeFileSync(file, code);
        await import(/* @vite-ignore */ file);
      } finally {
        process.chdir(cwd);
      }
    },
  );
});
