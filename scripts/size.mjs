// Size budgets (nanostores style): package.json "sizeLimits" lists what a user imports
// ({ "name", "path", "import", "limit" in bytes}) and the budget for it, minified and gzipped,
// dependencies (yjs, ...) excluded. Each is bundled on its own, tree-shaken to what it imports.
// An entry's optional "shared" lists source folders it counts as already paid for (a binding
// measured without the core that every app of it imports through `tinysync` anyway).
// An entry with "file" instead of "path" is a built file measured as it ships (the sync worker,
// which apps copy as is): gzip -9 of the file, after `npm run build`.
//
// `node scripts/size.mjs --compare` prints, besides, what lands in an app with dependencies
// included, side by side with the main-thread y-indexeddb + y-websocket setup tinysync replaces
// (the size table of README.md, "What it weighs").
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const isExternal = (id) => id.startsWith('node:') || external.some((e) => id === e || id.startsWith(`${e}/`));
const gz = (text) => gzipSync(text, { level: 9 }).length;
const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;
// Inside the project, so that an entry's own imports (yjs, y-indexeddb, ...) resolve.
mkdirSync('node_modules/.cache', { recursive: true });
const dir = mkdtempSync(join(resolve('node_modules/.cache'), 'tinysync-size-'));

/**
 * Library mode inlines every `new URL(file, import.meta.url)` asset as base64; an app's build
 * emits the worker as a file of its own instead, so its URL is left alone here.
 */
const workerByUrl = {
  name: 'worker-stays-a-url',
  transform(code) {
    return code.includes('"sync.worker.js", import.meta.url') ? code.replaceAll('"sync.worker.js", import.meta.url', '"sync.worker.js", location.href') : null;
  },
};

/** Bundles `code` (an ES module) minified, tree-shaken; returns the gzip -9 size of its chunks. */
async function bundled(code, { withDependencies = false, shared = [] } = {}) {
  const paid = shared.map((folder) => resolve(folder));
  const inShared = (id, importer) => importer !== undefined && id.startsWith('.') && paid.some((f) => resolve(dirname(importer), id).startsWith(f));
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, code);
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    plugins: [workerByUrl],
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ['es'], fileName: 'size' },
      rollupOptions: { output: { minify: true }, external: withDependencies ? (id) => id.startsWith('node:') : (id, importer) => isExternal(id) || inShared(id, importer) },
    },
  });
  const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output).filter((c) => c.type === 'chunk');
  return gz(chunks.map((c) => c.code).join('\n'));
}

/** The gzip -9 size of a built file as it ships; fails with a hint when it is not built. */
function shipped(file) {
  if (!existsSync(file)) throw new Error(`size: ${file} is missing; run \`npm run build\` first`);
  return gz(readFileSync(file));
}

let over = 0;
try {
  for (const { name, path, file, import: names = '*', limit, shared = [] } of pkg.sizeLimits) {
    const from = JSON.stringify(resolve(path ?? '.'));
    const size = file !== undefined ? shipped(file) : await bundled(names === '*' ? `export * from ${from};` : `export ${names} from ${from};`, { shared });
    const ok = size <= limit;
    if (!ok) over++;
    console.log(`size: ${name} ${kB(size)} ${file !== undefined ? 'gz -9 as shipped' : 'min+gz'}, budget ${kB(limit)} ${ok ? 'ok' : 'OVER'}`);
  }
  if (process.argv.includes('--compare')) {
    const peer = await bundled(
      `import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
export function open(name, url) {
  const doc = new Y.Doc();
  return { doc, persistence: new IndexeddbPersistence(name, doc), provider: new WebsocketProvider(url, name, doc) };
}`,
      { withDependencies: true },
    );
    // The built package, as an app imports it: the worker is a URL there, not bundled code.
    const main = await bundled(`export { createStore } from ${JSON.stringify(resolve('dist/browser.js'))};`, { withDependencies: true });
    const worker = shipped('dist/sync.worker.js');
    console.log(`compare: main-thread yjs + y-indexeddb + y-websocket (one Y.Doc persisted and synced) ${kB(peer)} min+gz, all on the main thread`);
    console.log(`compare: tinysync/browser createStore with its dependencies (yjs, comlink, ...) ${kB(main)} min+gz on the main thread`);
    console.log(`compare: + dist/sync.worker.js ${kB(worker)} gz -9, loaded in the worker (off the main thread)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(over ? 1 : 0);
