import {
  type AnyRequest,
  checkResult,
  DaemonStatus,
  DidChangeStatus,
  DidReload,
  type LogEntry,
  LogEntryNotification,
  LogSubscribe,
  type ParamsOf,
  PluginDiagnostics,
  PluginList,
  PublishDiagnostics,
  type ResultOf,
  WEBSOCKET_PATH,
} from '../../../protocol/index.js';
import { backoffDelay, connectBrowserSocket, type ReloaddClient } from '../../browser.js';
import type { DashboardStore } from './DashboardStore.js';
import { ConnectionState, LOG_REPLAY } from './dashboardState.js';
import { openSession, SessionCheck } from './session.js';

const CLIENT_NAME = 'reloadd-dashboard';
/** How often the daemon panel's figures (uptime, memory, clients) are asked for again. */
const STATUS_EVERY_MS = 2000;
/** After reloads, the plugin list is asked for once things calm down (the events kept it current). */
const RELIST_AFTER_MS = 500;

/**
 * The page's connection to its daemon: one session, over the same WebSocket and protocol as
 * every client, with each result checked against its declaration. It feeds the store; when the
 * daemon goes away it says so and tries again, until the page is closed or the daemon there
 * refuses it.
 */
export class DashboardConnection {
  private client: ReloaddClient | undefined;
  private relistTimer: number | undefined;

  constructor(private readonly store: DashboardStore) {}

  /**
   * Connects and stays connected; returns once the daemon refuses the page (no session: only a
   * new link gets in). While nothing answers it tries again, from 250 ms up to every 5 s.
   */
  async run(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const check = await openSession();
      if (check === SessionCheck.Unauthorised) {
        this.store.connection(ConnectionState.Unauthorised);
        return;
      }
      if (check === SessionCheck.Authorised) {
        const session = await this.connect().catch(() => undefined);
        if (session) {
          attempt = 0;
          await session.closed;
        }
      }
      this.client = undefined;
      this.store.connection(ConnectionState.Unreachable);
      await pause(backoffDelay(attempt, { initialMs: 250, maxMs: 5000 }));
    }
  }

  /** A request, its result checked against the protocol's declaration before anyone reads it. */
  async request<D extends AnyRequest>(def: D, params: ParamsOf<D>): Promise<ResultOf<D>> {
    if (!this.client) throw new Error('not connected to the daemon');
    const result = await this.client.request(def, params);
    const checked = checkResult(def, result);
    if (!checked.ok) throw new Error(`${def.method} answered off the protocol: ${checked.problem}`);
    return checked.value;
  }

  /**
   * Opens the WebSocket and the session, and fetches what the page shows. Resolves once all that
   * is done, with the session's end to wait for (in an object: a promise of a promise would
   * resolve only at that end).
   */
  private async connect(): Promise<{ closed: Promise<void> }> {
    const socket = new WebSocket(`ws://${location.host}${WEBSOCKET_PATH}`);
    const client = await connectBrowserSocket(socket);
    const closed = new Promise<void>((resolve) => client.onClose(() => resolve()));
    try {
      await this.follow(client);
    } catch (error) {
      client.dispose();
      throw error;
    }
    const poll = setInterval(() => {
      this.request(DaemonStatus, null)
        .then((s) => this.store.daemonStatus(s))
        .catch(() => undefined);
    }, STATUS_EVERY_MS);
    return { closed: closed.finally(() => clearInterval(poll)) };
  }

  /** Listens, says hello, and hands the store what the daemon has now. */
  private async follow(client: ReloaddClient): Promise<void> {
    client.onNotification(DidReload, (params) => {
      this.store.reloaded(params);
      this.relistSoon();
    });
    client.onNotification(DidChangeStatus, (params) => {
      this.store.statusChanged(params);
      this.relistSoon();
    });
    client.onNotification(PublishDiagnostics, ({ pluginId, diagnostics }) =>
      this.store.diagnostics(pluginId, diagnostics),
    );
    const replay: LogEntry[] = [];
    let replaying = true;
    client.onNotification(LogEntryNotification, (entry) => {
      if (replaying) replay.push(entry);
      else this.store.logged(entry);
    });
    // It shows reloadd's own notifications and log: LSP's window messages would say it twice.
    await client.initialize(CLIENT_NAME, {}, { notifications: false, logMessages: false });
    this.client = client;
    const [{ plugins }, { diagnostics }, status] = await Promise.all([
      this.request(PluginList, null),
      this.request(PluginDiagnostics, null),
      this.request(DaemonStatus, null),
    ]);
    await this.request(LogSubscribe, { level: 'debug', last: LOG_REPLAY });
    replaying = false;
    this.store.session({ plugins, diagnostics, status, replay });
  }

  private relistSoon(): void {
    if (this.relistTimer !== undefined) return;
    this.relistTimer = window.setTimeout(() => {
      this.relistTimer = undefined;
      this.request(PluginList, null)
        .then(({ plugins }) => this.store.pluginList(plugins))
        .catch(() => undefined);
    }, RELIST_AFTER_MS);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
