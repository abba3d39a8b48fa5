// Entry: opens the shared store for the board named by `?doc=` (default "demo"), syncing with
// the server that served the page, renders the dashboard, registers the service worker.
import { transact, snapshot } from 'tinysync';
import { createStore } from 'tinysync/browser';
import { reactive } from 'tinysync/solid';
import { render } from 'solid-js/web';
import { App } from './App.js';
import { loadIdentity } from './identity.js';
import { initialDashboard } from './model.js';
import { renders } from './renders.js';
import { registerServiceWorker } from './service-worker.js';
import './styles.css';

const params = new URLSearchParams(location.search);
const doc = params.get('doc') || 'demo';
// `?sync=off` runs on IndexedDB alone (e.g. under `vite dev`, without a tinysync server).
const syncUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/sync`;
// `?token=` for a server with a secret; a viewer link's token may only press KPI buttons (its
// own slot) and set presence.
const token = params.get('token') ?? undefined;
const sync = params.get('sync') === 'off' ? false : { url: syncUrl, ...(token ? { token } : {}) };

const store = await createStore(doc, initialDashboard(), { sync });
reactive(store.data);
const identity = loadIdentity();
const root = document.getElementById('app')!;
root.textContent = '';
const dispose = render(() => <App store={store} doc={doc} identity={identity} token={token} />, root);

/** The test hook: end-to-end tests drive the store and read render counts through it. */
const hook = { store, transact, snapshot, renders, dispose, doc };
declare global {
  interface Window {
    __tinysyncDemo?: typeof hook;
  }
}
window.__tinysyncDemo = hook;
document.documentElement.dataset.ready = 'true';

if (params.get('sw') !== 'off') void registerServiceWorker();
