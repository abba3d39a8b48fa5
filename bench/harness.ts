// Shared benchmark plumbing: measure with tinybench, print a table per section with every
// row's ratio to a named baseline measured in the same run, and merge the section into
// bench/results.json. Benchmarks live in bench/*.bench.ts and run with `npm run bench`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';

export interface BenchRow {
  /** What was measured, e.g. "W1 nested set". */
  case: string;
  /** Who did it: "tinysync", "valtio", "raw Yjs", ... */
  subject: string;
  /** The measured figure. */
  value: number;
  /** Its unit: "ops/s", "ms", "bytes", ... */
  unit: string;
  /** Whether more is better (ops/s) or less is better (ms, bytes). */
  better: 'higher' | 'lower';
  /** Extra figures to keep in results.json (p99, sizes, ...). */
  extra?: Record<string, number | string>;
}

const RESULTS = new URL('./results.json', import.meta.url);

/** Operations per second of each function, measured side by side in one tinybench run. */
export async function opsPerSecond(
  fns: Record<string, () => unknown>,
  opts: { time?: number; setup?: () => void } = {},
): Promise<Record<string, number>> {
  const bench = new Bench({ time: opts.time ?? 400, warmupTime: 100 });
  for (const [name, fn] of Object.entries(fns)) bench.add(name, fn, opts.setup ? { beforeAll: opts.setup } : {});
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const r = task.result as { throughput?: { mean: number } };
    out[task.name] = r.throughput?.mean ?? Number.NaN;
  }
  return out;
}

/** Wall time of one call in ms (for long one-shot cases such as replaying a trace). */
export async function timeOnce(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** p50 / p99 / mean of a list of samples. */
export function percentiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

/**
 * Prints a section as a table (one line per row, with its ratio to the row of the same case
 * whose subject is `baseline`) and merges it into bench/results.json under `section`.
 */
export function report(section: string, rows: BenchRow[], baseline: string): void {
  const base = new Map(rows.filter((r) => r.subject === baseline).map((r) => [r.case, r.value]));
  const fmt = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4));
  const lines = rows.map((r) => {
    const b = base.get(r.case);
    const ratio = b === undefined ? '' : `${(r.value / b).toFixed(2)}×`;
    return [r.case, r.subject, `${fmt(r.value)} ${r.unit}`, ratio];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...lines.map((l) => l[i]!.length), ['case', 'subject', 'value', `vs ${baseline}`][i]!.length));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n## ${section}\n${row(['case', 'subject', 'value', `vs ${baseline}`])}\n${lines.map(row).join('\n')}`);
  const all = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
  all[section] = {
    baseline,
    measuredAt: new Date().toISOString(),
    rows: rows.map((r) => ({ ...r, ratio: base.has(r.case) ? r.value / base.get(r.case)! : null })),
  };
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}
