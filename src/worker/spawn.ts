// The default way to start the sync worker. Kept alone in this file so that the literal
// `new Worker(new URL(...), { type: 'module' })` pattern is what bundlers see (Vite emits the
// worker as its own chunk and rewrites the URL); other bundlers pass `worker: () => Worker`.

/** Starts a new sync worker (a module worker). */
export function spawnSyncWorker(): Worker {
  return new Worker(new URL('./sync.worker.js', import.meta.url), { type: 'module', name: 'tinysync' });
}
