// Library build: one ES module per public entry (see package.json "exports"), dependencies
// left external. Entries whose folder does not exist yet are skipped.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const entries: Record<string, string> = {
  index: 'src/index.ts',
  extend: 'src/extend.ts',
  diff: 'src/diff/index.ts',
  crdt: 'src/crdt/index.ts',
  reconcile: 'src/reconcile/index.ts',
  file: 'src/persist/index.ts',
  db: 'src/db/index.ts',
  tasks: 'src/tasks/index.ts',
  browser: 'src/worker/index.ts',
  solid: 'src/solid/index.ts',
  react: 'src/react/index.ts',
  server: 'src/server/index.ts',
  cli: 'src/server/cli.ts',
};
const entry = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

export default defineConfig({
  plugins: [solid()],
  // The sync worker is emitted as dist/sync.worker.js, one self-contained ES module that
  // dist/browser.js loads by a URL relative to itself, so an app that installs the package
  // needs no configuration. An app's bundler copies it as it is (an asset URL, not code it
  // bundles), so it ships minified, unlike the library entries, which apps minify themselves.
  base: './',
  worker: { format: 'es', rollupOptions: { output: { entryFileNames: '[name].js', minify: true } } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    target: 'es2022',
    lib: { entry, formats: ['es'] },
    rollupOptions: {
      external: (id) =>
        id.startsWith('node:') ||
        builtinModules.includes(id) ||
        deps.some((d) => id === d || id.startsWith(`${d}/`)),
    },
  },
});
