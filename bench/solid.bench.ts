// Solid in Chromium: time from a remote edit's arrival (a Yjs update) to the DOM showing it,
// on a 1,000-card and a 10,000-card board — tinysync/solid (per-key signals fed by the binding's granular
// patches) side by side with Solid's own createStore + reconcile(snapshot of the doc).
// The page (bench/solid-page.tsx) is bundled with Vite and driven with playwright-core.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import solid from 'vite-plugin-solid';
import { expect, it } from 'vitest';
import { chromiumArgs } from '../scripts/chromium.mjs';
import { percentiles, report, type BenchRow } from './harness.js';

const EDITS = 1000;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const alias = [
  ['tinysync/crdt', '../src/crdt/index.ts'],
  ['tinysync/solid', '../src/solid/index.ts'],
  ['tinysync', '../src/index.ts'],
  // Solid's production browser build: under vitest (NODE_ENV=test) Vite would resolve the
  // `development` condition and bundle Solid's slower development build.
  ['solid-js/store', '../node_modules/solid-js/store/dist/store.js'],
  ['solid-js/web', '../node_modules/solid-js/web/dist/web.js'],
  ['solid-js', '../node_modules/solid-js/dist/solid.js'],
].map(([find, file]) => ({ find: new RegExp(`^${find}$`), replacement: here(file!) }));
const WARMUP = 50;

it('solid: remote edit → DOM on a 1,000- and a 10,000-card board', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tinysync-bench-solid-'));
  const server = createServer();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    writeFileSync(join(out, 'index.html'), '<!doctype html><script type="module" src="./page.js"></script>');
    await build({
      configFile: false,
      logLevel: 'warn',
      plugins: [solid()],
      resolve: { alias },
      define: { 'process.env.NODE_ENV': '"production"' },
      build: {
        outDir: join(out, 'dist'),
        emptyOutDir: true,
        minify: true,
        target: 'es2022',
        lib: { entry: here('./solid-page.tsx'), formats: ['es'], fileName: () => 'page.js' },
      },
    });
    server.on('request', (req, res) => {
      const file = req.url === '/page.js' ? join(out, 'dist/page.js') : join(out, 'index.html');
      res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // Solid's production build, as apps ship it (the development build is slower and would
    // flatter tinysync): the page is bundled in production mode; make sure of it.
    expect(readFileSync(join(out, 'dist/page.js'), 'utf8')).not.toContain('Cannot mutate a Store directly');
    const rows: BenchRow[] = [];
    for (const [size, edits] of [[1000, EDITS], [10_000, 300]] as const) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => document.title === 'ready');
      const r = await page.evaluate(([n, s]) => window.runSolidBench!(n, s), [edits + WARMUP, size] as const);
      const cards = `${size.toLocaleString('en-US')} cards`;
      for (const [subject, samples] of [['tinysync/solid', r.tinysync], ['solid-js createStore + reconcile', r.solidStore]] as const) {
        const p = percentiles(samples.slice(WARMUP));
        rows.push({ case: `remote title edit → DOM, ${cards}, mean`, subject, value: p.mean, unit: 'ms', better: 'lower' });
        rows.push({ case: `remote title edit → DOM, ${cards}, p50`, subject, value: p.p50, unit: 'ms', better: 'lower' });
        rows.push({ case: `remote title edit → DOM, ${cards}, p99`, subject, value: p.p99, unit: 'ms', better: 'lower' });
      }
      expect(r.tinysync).toHaveLength(edits + WARMUP);
      await page.close();
    }
    report('solid (Chromium, production build, 1,000 and 10,000 cards)', rows, 'solid-js createStore + reconcile');
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(out, { recursive: true, force: true });
  }
});
