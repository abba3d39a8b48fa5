// Invites for POST /register: a token with right `register` lets a device get its own token
// without the admin key travelling to it. The device's scope must lie inside the invite's, its
// right is the invite's grant at most, and an invite is redeemed once per server process.
import { HttpError } from './errors.js';
import type { Right, TokenClaims, TokenScope } from './tokens.js';

/**
 * The scope and right a registration may have under an invite: the scope asked for (`doc`,
 * `prefix`, or none: the invite's own) must lie inside the invite's, and the right asked for
 * must not exceed the invite's `grant`. Anything wider is an HttpError 403.
 */
export function inviteScope(invite: TokenClaims, asked: { doc?: string | undefined; prefix?: string | undefined; right?: Right | undefined }): { scope: TokenScope; right: Right } {
  const grant: Right = invite.grant ?? 'read';
  const right = asked.right ?? grant;
  if (right === 'write' && grant !== 'write') throw new HttpError(403, 'this invite grants read only');
  const inside = (name: string) => (invite.prefix !== undefined ? name.startsWith(invite.prefix) : name === invite.doc);
  if (asked.doc !== undefined) {
    if (!inside(asked.doc)) throw new HttpError(403, `this invite does not cover document "${asked.doc}"`);
    return { scope: { doc: asked.doc }, right };
  }
  if (asked.prefix !== undefined) {
    if (invite.prefix === undefined || !asked.prefix.startsWith(invite.prefix)) throw new HttpError(403, `this invite does not cover prefix "${asked.prefix}"`);
    return { scope: { prefix: asked.prefix }, right };
  }
  return { scope: invite.prefix !== undefined ? { prefix: invite.prefix } : { doc: invite.doc }, right };
}

/**
 * Invites redeemed by this process, by signature, until they expire: a second `POST /register`
 * with the same invite gets 403. Kept in memory, so a restarted server accepts an unexpired
 * invite once more: keep invite lifetimes short.
 */
export class RedeemedInvites {
  private readonly seen = new Map<string, number>();

  /** Marks the invite as used, or throws an HttpError 403 when it was used before. */
  redeem(token: string, exp: number): void {
    const now = Date.now() / 1000;
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
    const key = token.slice(token.lastIndexOf('.') + 1);
    if (this.seen.has(key)) throw new HttpError(403, 'this invite was used already');
    this.seen.set(key, exp);
  }
}
