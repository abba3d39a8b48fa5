/** @jsxImportSource react */
// Mounting React trees in the browser tests, and undoing what a test set up (mounted roots,
// bindings, listeners) after it, last first.
import { act, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

/** What the current test set up and must undo; a test pushes its own undo steps here too. */
export const cleanups: Array<() => void | Promise<void>> = [];

/** Runs and forgets the current test's cleanups, last first (call it from afterEach). */
export async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

/**
 * Renders `ui` under StrictMode into a fresh element of the page, inside act() so that effects
 * have run when it resolves; the root is unmounted and the element removed by runCleanups().
 */
export async function mount(ui: ReactNode): Promise<HTMLElement> {
  const host = document.body.appendChild(document.createElement('div'));
  let root: Root;
  await act(async () => {
    root = createRoot(host);
    root.render(<StrictMode>{ui}</StrictMode>);
  });
  cleanups.push(async () => {
    await act(async () => root.unmount());
    host.remove();
  });
  return host;
}
