// When a persister's background write runs: the flush policy, the one pending timer, and the
// holds that suspend it. tinysync/file and tinysync/db share this so that hold/unhold/flush
// mean the same in both.

/**
 * When changes are written: `'auto'` at the end of the tick that made them (all changes of one
 * tick or one transact are one write), a number of milliseconds to wait for a pause in the
 * changes (debounce), or `'manual'` (only on `flush()` and at process exit).
 */
export type FlushPolicy = 'auto' | 'manual' | number;

/**
 * The background write of one store: armed by its changes under a FlushPolicy, suspended while
 * held (holds nest), cancelled when the store writes now. It never writes itself: it calls
 * `run` when the write is due, once per arming.
 */
export class WriteSchedule {
  holds = 0;
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly run: () => void) {}

  /** Arms the background write per `policy`: 'auto' keeps a pending one, a debounce restarts it. */
  arm(policy: FlushPolicy): void {
    if (this.holds > 0 || policy === 'manual') return;
    if (policy === 'auto') {
      this.timer ??= setImmediate(() => this.fire());
    } else {
      this.cancel();
      this.timer = setTimeout(() => this.fire(), policy);
    }
  }

  /** Drops the pending background write, if any. */
  cancel(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as ReturnType<typeof setTimeout>);
    clearImmediate(this.timer as ReturnType<typeof setImmediate>);
    this.timer = undefined;
  }

  /** Starts a hold: nothing is written in the background until the matching unhold(). */
  hold(): void {
    this.holds++;
    this.cancel();
  }

  /** Ends a hold; true when that was the last one, so the caller re-arms if it has changes pending. */
  unhold(): boolean {
    if (this.holds === 0) return false;
    return --this.holds === 0;
  }

  private fire(): void {
    this.timer = undefined;
    this.run();
  }
}
