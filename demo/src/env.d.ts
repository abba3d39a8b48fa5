// What Vite provides to the demo's modules (kept minimal instead of pulling in vite/client).
declare module '*.css';

interface ImportMetaEnv {
  readonly DEV: boolean;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
