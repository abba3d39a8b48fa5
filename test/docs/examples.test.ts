// Every ```ts example of README.md and of the docs site's pages runs here (in Node), so the
// documentation cannot drift from the code. Examples that need a browser (```tsx, and ```ts
// blocks whose first line is `// browser`) cannot run in Node: they are type-checked instead,
// against the sources, with the repository's compiler settings.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, markdownFiles, read, root } from './pages.js';

const blocks = markdownFiles().flatMap((file) => codeBlocks(read(file)).map((block) => ({ file, ...block })));
const runnable = blocks.filter((b) => b.lang === 'ts' && !b.code.startsWith('// browser'));
const browserOnly = blocks.filter((b) => b.lang === 'tsx' || (b.lang === 'ts' && b.code.startsWith('// browser')));

// Inside the project, not the system temp dir: an example's own imports (yjs, ...) must resolve
// to this project's node_modules, the ones tinysync itself uses (two Yjs copies do not mix).
const scratch = join(root, '.docs-examples');
mkdirSync(scratch, { recursive: true });
const dir = mkdtempSync(join(scratch, 'run-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

/** A test name: the example's first line that is not an import. */
const firstLine = (code: string) => code.split('\n').find((l) => !l.startsWith('import') && !l.startsWith('//') && l.trim()) ?? '';

describe('documentation examples', () => {
  it('has examples', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(18);
    expect(browserOnly.length).toBeGreaterThanOrEqual(4);
  });

  it.each(runnable.map((b, i) => [b.file, i + 1, firstLine(b.code), b.code] as const))('%s: example %i runs (%s)', async (_file, i, _first, code) => {
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
  });

  it('browser examples type-check', () => {
    const here = mkdtempSync(join(dir, 'typecheck-'));
    const names = browserOnly.map((b, i) => {
      const react = /from '(react|react-dom\/client|tinysync\/react)'/.test(b.code);
      const name = `${b.file.replace(/[^\w]+/g, '-')}-${i + 1}.${b.lang}`;
      // One JSX runtime per file: the repository compiles .tsx for Solid unless told otherwise.
      writeFileSync(join(here, name), `${react ? '/** @jsxImportSource react */\n' : ''}${b.code}`);
      return `${name} (${b.file})`;
    });
    writeFileSync(join(here, 'tsconfig.json'), JSON.stringify({ extends: join(root, 'tsconfig.json'), include: ['*.ts', '*.tsx'] }));
    const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', here], { encoding: 'utf8' });
    expect(`${tsc.stdout}${tsc.stderr}`, names.join('\n')).toBe('');
    expect(tsc.status).toBe(0);
  });
});
