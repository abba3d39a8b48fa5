// Pending changes are written when the process ends: on a normal exit (the 'exit' event, where
// only synchronous work runs) and on SIGHUP (terminal closed, ssh session ended), SIGINT and
// SIGTERM. The signal handlers are installed only while a file is open; after writing, the
// signal is raised again so the process ends as it would have without us (unless the
// application has signal handlers of its own).
import { constants } from 'node:os';

/** What an open file does at exit: write its pending changes synchronously. */
export interface ExitFlusher {
  flushAtExit(): void;
}

const open = new Set<ExitFlusher>();
const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;

function flushAll(): void {
  for (const file of open) {
    try {
      file.flushAtExit();
    } catch (e) {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  flushAll();
  open.clear();
  uninstall();
  // Only re-raise when nobody else handles the signal: their handler decides then.
  if (process.listenerCount(signal) === 0) {
    try {
      process.kill(process.pid, signal);
    } catch {
      // Windows cannot raise SIGHUP (it reports a closed console with it): end as a shell would.
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
  }
}

const handlers = new Map<string, () => void>(SIGNALS.map((s) => [s, () => onSignal(s)]));

function install(): void {
  process.on('exit', flushAll);
  for (const [signal, handler] of handlers) process.on(signal, handler);
}

function uninstall(): void {
  process.off('exit', flushAll);
  for (const [signal, handler] of handlers) process.off(signal, handler);
}

/** Adds an open file to those written at exit; installs the hooks with the first one. */
export function registerExit(file: ExitFlusher): void {
  if (open.size === 0) install();
  open.add(file);
}

/** Removes a closed file; the hooks go with the last one, so a closed program exits as usual. */
export function unregisterExit(file: ExitFlusher): void {
  if (!open.delete(file)) return;
  if (open.size === 0) uninstall();
}
