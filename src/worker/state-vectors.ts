// State vector arithmetic (client id → next clock), for "does A hold everything B holds".

/** True when `have` holds every clock that `want` holds. */
export function coverStateVector(have: Map<number, number>, want: Map<number, number>): boolean {
  for (const [client, clock] of want) if ((have.get(client) ?? 0) < clock) return false;
  return true;
}

/** The pointwise maximum of two state vectors. */
export function mergeStateVectors(a: Map<number, number>, b: Map<number, number>): Map<number, number> {
  const out = new Map(a);
  for (const [client, clock] of b) if ((out.get(client) ?? 0) < clock) out.set(client, clock);
  return out;
}
