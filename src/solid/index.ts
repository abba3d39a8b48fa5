// `tinysync/solid`: tracked data is reactive in Solid at the finest grain (importing this
// module installs the read observer), plus signals over a store's status and presence.
export { createTracked, reactive } from './signals.js';
export { usePresence, useStatus, type PresenceSource, type StatusSource } from './status.js';
