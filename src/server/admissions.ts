// Open sync connections counted against the limits: in total, per document, per token.
import type { Limits } from './options.js';

/** Why an upgrade is refused: the HTTP status and the reason sent in the body. */
export interface Refusal {
  status: number;
  reason: string;
}

/** A place taken by one connection; `release()` gives it back (later calls do nothing). */
export interface Admission {
  release(): void;
}

/** Counts connections from their admission at the upgrade until their socket closed. */
export class Admissions {
  private total = 0;
  private readonly perDoc = new Map<string, number>();
  private readonly perToken = new Map<string, number>();

  constructor(private readonly limits: Limits) {}

  /**
   * Takes a place for a connection to `doc` made with the token `tokenKey` identifies (none on
   * an open server), or returns the refusal: 503 when the server or the document is full, 429
   * when that token already holds `maxConnectionsPerToken` connections.
   */
  admit(doc: string, tokenKey: string | undefined): Admission | Refusal {
    if (this.total >= this.limits.maxConnections) return { status: 503, reason: 'too many connections' };
    if ((this.perDoc.get(doc) ?? 0) >= this.limits.maxConnectionsPerDoc) return { status: 503, reason: 'too many connections on this document' };
    if (tokenKey !== undefined && (this.perToken.get(tokenKey) ?? 0) >= this.limits.maxConnectionsPerToken) {
      return { status: 429, reason: `too many connections with this token (at most ${this.limits.maxConnectionsPerToken})` };
    }
    this.total++;
    bump(this.perDoc, doc, 1);
    if (tokenKey !== undefined) bump(this.perToken, tokenKey, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        bump(this.perDoc, doc, -1);
        if (tokenKey !== undefined) bump(this.perToken, tokenKey, -1);
      },
    };
  }
}

function bump(counts: Map<string, number>, key: string, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
