import type {
  Diagnostic,
  DidChangeStatusParams,
  DidReloadParams,
  LogEntry,
  PluginInfo,
} from '../../../protocol/index.js';
import {
  type ConnectionState,
  type DaemonStatusResult,
  type DashboardState,
  EMPTY_STATE,
  type SessionStart,
  withConnection,
  withDiagnostics,
  withLogs,
  withPluginList,
  withReload,
  withSession,
  withStatusChange,
} from './dashboardState.js';

/**
 * The one owner of what the page shows: each thing the daemon says is applied here, through the
 * pure steps of dashboardState.ts, and the views re-render from the result. Views never change it.
 */
export class DashboardStore {
  private current: DashboardState = EMPTY_STATE;
  private readonly listeners = new Set<(state: DashboardState) => void>();
  private pendingLogs: LogEntry[] = [];
  private flushQueued = false;
  private renderQueued = false;

  get state(): DashboardState {
    return this.current;
  }

  subscribe(listener: (state: DashboardState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The session ended, or none could be opened: what is shown stays, marked stale. */
  connection(connection: ConnectionState): void {
    this.set(withConnection(this.current, connection, new Date().toISOString()));
  }

  /** A session is up, and this is what the daemon has now. */
  session(start: SessionStart): void {
    this.set(withSession(this.current, start));
  }

  pluginList(plugins: PluginInfo[]): void {
    this.set(withPluginList(this.current, plugins));
  }

  reloaded(reload: DidReloadParams): void {
    this.set(withReload(this.current, reload, new Date().toISOString()));
  }

  statusChanged(change: DidChangeStatusParams): void {
    this.set(withStatusChange(this.current, change));
  }

  diagnostics(pluginId: string, list: Diagnostic[]): void {
    this.set(withDiagnostics(this.current, pluginId, list));
  }

  daemonStatus(status: DaemonStatusResult): void {
    this.set({ ...this.current, status });
  }

  /**
   * A live `log/entry`. Entries come in bursts (a reload logs several): they are gathered and
   * added in one step per burst, so that a busy log does not copy the tail once per line.
   */
  logged(entry: LogEntry): void {
    this.pendingLogs.push(entry);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      const entries = this.pendingLogs;
      this.pendingLogs = [];
      this.set(withLogs(this.current, entries));
    });
  }

  /**
   * Views hear of changes once per frame at most: fifty reloads a second cost one render per
   * frame, not one per message, and a frame that comes late draws everything that came meanwhile.
   */
  private set(next: DashboardState): void {
    if (next === this.current) return;
    this.current = next;
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      for (const listener of this.listeners) listener(this.current);
    });
  }
}
