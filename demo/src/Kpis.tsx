// KPI counters. Each increment is a read-modify-write under `store.lock`, so clicks in
// several tabs at once never lose a count.
import { createSignal, For } from 'solid-js';
import type { Session } from './session.js';

const LABELS: Record<string, string> = { deploys: 'Deploys', incidents: 'Incidents', coffees: 'Coffees' };

export function Kpis(props: { session: Session }) {
  const { store, data } = props.session;
  const [busy, setBusy] = createSignal(0);
  const increment = async (key: string) => {
    setBusy((n) => n + 1);
    try {
      await store.lock(`kpi:${key}`, () => {
        data.kpis[key] = (data.kpis[key] ?? 0) + 1;
      });
    } finally {
      setBusy((n) => n - 1);
    }
  };
  return (
    <section class="panel kpis" data-testid="kpis" aria-busy={busy() > 0}>
      <h2>KPIs</h2>
      <div class="kpi-row">
        <For each={Object.keys(data.kpis)}>
          {(key) => (
            <div class="kpi" data-testid="kpi" data-kpi={key}>
              <span class="kpi-label">{LABELS[key] ?? key}</span>
              <strong class="kpi-value" data-testid="kpi-value">{data.kpis[key]}</strong>
              <button data-testid="kpi-increment" onClick={() => void increment(key)}>+1</button>
            </div>
          )}
        </For>
      </div>
    </section>
  );
}
