// How much may wait in a client's outgoing buffer. ws queues whatever it is given; a client that
// stops reading (or reads slower than the document changes) would make the server hold every
// update for it, without bound.

/**
 * The outgoing side of one connection: decides whether one more frame may be queued. The
 * buffer may hold `maxBufferedBytes`, plus the largest frame queued since it was last below that
 * mark, so a document bigger than the limit can still be sent whole to a client that reads.
 */
export class Outbox {
  private allowance = 0;

  constructor(
    readonly maxBufferedBytes: number,
    /** Called once the client is found too slow (to log it); the caller then closes it. */
    readonly onOverflow: (buffered: number) => void,
  ) {}

  /** Whether a frame of `bytes` may be queued behind the `buffered` bytes not yet sent. */
  admits(buffered: number, bytes: number): boolean {
    if (buffered <= this.maxBufferedBytes) this.allowance = 0;
    else if (buffered > this.maxBufferedBytes + this.allowance) return false;
    if (bytes > this.allowance) this.allowance = bytes;
    return true;
  }
}
