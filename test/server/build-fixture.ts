// Builds src/server (library and CLI) into node_modules/.cache so tests can run the server in
// a child process with plain `node` (tests themselves run from the TypeScript sources).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Builds once per test file; returns absolute paths of the built server module and CLI. */
export async function buildServer(): Promise<{ server: string; cli: string }> {
  const outDir = `${root}node_modules/.cache/tinysync-server-test-${process.pid}`;
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
  // Optional peers (pg, ioredis) stay imports too, as in the published build.
  const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];
  await build({
    configFile: false,
    root,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      lib: { entry: { server: 'src/server/index.ts', cli: 'src/server/cli.ts' }, formats: ['es'] },
      rollupOptions: {
        external: (id) => id.startsWith('node:') || builtinModules.includes(id) || deps.some((d) => id === d || id.startsWith(`${d}/`)),
      },
    },
  });
  return { server: `${outDir}/server.js`, cli: `${outDir}/cli.js` };
}
