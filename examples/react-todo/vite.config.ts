// Builds the React todo example into examples/react-todo/dist (served by `npm run
// example:react`, i.e. `tinysync serve --static examples/react-todo/dist`). In this repository
// the package's public names resolve to its sources; an app that installs tinysync needs no
// aliases. JSX: Vite's own transform with React's automatic runtime (tsconfig.json here).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const alias = [
  ['tinysync/crdt', 'src/crdt/index.ts'],
  ['tinysync/browser', 'src/worker/index.ts'],
  ['tinysync/react', 'src/react/index.ts'],
  ['tinysync', 'src/index.ts'],
].map(([find, file]) => ({ find: new RegExp(`^${find}$`), replacement: here(`../../${file}`) }));

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: false,
  resolve: { alias },
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  worker: { format: 'es' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
