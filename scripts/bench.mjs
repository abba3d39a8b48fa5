// `npm run bench [filter]`: runs bench/*.bench.ts (each prints its tables and merges them
// into bench/results.json). Browser benchmarks need Chromium, found as for the tests.
import { spawnSync } from 'node:child_process';
import { findChromium } from './chromium.mjs';

// Node benchmarks import the built package (bench/vitest.config.ts), as users get it: build it.
console.log('bench: building the package (vite build) so that the benchmarks measure dist/');
const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
process.env.CHROMIUM_PATH = findChromium();
const r = spawnSync('npx', ['vitest', 'run', '--config', 'bench/vitest.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
