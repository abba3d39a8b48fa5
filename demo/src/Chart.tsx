// A live line chart of a shared numeric series; anyone can add points.
import { createMemo, Show } from 'solid-js';
import { addPoint, nextPoint } from './model.js';
import type { Session } from './session.js';

const W = 420;
const H = 140;
const PAD = 8;

export function Chart(props: { session: Session }) {
  const { data } = props.session;
  let input: HTMLInputElement | undefined;
  const geometry = createMemo(() => {
    const series = data.series;
    const n = series.length;
    const max = Math.max(1, ...series);
    const min = Math.min(0, ...series);
    const span = Math.max(n - 1, 19);
    const x = (i: number) => PAD + (i * (W - 2 * PAD)) / span;
    const y = (v: number) => H - PAD - ((v - min) * (H - 2 * PAD)) / (max - min || 1);
    const points = series.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    return { points: points.join(' '), last: series[n - 1], area: n > 1 ? `${PAD},${H - PAD} ${points.join(' ')} ${x(n - 1).toFixed(1)},${H - PAD}` : '' };
  });
  const add = (e: SubmitEvent) => {
    e.preventDefault();
    const raw = input?.value.trim() ?? '';
    addPoint(data, raw === '' ? nextPoint(data.series) : Number(raw));
    if (input) input.value = '';
  };
  return (
    <section class="panel chart" data-testid="chart">
      <h2>
        Latency (ms) <span class="muted" data-testid="chart-count">{data.series.length} points</span>
      </h2>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Shared series" data-testid="chart-svg">
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} class="axis" />
        <Show when={geometry().area}>
          <polygon points={geometry().area} class="area" />
        </Show>
        <polyline points={geometry().points} class="line" data-testid="chart-line" />
      </svg>
      <form class="add-point" onSubmit={add}>
        <input ref={input} data-testid="point-input" inputMode="decimal" placeholder="value (empty: random)" aria-label="New point" disabled={!props.session.canAddPoints} />
        <button type="submit" data-testid="add-point" disabled={!props.session.canAddPoints}>Add point</button>
        <span class="muted">last: <span data-testid="chart-last">{geometry().last ?? '—'}</span></span>
      </form>
    </section>
  );
}
