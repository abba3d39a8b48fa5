// React in Chromium: time from a remote edit's arrival (a Yjs update) to the DOM showing it,
// on a 1,000-row list, and the component renders it costs — tinysync/react side by side with
// valtio's useSnapshot and TinyBase's ui-react in the same page and run, each in its
// fine-grained pattern. The page (bench/react-page.tsx) is bundled with Vite (React's
// production build) and driven with playwright-core.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { expect, it } from 'vitest';
import { chromiumArgs } from '../scripts/chromium.mjs';
import { percentiles, report, type BenchRow } from './harness.js';

const EDITS = 1000;
const WARMUP = 50;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const alias = [
  ['tinysync/crdt', '../src/crdt/index.ts'],
  ['tinysync/react', '../src/react/index.ts'],
  ['tinysync', '../src/index.ts'],
].map(([find, file]) => ({ find: new RegExp(`^${find}$`), replacement: here(file!) }));

type Subject = 'tinysync' | 'valtio' | 'tinybase';
interface PageResult {
  times: Record<Subject, number[]>;
  renders: Record<Subject, { list: number; rows: number }>;
}
declare global {
  interface Window {
    runReactBench?: (edits: number) => Promise<PageResult>;
  }
}

it('react: remote edit → DOM on a 1,000-row list, renders, vs valtio and TinyBase', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tinysync-bench-react-'));
  const server = createServer();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    writeFileSync(join(out, 'index.html'), '<!doctype html><script type="module" src="./page.js"></script>');
    await build({
      configFile: false,
      logLevel: 'warn',
      resolve: { alias },
      mode: 'production',
      oxc: { jsx: { runtime: 'automatic', importSource: 'react', development: false } },
      define: { 'process.env.NODE_ENV': '"production"' },
      build: {
        outDir: join(out, 'dist'),
        emptyOutDir: true,
        minify: true,
        target: 'es2022',
        lib: { entry: here('./react-page.tsx'), formats: ['es'], fileName: () => 'page.js' },
      },
    });
    server.on('request', (req, res) => {
      const file = req.url === '/page.js' ? join(out, 'dist/page.js') : join(out, 'index.html');
      res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.title === 'ready');
    const r = await page.evaluate((n) => window.runReactBench!(n), EDITS + WARMUP);
    const rows: BenchRow[] = [];
    const names: Record<Subject, string> = { tinysync: 'tinysync/react', valtio: 'valtio useSnapshot', tinybase: 'TinyBase ui-react' };
    for (const subject of ['tinysync', 'valtio', 'tinybase'] as const) {
      const p = percentiles(r.times[subject].slice(WARMUP));
      const name = names[subject];
      const edits = EDITS + WARMUP;
      rows.push({ case: 'remote title edit → DOM, mean', subject: name, value: p.mean, unit: 'ms', better: 'lower' });
      rows.push({ case: 'remote title edit → DOM, p50', subject: name, value: p.p50, unit: 'ms', better: 'lower' });
      rows.push({ case: 'remote title edit → DOM, p99', subject: name, value: p.p99, unit: 'ms', better: 'lower' });
      rows.push({ case: 'renders per edit (rows + list)', subject: name, value: (r.renders[subject].rows + r.renders[subject].list) / edits, unit: 'renders', better: 'lower', extra: { rows: r.renders[subject].rows / edits, list: r.renders[subject].list / edits } });
    }
    report('react (Chromium, 1,000 rows)', rows, 'valtio useSnapshot');
    for (const subject of ['tinysync', 'valtio', 'tinybase'] as const) expect(r.times[subject]).toHaveLength(EDITS + WARMUP);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(out, { recursive: true, force: true });
  }
});
