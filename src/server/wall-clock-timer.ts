// A timer for a wall-clock instant however far away (token expiry is often weeks ahead).

/** Longest delay setTimeout takes (2^31 − 1 ms ≈ 24.8 days); Node fires longer ones after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` once the clock reaches `atMs` (milliseconds since the epoch) and returns a
 * function that cancels it. A single setTimeout cannot wait past ~24.8 days, so far instants
 * are reached in steps of that length, each re-reading the clock; an instant already past
 * fires on the next turn of the event loop.
 */
export function atWallClock(atMs: number, fire: () => void): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = Math.max(0, atMs - Date.now());
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fire, left);
  };
  arm();
  return () => clearTimeout(timer);
}
