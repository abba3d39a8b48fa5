// Builds the demo dashboard into demo/dist (served by `tinysync serve --static demo/dist`).
// The package's public names resolve to its sources, as in the tests; `precache.json` lists
// every built file for the service worker (public/sw.js) to cache at install.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const alias = [
  ['tinysync/crdt', 'src/crdt/index.ts'],
  ['tinysync/browser', 'src/worker/index.ts'],
  ['tinysync/solid', 'src/solid/index.ts'],
  ['tinysync', 'src/index.ts'],
].map(([find, file]) => ({ find: new RegExp(`^${find}$`), replacement: here(`../${file}`) }));

const publicDir = here('public');

/** Emits precache.json: the built files and public files the service worker caches first. */
function precache(): Plugin {
  return {
    name: 'tinysync-demo-precache',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = [...Object.keys(bundle), ...readdirSync(publicDir).filter((f) => f !== 'sw.js')]
        .filter((f) => !f.endsWith('.map') && f !== 'index.html')
        .sort();
      this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(files, null, 1) });
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir,
  plugins: [solid(), precache()],
  resolve: { alias },
  worker: { format: 'es' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: { port: 5173 },
});
