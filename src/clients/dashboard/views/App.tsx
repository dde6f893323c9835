import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  DaemonSetHotReload,
  DaemonStatus,
  PluginDisable,
  PluginEnable,
  PluginProfile,
  PluginReload,
  type ReloadResult,
} from '../../../protocol/index.js';
import type { DashboardConnection } from '../model/DashboardConnection.js';
import type { DashboardStore } from '../model/DashboardStore.js';
import {
  type ConnectionNotice,
  ConnectionState,
  connectionNotice,
  type DashboardState,
} from '../model/dashboardState.js';
import { clock } from '../model/format.js';
import { DaemonPanel } from './DaemonPanel.js';
import { DiagnosticsPanel } from './DiagnosticsPanel.js';
import { LogsPanel } from './LogsPanel.js';
import { type PluginAction, PluginsTable, type PluginView } from './PluginsTable.js';
import { StateInspector } from './StateInspector.js';
import { Timeline } from './Timeline.js';
import { useThrottled } from './useThrottled.js';

/** How often the timeline and the log tail are redrawn, at most (the rows: every frame). */
const LIST_EVERY_MS = 250;
const TABS = ['timeline', 'diagnostics', 'state', 'logs', 'daemon'] as const;
type Tab = (typeof TABS)[number];
const TAB_NAMES: Record<Tab, string> = {
  timeline: 'Timeline',
  diagnostics: 'Diagnostics',
  state: 'State',
  logs: 'Logs',
  daemon: 'Daemon',
};

export function App({
  store,
  connection,
}: {
  store: DashboardStore;
  connection: DashboardConnection;
}) {
  const state = useStore(store);
  const reloads = useThrottled(state.reloads, LIST_EVERY_MS);
  const logs = useThrottled(state.logs, LIST_EVERY_MS);
  const [tab, setTab] = useState<Tab>('timeline');
  const [selected, setSelected] = useState<string | undefined>();
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string>('');

  const act = useCallback(
    (id: string, action: PluginAction) => {
      setBusy((b) => new Set(b).add(id));
      runAction(connection, id, action)
        .then(setNotice)
        .catch((error: Error) => setNotice(`${action} ${id}: ${error.message}`))
        .finally(() =>
          setBusy((b) => {
            const next = new Set(b);
            next.delete(id);
            return next;
          }),
        );
    },
    [connection],
  );
  const open = useCallback((id: string, view: PluginView) => {
    setSelected(id);
    setTab(view);
  }, []);

  const connectionProblem = connectionNotice(state, location.host);
  if (connectionProblem?.kind === 'no-link') return <NotAuthorised notice={connectionProblem} />;
  const connected = state.connection === ConnectionState.Connected;
  // What the page shows came from a session that ended: it stays, marked, until one is up again.
  const stale = !connected && state.staleSince !== undefined;
  const rows = [...state.plugins.values()];
  const counts = new Map([...state.diagnostics].map(([id, list]) => [id, list.length]));
  const hotReload = state.status?.hotReload;
  const pluginsDir = state.status?.pluginsDir;
  const lastReloadOf = selected ? (state.reloads.find((r) => r.id === selected)?.key ?? 0) : 0;
  const showAll = () => setSelected(undefined);

  return (
    <div class="app">
      <header class="top">
        <h1>reloadd</h1>
        <span class={`connection c-${state.connection}`} role="status">
          {describeConnection(state)}
        </span>
        <span class="spacer" />
        <button
          type="button"
          role="switch"
          aria-checked={hotReload === true}
          disabled={hotReload === undefined || !connected}
          onClick={() =>
            connection
              .request(DaemonSetHotReload, { enabled: !hotReload })
              .then(() => connection.request(DaemonStatus, null))
              .then((s) => store.daemonStatus(s))
              .catch((error: Error) => setNotice(`hot reload: ${error.message}`))
          }
        >
          Hot reload: {hotReload === undefined ? '…' : hotReload ? 'on' : 'off'}
          {state.status && state.status.heldChanges > 0
            ? ` (${state.status.heldChanges} held)`
            : ''}
        </button>
        <button
          type="button"
          disabled={!connected}
          onClick={() =>
            connection
              .request(PluginReload, { all: true })
              .then(({ results }) => setNotice(describeResults(results)))
              .catch((error: Error) => setNotice(`reload all: ${error.message}`))
          }
        >
          Reload all
        </button>
      </header>
      {connectionProblem && <ConnectionBanner notice={connectionProblem} />}
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <main
        class={stale ? 'stale' : ''}
        data-stale={stale ? state.staleSince : undefined}
        aria-describedby={connectionProblem ? 'connection-notice' : undefined}
      >
        <PluginsTable
          rows={rows}
          diagnosticCounts={counts}
          selected={selected}
          busy={busy}
          offline={!connected}
          onAction={act}
          onOpen={open}
        />
        <div class="tabs" role="tablist" aria-label="Views">
          {TABS.map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls="panel"
              onClick={() => setTab(t)}
            >
              {TAB_NAMES[t]}
            </button>
          ))}
        </div>
        <div class="panel" id="panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {tab === 'timeline' && (
            <Timeline
              reloads={reloads}
              pluginId={selected}
              pluginsDir={pluginsDir}
              onShowAll={showAll}
            />
          )}
          {tab === 'diagnostics' && (
            <DiagnosticsPanel
              diagnostics={state.diagnostics}
              pluginId={selected}
              pluginsDir={pluginsDir}
              onShowAll={showAll}
            />
          )}
          {tab === 'state' && (
            <StateInspector connection={connection} pluginId={selected} reloadKey={lastReloadOf} />
          )}
          {tab === 'logs' && (
            <LogsPanel logs={logs} pluginIds={rows.map((r) => r.info.id)} pluginId={selected} />
          )}
          {tab === 'daemon' && <DaemonPanel status={state.status} />}
        </div>
      </main>
    </div>
  );
}

function useStore(store: DashboardStore): DashboardState {
  const [state, setState] = useState(store.state);
  useEffect(() => {
    const unsubscribe = store.subscribe(setState);
    // What changed between the first render and this effect would otherwise never be shown.
    setState(store.state);
    return unsubscribe;
  }, [store]);
  return state;
}

async function runAction(
  connection: DashboardConnection,
  id: string,
  action: PluginAction,
): Promise<string> {
  switch (action) {
    case 'reload': {
      const { results } = await connection.request(PluginReload, { id });
      return describeResults(results);
    }
    case 'enable': {
      const { result } = await connection.request(PluginEnable, { id });
      return describeResults([result]);
    }
    case 'disable': {
      const { status } = await connection.request(PluginDisable, { id });
      return `${id} is ${status}`;
    }
    case 'profile': {
      const result = await connection.request(PluginProfile, { id, durationMs: PROFILE_MS });
      download(`${id}.cpuprofile`, JSON.stringify(result.profile));
      const top = result.topFrames[0];
      return `${id} profiled for ${PROFILE_MS / 1000} s, saved as ${id}.cpuprofile (open it in DevTools' Performance panel)${top ? `; busiest: ${top.functionName} (${top.selfMs} ms)` : ''}`;
    }
  }
}

/** How long the row's Profile button records: long enough to catch a busy plugin at work. */
const PROFILE_MS = 2000;

/** Hands `text` to the browser as a file to save. */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function describeResults(results: ReloadResult[]): string {
  return results
    .map((r) =>
      r.ok
        ? `${r.id} is at generation ${r.generation} (${r.durationMs} ms)`
        : `${r.id} did not reload: ${r.error?.message ?? 'failed'}`,
    )
    .join('; ');
}

function describeConnection(state: DashboardState): string {
  const since = state.staleSince ? `: shown as of ${clock(state.staleSince)}` : '';
  switch (state.connection) {
    case ConnectionState.Connected:
      return state.status ? `connected to reloadd ${state.status.version}` : 'connected';
    case ConnectionState.Connecting:
      return 'connecting…';
    case ConnectionState.Unreachable:
      return `not connected, trying again${since}`;
    default:
      return `not connected${since}`;
  }
}

/** Why the page no longer follows its daemon (or never did), and the command for a new link. */
function ConnectionBanner({ notice }: { notice: ConnectionNotice }) {
  return (
    <div class={`connection-notice n-${notice.kind}`} id="connection-notice" role="alert">
      <strong>{notice.title}.</strong> {notice.text} <code>{notice.command}</code>
    </div>
  );
}

function NotAuthorised({ notice }: { notice: ConnectionNotice }) {
  return (
    <main class="unauthorised" role="alert">
      <h1>{notice.title}</h1>
      <p>{notice.text}</p>
      <pre>{notice.command}</pre>
      <p>
        (or <code>{notice.command} --open</code> to open it). Each start of the daemon makes a new
        token, so a link from an earlier run no longer opens this page; and a link that{' '}
        <code>--open</code> opened holds a one-time code instead, which opens one page, once, within
        a minute.
      </p>
    </main>
  );
}
