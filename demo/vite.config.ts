// Builds the demo dashboard into demo/dist (served by `tinysync serve --static demo/dist`).
// The package's public names resolve to its sources, as in the tests; `precache.json` lists
// every built file for the service worker (demo/public/sw.js) to cache at install. Vite's
// publicDir is the project's shared public/ (favicon, icons); demo/public adds what is the
// demo's own (service worker, manifest).
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
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

const publicDir = here('../public');
const demoPublic = here('public');

/** Serves (dev) and copies (build) demo/public's files at `/`, next to the shared public/. */
function ownPublic(): Plugin {
  const files = new Set(readdirSync(demoPublic));
  const types: Record<string, string> = { '.js': 'text/javascript', '.webmanifest': 'application/manifest+json' };
  return {
    name: 'tinysync-demo-public',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = (req.url ?? '').split('?')[0]!.slice(1);
        if (!files.has(name)) return next();
        res.setHeader('Content-Type', types[extname(name)] ?? 'application/octet-stream');
        res.end(readFileSync(join(demoPublic, name)));
      });
    },
    generateBundle() {
      for (const name of files) this.emitFile({ type: 'asset', fileName: name, source: readFileSync(join(demoPublic, name)) });
    },
  };
}

/** Emits precache.json: the built files and public files the service worker caches first. */
function precache(): Plugin {
  return {
    name: 'tinysync-demo-precache',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = [...new Set([...Object.keys(bundle), ...readdirSync(publicDir), ...readdirSync(demoPublic)])]
        .filter((f) => f !== 'sw.js' && !f.endsWith('.map') && f !== 'index.html')
        .sort();
      this.emitFile({ type: 'asset', fileName: 'precache.json', source: JSON.stringify(files, null, 1) });
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir,
  plugins: [solid(), ownPublic(), precache()],
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
