// The shared dashboard document and the edits the UI makes to it. Everything here is plain
// tinysync: mutate the tracked data, one `transact` per user action that touches two places.
import { transact } from 'tinysync';

export interface Card {
  id: string;
  title: string;
  author: string;
}

export interface Column {
  id: string;
  title: string;
  cards: Card[];
}

export interface Dashboard {
  columns: Column[];
  /**
   * KPI name → device id → that device's count; a KPI's value is the sum. Each device writes
   * only its own slot, so increments made at the same time on two devices both survive the
   * merge (two devices writing one shared number concurrently would keep only one write).
   */
  kpis: Record<string, Record<string, number>>;
  series: number[];
}

/** What a fresh board looks like (before the server or another tab has anything). */
export function initialDashboard(): Dashboard {
  return {
    columns: [
      { id: 'todo', title: 'To do', cards: [] },
      { id: 'doing', title: 'Doing', cards: [] },
      { id: 'done', title: 'Done', cards: [] },
    ],
    kpis: { deploys: {}, incidents: {}, coffees: {} },
    series: [],
  };
}

/** The longest series the chart keeps; older points are dropped. */
export const SERIES_LIMIT = 60;

export function newId(): string {
  return crypto.randomUUID().slice(0, 8);
}

export function addCard(data: Dashboard, column: Column, title: string, author: string): void {
  const clean = title.trim();
  if (clean) column.cards.push({ id: newId(), title: clean, author });
}

export function deleteCard(column: Column, card: Card): void {
  const at = column.cards.indexOf(card);
  if (at >= 0) column.cards.splice(at, 1);
}

/** Moves a card to the column `step` places left (-1) or right (+1), as one change. */
export function moveCard(data: Dashboard, column: Column, card: Card, step: -1 | 1): void {
  const from = data.columns.indexOf(column);
  const to = data.columns[from + step];
  if (from < 0 || !to) return;
  transact(data, () => {
    const at = column.cards.indexOf(card);
    if (at < 0) return;
    const [moved] = column.cards.splice(at, 1);
    if (moved) to.cards.push(moved);
  });
}

/** Appends a point to the series, dropping the oldest beyond SERIES_LIMIT, as one change. */
export function addPoint(data: Dashboard, value: number): void {
  if (!Number.isFinite(value)) return;
  transact(data, () => {
    data.series.push(Math.round(value * 10) / 10);
    const extra = data.series.length - SERIES_LIMIT;
    if (extra > 0) data.series.splice(0, extra);
  });
}

/** A plausible next value: a random walk from the last point. */
export function nextPoint(series: readonly number[]): number {
  const last = series[series.length - 1] ?? 50;
  return Math.min(100, Math.max(0, last + (Math.random() - 0.5) * 30));
}

/** A KPI's value: the sum of every device's count. */
export function kpiTotal(data: Dashboard, key: string): number {
  let total = 0;
  for (const n of Object.values(data.kpis[key] ?? {})) total += n;
  return total;
}

/**
 * Adds one to this device's count of a KPI. The tabs of one browser share the device's slot,
 * so the read-modify-write runs under the store's cross-tab lock.
 */
export async function incrementKpi(store: { data: Dashboard; lock<R>(name: string, fn: () => R): Promise<R> }, key: string, device: string): Promise<void> {
  await store.lock(`kpi:${key}`, () => {
    // Assigned values are copied into the tree: read the slot back rather than keep `{}`.
    if (!store.data.kpis[key]) store.data.kpis[key] = {};
    const counts = store.data.kpis[key];
    counts[device] = (counts[device] ?? 0) + 1;
  });
}

/** Finds a card anywhere on the board. */
export function findCard(data: Dashboard, id: string): Card | undefined {
  for (const column of data.columns) {
    for (const card of column.cards) if (card.id === id) return card;
  }
  return undefined;
}
