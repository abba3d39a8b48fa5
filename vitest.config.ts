// Three projects in one run: fast unit tests in Node, browser tests in real Chromium
// (vitest browser mode), and end-to-end tests that drive Chromium with playwright-core
// against a real tinysync server.
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import solid from 'vite-plugin-solid';
import { chromiumArgs } from './scripts/chromium.mjs';
import { reactFiles, reactJsx } from './scripts/react-jsx.mjs';

// Tests import the package by its public names; these resolve to the sources.
const alias = [
  ['tinysync/extend', 'src/extend.ts'],
  ['tinysync/diff', 'src/diff/index.ts'],
  ['tinysync/crdt', 'src/crdt/index.ts'],
  ['tinysync/reconcile', 'src/reconcile/index.ts'],
  ['tinysync/file', 'src/persist/index.ts'],
  ['tinysync/db', 'src/db/index.ts'],
  ['tinysync/tasks', 'src/tasks/index.ts'],
  ['tinysync/browser', 'src/worker/index.ts'],
  ['tinysync/solid', 'src/solid/index.ts'],
  ['tinysync/react', 'src/react/index.ts'],
  ['tinysync/server', 'src/server/index.ts'],
  ['tinysync', 'src/index.ts'],
  // vite-plugin-solid adds the `browser` resolve condition, which gives `ws` its browser stub
  // ("ws does not work in the browser"); Node code gets the real one.
  ['ws', 'node_modules/ws/wrapper.mjs'],
].map(([find, file]) => ({ find: new RegExp(`^${find}$`), replacement: new URL(`./${file}`, import.meta.url).pathname }));

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// React 18 for the `react18` project: the same tests against the aliased install
// (react-18, react-dom-18), whose own imports of `react` are redirected too.
const react18 = [
  ['react', 'react-18'],
  ['react/jsx-runtime', 'react-18/jsx-runtime'],
  ['react/jsx-dev-runtime', 'react-18/jsx-dev-runtime'],
  ['react-dom', 'react-dom-18'],
  ['react-dom/client', 'react-dom-18/client'],
  ['react-dom/server', 'react-dom-18/server.browser'],
];
const reactDeps = react18.map(([name]) => name!);

// A fresh object per project: vitest names each instance in place.
const browser = () => ({
  enabled: true,
  headless: true,
  provider: playwright({ launchOptions: { executablePath, args: chromiumArgs } }),
  instances: [{ browser: 'chromium' as const }],
});

export default defineConfig({
  // Solid compiles the .tsx files except React's, which get React's runtime.
  plugins: [solid({ exclude: [reactFiles] }), reactJsx()],
  resolve: { alias },
  // Found up front so that the first browser run does not reload while discovering them.
  optimizeDeps: {
    include: ['yjs', 'comlink', 'idb', 'y-websocket', 'y-protocols/awareness', 'y-protocols/sync', 'lib0/decoding', 'lib0/encoding', ...reactDeps],
  },
  test: {
    environment: 'node',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/**/*.browser.test.ts', 'test/**/*.browser.test.tsx'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.ts', 'test/**/*.browser.test.tsx'],
          // A real tinysync server (child process) for the sync tests.
          globalSetup: ['test/worker/global-setup.ts'],
          testTimeout: 30_000,
          provide: { reactMajor: '19' },
          browser: browser(),
        },
      },
      {
        extends: true,
        resolve: { alias: [...react18.map(([find, to]) => ({ find: new RegExp(`^${find}$`), replacement: to! })), ...alias] },
        test: {
          name: 'react18',
          include: ['test/react/**/*.browser.test.tsx'],
          testTimeout: 30_000,
          provide: { reactMajor: '18' },
          browser: browser(),
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
