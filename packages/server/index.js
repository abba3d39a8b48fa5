// `import { createSyncServer } from '@tinysync/server'`: tinysync/server as this package sees it.
// With npm and yarn the app's own `tinysync/server` finds the server packages too (they are
// hoisted next to it); with pnpm only the tinysync linked under this package has them.
export * from 'tinysync/server';
