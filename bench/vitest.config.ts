// `npm run bench`: every bench/*.bench.ts runs once, one file at a time so that
// measurements do not compete for the two cores.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../vitest.config.js';

// Benchmarks measure what users get: the built package (dist/), not the sources.
const entries: Record<string, string> = { extend: 'extend', diff: 'diff', crdt: 'crdt', reconcile: 'reconcile', file: 'file', db: 'db', tasks: 'tasks', browser: 'browser', solid: 'solid', server: 'server' };
const alias = [
  ...Object.entries(entries).map(([sub, file]) => ({ find: new RegExp(`^tinysync/${sub}$`), replacement: new URL(`../dist/${file}.js`, import.meta.url).pathname })),
  { find: /^tinysync$/, replacement: new URL('../dist/index.js', import.meta.url).pathname },
  { find: /^ws$/, replacement: new URL('../node_modules/ws/wrapper.mjs', import.meta.url).pathname },
  // Solid as apps ship it: its production browser build. vite-plugin-solid's conditions
  // (solid, development, browser) would give the slower development build, flattering tinysync.
  { find: /^solid-js\/store$/, replacement: new URL('../node_modules/solid-js/store/dist/store.js', import.meta.url).pathname },
  { find: /^solid-js$/, replacement: new URL('../node_modules/solid-js/dist/solid.js', import.meta.url).pathname },
];

export default mergeConfig(
  { resolve: { alias }, plugins: base.plugins },
  defineConfig({
    test: {
      include: ['bench/**/*.bench.ts'],
      // The built package is loaded by Node itself, as an app's bundle runs: run through
      // vitest's module runner, each call between dist/'s chunks became a namespace look-up
      // (a nested write cost 1.6× what it costs in plain Node). dist/solid.js stays with the
      // runner, so that its `solid-js` import gets the alias above (Node would pick Solid's inert
      // server build).
      server: { deps: { external: [/\/dist\/(?!solid\.js)[^/]+\.js$/] } },
      environment: 'node',
      fileParallelism: false,
      testTimeout: 600_000,
      hookTimeout: 120_000,
    },
  }),
);
