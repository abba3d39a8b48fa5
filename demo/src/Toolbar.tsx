// The top bar: board name, who I am, sync status, the offline switch, undo / redo, repair.
import { createSignal, Show } from 'solid-js';
import type { StoreRepairReport } from 'tinysync/browser';
import { useStatus } from 'tinysync/solid';
import type { Dashboard } from './model.js';
import { goOffline, goOnline } from './offline.js';
import type { Session } from './session.js';

function describeRepair(report: StoreRepairReport<Dashboard>): string {
  if (!report.lost) return 'Repaired: the server had every local change.';
  const n = report.inserts.length + report.deletes.length;
  return `Repaired from the server: ${n} local change(s) it never saw were dropped (see the console for the board as it was).`;
}

export function Toolbar(props: { session: Session; doc: string; onRename: (name: string) => void }) {
  const { session } = props;
  const { store } = session;
  const status = useStatus(store);
  const [offline, setOffline] = createSignal(false);
  const [message, setMessage] = createSignal('');

  const toggleOffline = (on: boolean) => {
    setOffline(on);
    if (on) goOffline(store);
    else goOnline(store);
  };
  const history = (step: 'undo' | 'redo') => {
    try {
      if (!store[step]()) setMessage(step === 'undo' ? 'Nothing of yours to undo.' : 'Nothing to redo.');
      else setMessage('');
    } catch (err) {
      setMessage(`${step === 'undo' ? 'Undo' : 'Redo'} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const repair = async () => {
    setMessage('Repairing…');
    try {
      const report = await store.repair();
      if (report.lost) console.info('tinysync demo: the board before repair', report.before);
      setMessage(describeRepair(report));
    } catch (err) {
      setMessage(`Repair failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return (
    <header class="toolbar">
      <div class="brand">
        <span class="logo" aria-hidden="true">⇄</span>
        <div>
          <h1>Team dashboard</h1>
          <span class="muted">
            board <code data-testid="doc-name">{props.doc}</code>
          </span>
        </div>
      </div>
      <div class="controls">
        <label class="me">
          <span class="dot" style={{ background: session.me.color }} />
          <input
            data-testid="my-name"
            value={session.me.name}
            aria-label="Your name"
            onChange={(e) => props.onRename(e.currentTarget.value.trim() || session.me.name)}
          />
        </label>
        <span class={`status status-${String(status())}`} data-testid="status" data-status={String(status())}>
          {String(status())}
        </span>
        <label class="switch">
          <input type="checkbox" data-testid="offline-toggle" checked={offline()} onChange={(e) => toggleOffline(e.currentTarget.checked)} />
          offline
        </label>
        <button data-testid="undo" onClick={() => history('undo')} title="Undo my last change">↶ Undo</button>
        <button data-testid="redo" onClick={() => history('redo')} title="Redo">↷ Redo</button>
        <button data-testid="repair" onClick={() => void repair()} title="Replace local state with the server's">Repair</button>
      </div>
      <Show when={message()}>
        <p class="message" data-testid="message">{message()}</p>
      </Show>
    </header>
  );
}
