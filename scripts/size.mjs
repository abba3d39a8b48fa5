// Size budgets (nanostores style): package.json "sizeLimits" lists what a user imports
// ({ "name", "path", "import", "limit" in bytes}) and the budget for it, minified and gzipped,
// dependencies (yjs, ...) excluded. Each is bundled on its own, tree-shaken to what it imports.
// An entry's optional "shared" lists source folders it counts as already paid for (a binding
// measured without the core that every app of it imports through `tinysync` anyway).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const isExternal = (id) => id.startsWith('node:') || external.some((e) => id === e || id.startsWith(`${e}/`));
const dir = mkdtempSync(join(tmpdir(), 'tinysync-size-'));
let over = 0;
try {
  for (const { name, path, import: names = '*', limit, shared = [] } of pkg.sizeLimits) {
    const paid = shared.map((folder) => resolve(folder));
    const inShared = (id, importer) => importer !== undefined && id.startsWith('.') && paid.some((f) => resolve(dirname(importer), id).startsWith(f));
    const entry = join(dir, 'entry.js');
    writeFileSync(entry, names === '*' ? `export * from ${JSON.stringify(resolve(path))};` : `export ${names} from ${JSON.stringify(resolve(path))};`);
    const out = await build({
      configFile: false,
      logLevel: 'silent',
      build: {
        write: false,
        minify: true,
        lib: { entry, formats: ['es'], fileName: 'size' },
        rollupOptions: { output: { minify: true }, external: (id, importer) => isExternal(id) || inShared(id, importer) },
      },
    });
    const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output).filter((c) => c.type === 'chunk');
    const size = gzipSync(chunks.map((c) => c.code).join('\n'), { level: 9 }).length;
    const ok = size <= limit;
    if (!ok) over++;
    console.log(`size: ${name} ${(size / 1000).toFixed(2)} kB min+gz, budget ${(limit / 1000).toFixed(2)} kB ${ok ? 'ok' : 'OVER'}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(over ? 1 : 0);
