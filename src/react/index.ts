// `tinysync/react`: render-tracked views of tracked data (a component re-renders only for what
// it read), a store opened once per app, and hooks over a store's status and presence.
export { ReadOnlyError } from './errors.js';
export { useStore, type Closable } from './store.js';
export { usePresence, useStatus, type PresenceSource, type StatusSource } from './status.js';
export { useTracked } from './tracked.js';
export { source } from './view.js';
