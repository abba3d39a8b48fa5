// The documentation site (`npm run docs:dev`, `npm run docs:build`): VitePress over the pages of
// docs/. The sidebar lists every page; test/docs.test.ts checks that it does, and that every
// link in the pages and the README points at a file and a heading that exist.
import { defineConfig, type DefaultTheme } from 'vitepress';

/** Every page, in reading order: the sidebar, and what the docs test compares with docs/. */
export const sidebar: DefaultTheme.SidebarItem[] = [
  {
    text: 'Start',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Installing', link: '/install' },
      { text: 'The demo', link: '/guide/demo' },
    ],
  },
  {
    text: 'State and sync',
    items: [
      { text: 'Tracking (tinysync)', link: '/guide/tracking' },
      { text: 'Diff, patch, revert', link: '/guide/diff' },
      { text: 'Sync with Yjs (crdt)', link: '/guide/crdt' },
    ],
  },
  {
    text: 'In the browser',
    items: [
      { text: 'Browser runtime', link: '/guide/browser' },
      { text: 'How the runtime is proven', link: '/guide/browser-tests' },
      { text: 'Solid', link: '/guide/solid' },
      { text: 'React', link: '/guide/react' },
    ],
  },
  {
    text: 'In Node',
    items: [
      { text: 'Files (file)', link: '/guide/file' },
      { text: 'Databases (db)', link: '/guide/db' },
      { text: 'Resumable jobs (tasks)', link: '/guide/tasks' },
      { text: 'Reconciling collections', link: '/guide/reconcile' },
    ],
  },
  {
    text: 'Sync server',
    items: [
      { text: 'Server and CLI', link: '/server/' },
      { text: 'Tokens', link: '/server/tokens' },
      { text: 'Permissions', link: '/server/permissions' },
      { text: 'Limits and bad input', link: '/server/limits' },
      { text: 'Persistence', link: '/server/persistence' },
      { text: 'Mounting in your server', link: '/server/mounting' },
      { text: 'Scale-out and deploying', link: '/server/scale-out' },
    ],
  },
  {
    text: 'Project',
    items: [
      { text: 'Benchmarks', link: '/benchmarks' },
      { text: 'Development', link: '/development' },
    ],
  },
];

export default defineConfig({
  title: 'tinysync',
  description: 'Browser-first reactive state and sync: mutate plain objects, the UI follows, every tab and device converges.',
  cleanUrls: true,
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Install', link: '/install' },
      { text: 'Server', link: '/server/' },
      { text: 'Benchmarks', link: '/benchmarks' },
    ],
    sidebar,
    outline: [2, 3],
    search: { provider: 'local' },
  },
});
