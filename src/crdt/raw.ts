// The one place the binding reaches into the core's internals: it needs the plain object
// behind a tracked proxy, because `Change.args` / `previous` hold plain objects while
// `Change.target` is a proxy, and the binding must match them by identity.
// TODO(core): export `toRaw` from the core's public face; then import it from '../core/index.js'.
export { toRaw } from '../core/tree.js';
