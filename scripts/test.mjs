// `npm test`: type check, build, size budgets, then every test (unit, browser, end-to-end)
// in one vitest run. Ends with a plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { findChromium } from './chromium.mjs';

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

process.env.CHROMIUM_PATH = findChromium();
const extra = process.argv.slice(2);
const steps = [
  ['types', 'npx', ['tsc', '--noEmit']],
  ['types (examples/react-todo)', 'npx', ['tsc', '--noEmit', '-p', 'examples/react-todo']],
  ['build', 'npm', ['run', '--silent', 'build']],
  ['size', 'node', ['scripts/size.mjs']],
];
for (const [label, cmd, args] of steps) {
  if (run(label, cmd, args) !== 0) {
    console.log(`\n${label} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
const results = '.vitest-results.json';
rmSync(results, { force: true });
const status = run('tests', 'npx', [
  'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...extra,
]);
let passed = 0, failed = 0;
try {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
} catch {
  failed = Math.max(failed, 1);
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
