// Small helpers shared by the browser tests of the runtime (no Node APIs: they run in Chromium).

/** Polls `cond` until it holds; throws, naming `what`, at the deadline. */
export async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Store names unique to this run and prefix, so that tests never see each other's data. */
export function uniqueNames(prefix: string): () => string {
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  let seq = 0;
  return () => `${prefix}/${run}/${++seq}`;
}
