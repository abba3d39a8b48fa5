// The top bar: board name, who I am, sync status, the offline switch, undo / redo, repair.
import { createEffect, createSignal, on, Show } from 'solid-js';
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
  // The switch shows the store's state, not only this tab's clicks: another tab of this browser
  // (they share one connection) or the browser losing the network takes the store offline
  // too, and the badge would contradict a switch that stayed off. Between a click and the
  // status following it (the worker closes or opens the socket), the switch shows the click.
  const [asked, setAsked] = createSignal<boolean | null>(null);
  createEffect(on(status, () => setAsked(null), { defer: true }));
  const offline = () => asked() ?? status() === 'offline';
  const [message, setMessage] = createSignal('');

  const toggleOffline = (box: HTMLInputElement) => {
    const goingOffline = box.checked;
    if (goingOffline) {
      setAsked(true);
      goOffline(store);
    } else {
      goOnline(store);
      if (navigator.onLine) setAsked(false);
      else setMessage('This browser has no network: the board reconnects when it is back.');
    }
    box.checked = offline();
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
        <label class="switch" title={status() === 'local' ? 'This board is kept in this browser only (?sync=off)' : 'Work offline: edits are kept here and merged when you switch back'}>
          <input
            type="checkbox"
            data-testid="offline-toggle"
            checked={offline()}
            disabled={status() === 'local'}
            onChange={(e) => toggleOffline(e.currentTarget)}
          />
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
