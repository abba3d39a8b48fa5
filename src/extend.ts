// The `tinysync/extend` entry: the core's hooks for those who write a binding or a persister
// (tinysync/crdt, tinysync/solid and tinysync/file use exactly these). Same module state as
// `tinysync`: both entries share one copy of the core.
export {
  EMBEDDED,
  formatPath,
  ITERATE,
  onBatch,
  pathOf,
  setReadObserver,
  setWriteGuard,
  toRaw,
  type EmbeddedHooks,
  type EmbeddedReport,
  type GuardedWrite,
  type ReadObserver,
  type WriteGuard,
} from './core/index.js';
