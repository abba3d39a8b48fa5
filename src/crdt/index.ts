// `tinysync/crdt`: the Yjs binding.
export { bind, type BindOptions, type Binding } from './binding.js';
export { BindingError, UpdateError } from './errors.js';
export { isText, text, TrackedText } from './text.js';
