// The dashboard: toolbar, task board, KPIs, chart and presence, all on one shared store.
import type { Store } from 'tinysync/browser';
import { Board } from './Board.js';
import { Chart } from './Chart.js';
import type { Identity } from './identity.js';
import { saveIdentity } from './identity.js';
import { Kpis } from './Kpis.js';
import type { Dashboard } from './model.js';
import { PresenceList } from './PresenceList.js';
import { createSession } from './session.js';
import { Toolbar } from './Toolbar.js';

export function App(props: { store: Store<Dashboard>; doc: string; identity: Identity; token?: string | undefined }) {
  const session = createSession(props.store, props.identity, props.token);
  const rename = (name: string) => {
    session.rename(name);
    saveIdentity({ name, color: session.me.color });
  };
  return (
    <div class="app" data-testid="app">
      <Toolbar session={session} doc={props.doc} onRename={rename} />
      <main>
        <Board session={session} />
        <aside class="side">
          <Kpis session={session} />
          <Chart session={session} />
          <PresenceList session={session} />
        </aside>
      </main>
      <footer class="muted">
        Open this page in another browser (or tab) to see changes live · works offline · built with tinysync
      </footer>
    </div>
  );
}
