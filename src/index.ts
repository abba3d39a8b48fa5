// The `tinysync` entry: the tracked core and diff / patch / revert.
export * from './core/index.js';
export * from './diff/index.js';
