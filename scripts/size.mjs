// Size budgets (nanostores style): package.json "sizeLimits" maps a public entry to its
// budget in bytes, minified and gzipped, dependencies (yjs, ...) excluded. Each entry is
// bundled on its own so that shared chunks count where they are used.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), /^node:/];
let over = 0;
for (const [entry, limit] of Object.entries(pkg.sizeLimits)) {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ['es'], fileName: 'size' },
      rollupOptions: { output: { minify: true }, external: (id) => external.some((e) => (typeof e === 'string' ? id === e || id.startsWith(`${e}/`) : e.test(id))) },
    },
  });
  const chunks = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output).filter((c) => c.type === 'chunk');
  const size = gzipSync(chunks.map((c) => c.code).join('\n'), { level: 9 }).length;
  const ok = size <= limit;
  if (!ok) over++;
  console.log(`size: ${entry} ${(size / 1000).toFixed(2)} kB min+gz, budget ${(limit / 1000).toFixed(2)} kB ${ok ? 'ok' : 'OVER'}`);
}
process.exit(over ? 1 : 0);
