import {
  type DaemonStatus,
  type Diagnostic,
  DiagnosticCodes,
  type DidChangeStatusParams,
  type DidReloadParams,
  type LogEntry,
  type PluginInfo,
  type ResultOf,
} from '../../../protocol/index.js';
import { clock } from './format.js';

/**
 * What the dashboard knows, and the pure steps that change it: one function per thing the daemon
 * says. The page's store applies them (DashboardStore.ts) and the views only read. Kept free of
 * the DOM so that test/unit/dashboard checks every step.
 */

/** How many reloads the timeline keeps, and durations each plugin's chart draws. */
export const TIMELINE_SIZE = 500;
export const CHART_POINTS = 100;
/** The log tail's length: the page starts from the last few hundred entries (log/subscribe `last`). */
export const LOG_REPLAY = 300;
export const LOG_SIZE = 1000;

/** A plugin's status as a person reads it: the protocol's four, and what the events add. */
export const ShownStatus = {
  Loading: 'loading',
  Active: 'active',
  Failed: 'failed',
  Disabled: 'disabled',
  RestartRequired: 'restart required',
  Removed: 'removed',
} as const;
export type ShownStatus = (typeof ShownStatus)[keyof typeof ShownStatus];

export const ConnectionState = {
  /** Before the page's first session. */
  Connecting: 'connecting',
  Connected: 'connected',
  /** Nothing answers at the page's address (the daemon stopped): it tries again by itself. */
  Unreachable: 'unreachable',
  /**
   * The daemon there refused the page's session: the page was opened without a link, or with an
   * old one, or the daemon restarted (its token is new). Only a new link gets in.
   */
  Unauthorised: 'unauthorised',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** The command that prints the link of the daemon of the workspace (docs/dashboard.md). */
export const LINK_COMMAND = 'npx reloadd dashboard';

export interface PluginRow {
  info: PluginInfo;
  removed: boolean;
  restartRequired: boolean;
  /** The last CHART_POINTS reload durations, oldest first. */
  durations: number[];
}

/** One reload, as the timeline shows it: `plugin/didReload`, or a reload trace from the log. */
export interface ReloadEvent extends Omit<DidReloadParams, 'status'> {
  /** Increases by one per event this page saw (a key for the views). */
  key: number;
  /** ISO 8601: when the page heard of it (or the log entry's time). */
  at: string;
}

export type DaemonStatusResult = ResultOf<typeof DaemonStatus>;

export interface DashboardState {
  connection: ConnectionState;
  /**
   * ISO 8601: since when what the page shows is no longer followed (its session ended); undefined
   * while connected, and before the first session.
   */
  staleSince: string | undefined;
  /** By id, in the daemon's order. */
  plugins: ReadonlyMap<string, PluginRow>;
  /** Newest first. */
  reloads: readonly ReloadEvent[];
  diagnostics: ReadonlyMap<string, readonly Diagnostic[]>;
  /** Oldest first. */
  logs: readonly LogEntry[];
  status: DaemonStatusResult | undefined;
  nextKey: number;
}

export const EMPTY_STATE: DashboardState = {
  connection: ConnectionState.Connecting,
  staleSince: undefined,
  plugins: new Map(),
  reloads: [],
  diagnostics: new Map(),
  logs: [],
  status: undefined,
  nextKey: 1,
};

export function shownStatus(row: PluginRow): ShownStatus {
  if (row.removed) return ShownStatus.Removed;
  if (row.restartRequired) return ShownStatus.RestartRequired;
  return row.info.status;
}

/** What a row says of its plugin: its status, and when the generation running is an older one, why. */
export interface RowStatus {
  status: ShownStatus;
  /** Beside the status: "last reload failed" when the generation before that reload runs on. */
  note?: string;
  /** What went wrong, and which generation runs. */
  why?: string;
}

export function rowStatus(row: PluginRow): RowStatus {
  const status = shownStatus(row);
  const last = row.info.lastReload;
  if (status !== ShownStatus.Active || !last || last.ok) return { status };
  const cause = last.error ? `${last.error.code}: ${last.error.message}` : 'the reload failed';
  const kept = last.rolledBack
    ? `generation ${row.info.generation} was brought back with its state`
    : `generation ${row.info.generation} runs on`;
  return { status, note: 'last reload failed', why: `${cause} (${kept})` };
}

/** `plugin/list`: the daemon's word replaces the page's, keeping what only events told it. */
export function withPluginList(state: DashboardState, plugins: PluginInfo[]): DashboardState {
  const next = new Map<string, PluginRow>();
  for (const info of plugins) {
    const known = state.plugins.get(info.id);
    // Unchanged rows keep their identity, so that the table re-renders only the changed ones.
    if (known && !known.removed && sameJson(known.info, info)) {
      next.set(info.id, known);
      continue;
    }
    next.set(info.id, {
      info,
      removed: false,
      restartRequired: hasRestartRequired(state.diagnostics.get(info.id)),
      durations: known?.durations ?? [],
    });
  }
  // A plugin the daemon no longer lists stays, greyed, until the page is reloaded.
  for (const [id, row] of state.plugins) if (!next.has(id)) next.set(id, { ...row, removed: true });
  return { ...state, plugins: next };
}

/** `plugin/didReload`: the row changes in place, and the timeline gains an event. */
export function withReload(
  state: DashboardState,
  reload: DidReloadParams,
  at: string,
): DashboardState {
  const event: ReloadEvent = { ...reload, key: state.nextKey, at };
  const reloads = [event, ...state.reloads].slice(0, TIMELINE_SIZE);
  const row = state.plugins.get(reload.id);
  if (!row) return { ...state, reloads, nextKey: state.nextKey + 1 };
  const counted = reload.trigger !== 'startup';
  const count = row.info.reloads.count + (counted ? 1 : 0);
  const failed = row.info.reloads.failed + (counted && !reload.ok ? 1 : 0);
  const info: PluginInfo = {
    ...row.info,
    generation: reload.generation,
    status: reload.ok || reload.generation > 0 ? 'active' : 'failed',
    reloads: { count, failed, successRate: count > 0 ? (count - failed) / count : null },
    lastReload: {
      at,
      ok: reload.ok,
      durationMs: reload.durationMs,
      trigger: reload.trigger,
      ...(reload.error ? { error: reload.error } : {}),
      ...(reload.rolledBack ? { rolledBack: true } : {}),
    },
  };
  const plugins = new Map(state.plugins);
  plugins.set(reload.id, {
    info,
    removed: false,
    restartRequired: reload.error?.code === DiagnosticCodes.RestartRequired,
    durations: [...row.durations, reload.durationMs].slice(-CHART_POINTS),
  });
  return { ...state, plugins, reloads, nextKey: state.nextKey + 1 };
}

/** `plugin/didChangeStatus`: disabled, failed, or removed, outside a reload. */
export function withStatusChange(
  state: DashboardState,
  change: DidChangeStatusParams,
): DashboardState {
  const row = state.plugins.get(change.id);
  if (!row) return state;
  const plugins = new Map(state.plugins);
  plugins.set(
    change.id,
    change.status === 'removed'
      ? { ...row, removed: true }
      : { ...row, removed: false, info: { ...row.info, status: change.status } },
  );
  return { ...state, plugins };
}

/** `plugin/publishDiagnostics`: the whole list for one plugin, replacing the last (as LSP). */
export function withDiagnostics(
  state: DashboardState,
  pluginId: string,
  list: readonly Diagnostic[],
): DashboardState {
  const diagnostics = new Map(state.diagnostics);
  if (list.length === 0) diagnostics.delete(pluginId);
  else diagnostics.set(pluginId, list);
  const row = state.plugins.get(pluginId);
  if (!row) return { ...state, diagnostics };
  const plugins = new Map(state.plugins);
  plugins.set(pluginId, { ...row, restartRequired: hasRestartRequired(list) });
  return { ...state, diagnostics, plugins };
}

/** `plugin/diagnostics` for every plugin: grouped by plugin. */
export function withAllDiagnostics(state: DashboardState, all: Diagnostic[]): DashboardState {
  let next: DashboardState = { ...state, diagnostics: new Map() };
  const byPlugin = new Map<string, Diagnostic[]>();
  for (const d of all) byPlugin.set(d.pluginId, [...(byPlugin.get(d.pluginId) ?? []), d]);
  for (const [id, list] of byPlugin) next = withDiagnostics(next, id, list);
  return next;
}

/** `log/entry`s, in order; a reload's trace line also seeds the timeline when it is replayed. */
export function withLogs(state: DashboardState, entries: readonly LogEntry[]): DashboardState {
  const known = state.logs.at(-1)?.seq ?? -1;
  const fresh = entries.filter((e) => e.seq > known);
  if (fresh.length === 0) return state;
  return { ...state, logs: [...state.logs, ...fresh].slice(-LOG_SIZE) };
}

/**
 * The reloads the page did not hear of (before it opened, or while it was away): the reload
 * trace lines of a replayed log, as timeline events, in their place by time. A reload the
 * timeline has already (heard live while the replay was asked for) is not added twice.
 */
export function withReplayedReloads(
  state: DashboardState,
  entries: readonly LogEntry[],
): DashboardState {
  let key = state.nextKey;
  const events: ReloadEvent[] = [];
  for (const entry of entries) {
    const trace = entry.reload;
    if (!trace || !entry.pluginId) continue;
    const { trigger, ok, generation, durationMs, phases, ...cause } = trace;
    const event: ReloadEvent = {
      id: entry.pluginId,
      ok,
      generation,
      durationMs,
      trigger: trigger as ReloadEvent['trigger'],
      phases,
      ...cause,
      key: key++,
      at: entry.time,
    };
    if (!state.reloads.some((known) => sameReload(known, event))) events.push(event);
  }
  if (events.length === 0) return state;
  const plugins = new Map(state.plugins);
  for (const event of events) {
    const row = plugins.get(event.id);
    if (row)
      plugins.set(event.id, {
        ...row,
        durations: [...row.durations, event.durationMs].slice(-CHART_POINTS),
      });
  }
  // Newest first; a stable sort keeps the order of those of the same millisecond.
  const reloads = [...events.reverse(), ...state.reloads]
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, TIMELINE_SIZE);
  return { ...state, plugins, reloads, nextKey: key };
}

/** What a session fetches once it is up: the daemon's word on everything the page shows. */
export interface SessionStart {
  plugins: PluginInfo[];
  diagnostics: Diagnostic[];
  status: DaemonStatusResult;
  /** The log's tail, `log/subscribe`'s replay. */
  replay: readonly LogEntry[];
}

/**
 * A session is up (the first, or again after the daemon was away): rows, diagnostics and figures
 * as the daemon has them now, the log entries and reloads the page missed, and nothing stale.
 */
export function withSession(state: DashboardState, start: SessionStart): DashboardState {
  const seen = state.logs.at(-1)?.seq ?? -1;
  const missed = start.replay.filter((e) => e.seq > seen);
  let next = withAllDiagnostics(withPluginList(state, start.plugins), start.diagnostics);
  next = withReplayedReloads(withLogs(next, start.replay), missed);
  return {
    ...next,
    status: start.status,
    connection: ConnectionState.Connected,
    staleSince: undefined,
  };
}

/** The page lost its session, or could not open one: what it shows stays, marked stale from `at`. */
export function withConnection(
  state: DashboardState,
  connection: ConnectionState,
  at: string,
): DashboardState {
  if (connection === state.connection) return state;
  const staleSince =
    state.connection === ConnectionState.Connected && connection !== ConnectionState.Connected
      ? at
      : state.staleSince;
  return { ...state, connection, staleSince };
}

/** What the page says of its connection when it is not following its daemon, and what to do. */
export interface ConnectionNotice {
  /** `gone`: nothing answers; `new-token`: a daemon answers, restarted; `no-link`: never in. */
  kind: 'gone' | 'new-token' | 'no-link';
  title: string;
  text: string;
  /** What prints a new link. */
  command: string;
}

/** The notice for the connection's state (pure); undefined while connected or connecting. */
export function connectionNotice(
  state: DashboardState,
  /** Where the page reaches its daemon: `127.0.0.1:7357`. */
  address: string,
): ConnectionNotice | undefined {
  const since = state.staleSince && clock(state.staleSince);
  switch (state.connection) {
    case ConnectionState.Unreachable:
      return {
        kind: 'gone',
        title: 'The daemon is gone',
        text: `Nothing answers at ${address}: the daemon stopped${since ? ` at ${since}, and what this page shows is from then` : ''}. This page reconnects by itself if the daemon answers there again with the same token. A daemon started again has a new token (and often a new port), which this page cannot join: get its link with`,
        command: LINK_COMMAND,
      };
    case ConnectionState.Unauthorised:
      return since
        ? {
            kind: 'new-token',
            title: 'The daemon was restarted',
            text: `A daemon answers at ${address} again, but with a new token: this page cannot rejoin it. What it shows is from ${since}, before the restart. Get the new link with`,
            command: LINK_COMMAND,
          }
        : {
            kind: 'no-link',
            title: 'Not authorised',
            text: 'This page needs the link the daemon prints, with its token: the daemon gives it to whoever can read its files, and to nobody else. To get the link of the daemon running in your workspace, run',
            command: LINK_COMMAND,
          };
    default:
      return undefined;
  }
}

/** One step of "why did it reload": what changed, who asked, or which dependency set it off. */
export type CauseStep =
  | { kind: 'files'; files: string[] }
  | { kind: 'request'; client: string }
  | { kind: 'dependency'; ids: string[] }
  | { kind: 'startup' | 'recovery' }
  | { kind: 'plugin'; id: string; generation: number; ok: boolean }
  | { kind: 'dependents'; ids: string[] }
  /** `generation`: the one running after it (on failure, the one that kept running; 0: none). */
  | { kind: 'outcome'; outcome: 'ok' | 'failed' | 'rolled back'; generation: number };

/**
 * The chain the timeline draws for one reload: its cause → the plugin → the dependents reloaded
 * because of it (later events of the same plan name it in `causedBy`) → how it ended.
 */
export function causeChain(event: ReloadEvent, reloads: readonly ReloadEvent[]): CauseStep[] {
  const steps: CauseStep[] = [causeOf(event)];
  steps.push({ kind: 'plugin', id: event.id, generation: event.generation, ok: event.ok });
  const dependents = reloads
    .filter((r) => r.key > event.key && r.key <= event.key + 64 && r.causedBy?.includes(event.id))
    .map((r) => r.id);
  if (dependents.length > 0) steps.push({ kind: 'dependents', ids: [...new Set(dependents)] });
  steps.push({
    kind: 'outcome',
    outcome: event.ok ? 'ok' : event.rolledBack ? 'rolled back' : 'failed',
    generation: event.generation,
  });
  return steps;
}

function causeOf(event: ReloadEvent): CauseStep {
  switch (event.trigger) {
    case 'file':
      return { kind: 'files', files: event.changedFiles ?? [] };
    case 'request': {
      const by = event.requestedBy;
      const client = by ? `client ${by.clientId}${by.name ? ` (${by.name})` : ''}` : 'a client';
      return { kind: 'request', client };
    }
    case 'dependency':
      return { kind: 'dependency', ids: event.causedBy ?? [] };
    default:
      return { kind: event.trigger };
  }
}

/** Diagnostics about unloading (what a generation left behind), shown in a panel of their own. */
export const UNLOAD_CODES: ReadonlySet<string> = new Set([
  DiagnosticCodes.UnloadLeak,
  DiagnosticCodes.UnloadIncomplete,
  DiagnosticCodes.UnloadedCodeRan,
]);

/** The same reload, heard live and read back from the log (whose times are not the page's). */
function sameReload(a: ReloadEvent, b: ReloadEvent): boolean {
  return (
    a.id === b.id &&
    a.generation === b.generation &&
    a.ok === b.ok &&
    a.trigger === b.trigger &&
    a.durationMs === b.durationMs
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function hasRestartRequired(list: readonly Diagnostic[] | undefined): boolean {
  return list?.some((d) => d.code === DiagnosticCodes.RestartRequired) ?? false;
}
