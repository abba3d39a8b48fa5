// Per-connection rate limits for requests whose answer costs the server more than the request
// costs the client: a 4-byte sync step 1 makes the server encode (and queue) the whole document.

/** A token bucket: `capacity` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** Milliseconds until the next token (0 when one is there). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
  }
}

/**
 * Answers a connection's costly requests at the bucket's rate, in order. Requests beyond the
 * rate wait (a client that awaits each answer, like tinysync's `synced()`, is only slowed
 * down); when `maxWaiting` already wait, submit() refuses and the caller closes the client.
 */
export class RequestThrottle {
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly maxWaiting: number,
    /** Runs a batch of waiting answers later, in order with the room's other work. */
    private readonly schedule: (run: () => void) => void,
  ) {}

  /** Runs `answer` now if the rate allows, or later; false when too many answers already wait. */
  submit(answer: () => void): boolean {
    if (this.waiting.length === 0 && this.bucket.take()) {
      answer();
      return true;
    }
    if (this.waiting.length >= this.maxWaiting) return false;
    this.waiting.push(answer);
    this.arm();
    return true;
  }

  /** Drops what waits (the connection closed). */
  stop(): void {
    this.stopped = true;
    this.waiting.length = 0;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule(() => this.drain());
    }, this.bucket.msUntilToken());
    this.timer.unref();
  }

  private drain(): void {
    while (!this.stopped && this.waiting.length > 0 && this.bucket.take()) this.waiting.shift()!();
    if (this.waiting.length > 0) this.arm();
  }
}
