// Waiting for the page to reach a state (browser tests cannot import Node helpers), and the
// React major version the running project is meant to test (vitest.config.ts `provide`).

declare module 'vitest' {
  export interface ProvidedContext {
    reactMajor: string;
  }
}

/** Resolves once `check()` holds, polling every animation frame; rejects after `timeout` ms. */
export async function waitFor(check: () => boolean, timeout = 10_000): Promise<void> {
  const end = performance.now() + timeout;
  while (!check()) {
    if (performance.now() > end) throw new Error(`waitFor: not reached within ${timeout} ms`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}
