import { render } from 'preact';
import { DashboardConnection } from './model/DashboardConnection.js';
import { DashboardStore } from './model/DashboardStore.js';
import { App } from './views/App.js';

/**
 * The dashboard's entry: one store, one connection feeding it, one page reading it. Served by
 * the daemon from dist/dashboard (scripts/bundle.mjs builds it from here).
 */
const store = new DashboardStore();
const connection = new DashboardConnection(store);
const root = document.getElementById('app');
if (root) render(<App store={store} connection={connection} />, root);
// A new link pasted into this tab changes only the fragment, which loads nothing: start over, so
// that its token (or one-time code) is traded as on a first load.
window.addEventListener('hashchange', () => {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token') || fragment.has('code')) location.reload();
});
connection.run().catch((error: unknown) => {
  console.error('reloadd dashboard: the connection loop stopped', error);
});
