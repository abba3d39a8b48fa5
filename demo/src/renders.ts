// Render counting for the end-to-end tests: how often each card's title computation ran and
// how many card components were created. Exposed on window.__tinysyncDemo (see main.tsx).
export const renders = {
  /** card id → runs of the computation that shows its title. */
  titles: new Map<string, number>(),
  /** card id → card components created. */
  created: new Map<string, number>(),
  reset(): void {
    this.titles.clear();
    this.created.clear();
  },
  /** Total runs over all cards. */
  total(map: Map<string, number>): number {
    let n = 0;
    for (const v of map.values()) n += v;
    return n;
  },
};

export function countTitle(id: string): void {
  renders.titles.set(id, (renders.titles.get(id) ?? 0) + 1);
}

export function countCreated(id: string): void {
  renders.created.set(id, (renders.created.get(id) ?? 0) + 1);
}
