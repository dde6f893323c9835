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

/**
 * What the dashboard knows, and the pure steps that change it: one function per thing the daemon
 * says. The page's store applies them (DashboardStore.ts) and the views only read. Kept free of
 * the DOM so that test/unit checks every step.
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
  RolledBack: 'rolled back',
  RestartRequired: 'restart required',
  Removed: 'removed',
} as const;
export type ShownStatus = (typeof ShownStatus)[keyof typeof ShownStatus];

export const ConnectionState = {
  Connecting: 'connecting',
  Connected: 'connected',
  /** Lost: retrying. */
  Disconnected: 'disconnected',
  /** The daemon refused the page's session (no link, or an old one). */
  Unauthorised: 'unauthorised',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface PluginRow {
  info: PluginInfo;
  removed: boolean;
  /** The last reload failed and the generation before it was brought back. */
  rolledBack: boolean;
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
  if (row.rolledBack && row.info.status === 'active') return ShownStatus.RolledBack;
  return row.info.status;
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
      rolledBack: known?.rolledBack ?? false,
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
    lastReload: { at, ok: reload.ok, durationMs: reload.durationMs, trigger: reload.trigger },
  };
  const plugins = new Map(state.plugins);
  plugins.set(reload.id, {
    info,
    removed: false,
    rolledBack: !reload.ok && reload.rolledBack === true,
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
 * The timeline before this page opened: the reload trace lines of the replayed log, as events.
 * Only when the timeline is empty (live `plugin/didReload`s are the better source).
 */
export function withReplayedReloads(
  state: DashboardState,
  entries: readonly LogEntry[],
): DashboardState {
  if (state.reloads.length > 0) return state;
  let key = state.nextKey;
  const events: ReloadEvent[] = [];
  for (const entry of entries) {
    const trace = entry.reload;
    if (!trace || !entry.pluginId) continue;
    const { trigger, ok, generation, durationMs, phases, ...cause } = trace;
    events.push({
      id: entry.pluginId,
      ok,
      generation,
      durationMs,
      trigger: trigger as ReloadEvent['trigger'],
      phases,
      ...cause,
      key: key++,
      at: entry.time,
    });
  }
  const plugins = new Map(state.plugins);
  for (const event of events) {
    const row = plugins.get(event.id);
    if (row)
      plugins.set(event.id, {
        ...row,
        durations: [...row.durations, event.durationMs].slice(-CHART_POINTS),
      });
  }
  return { ...state, plugins, reloads: events.reverse().slice(0, TIMELINE_SIZE), nextKey: key };
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

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function hasRestartRequired(list: readonly Diagnostic[] | undefined): boolean {
  return list?.some((d) => d.code === DiagnosticCodes.RestartRequired) ?? false;
}
