import type { CancellationToken } from 'vscode-jsonrpc';
import type {
  AnyNotification,
  AnyRequest,
  InitializationOptions,
  PositionEncoding,
  ProgressToken,
  RequestedBy,
  ResultOf,
  ValidParamsOf,
  WindowCapabilities,
} from '../../../protocol/index.js';
import type { ReloadDaemon } from '../../core/ReloadDaemon.js';
import type { DaemonDebugging } from '../../debugging/DaemonDebugging.js';
import type { LogFilter } from '../../logs/LogRing.js';

/** What `initialize` says of the client, for its session. */
export interface ClientDeclaration {
  name?: string;
  processId?: number | null;
  editorCalls?: string[];
  /** LSP's `capabilities.window`: progress, `window/showDocument`, messages with buttons. */
  window?: WindowCapabilities;
  options?: InitializationOptions;
  /** LSP's `capabilities.textDocument.publishDiagnostics`: diagnostics per file too. */
  publishesDiagnostics?: boolean;
  /** What a `character` counts in LSP's own messages to it, chosen from what it offered. */
  positionEncoding: PositionEncoding;
  /**
   * It sent `protocolVersion`: it speaks reloadd's protocol and gets reloadd's notifications
   * (`plugin/didReload`…). A plain LSP client gets LSP's own messages only: some warn of every
   * notification they do not know (lsp-mode does, in a buffer that pops up).
   */
  speaksReloadd: boolean;
}

/** What a handler may ask of the session it serves (ClientSession implements it). */
export interface SessionControls {
  /** The daemon's version, for `initialize`'s serverInfo. */
  readonly version: string;
  /** The request methods this session answers, for `initialize`'s capabilities. */
  readonly methods: readonly string[];
  /**
   * `initialize` succeeded: the client joins the broadcast (and, with `editorCalls`, becomes an
   * editor plugins can call). Nothing reaches it before its `initialized`.
   */
  begin(client: ClientDeclaration): void;
  /** `initialize` has been answered already. */
  readonly begun: boolean;
  /** Who this client is, once `initialize` was answered (its id in `daemon/status`). */
  readonly client: RequestedBy | undefined;
  /** `shutdown`: from now on only `exit` is accepted; the owner's also stops the daemon. */
  shutDown(): Promise<void>;
  /** Streams log entries to this client as `log/entry` (replacing any earlier stream). */
  followLogs(filter: LogFilter): { replayed: number; complete: boolean };
  stopFollowingLogs(): void;
  /** The daemon's work this client is shown on `token` (its `$/progress`), if any. */
  workFor(token: ProgressToken): number | undefined;
}

export interface HandlerContext {
  daemon: ReloadDaemon;
  session: SessionControls;
  /** The daemon's WebSocket endpoint, or null when it does not listen. */
  url(): string | null;
  /** A new one-time code for the dashboard, or null when the daemon serves none (no port). */
  dashboardCode(): { code: string; expiresInMs: number } | null;
  /** The inspector of `--inspect`, and the break-on-error switch. */
  debugging?: DaemonDebugging;
}

/** A request handler: params arrive validated; what it returns is checked against the result schema. */
export interface RequestHandler<D extends AnyRequest = AnyRequest> {
  def: D;
  handle(
    params: ValidParamsOf<D>,
    context: HandlerContext,
    token: CancellationToken,
  ): Promise<ResultOf<D>> | ResultOf<D>;
}

export interface NotificationHandler<D extends AnyNotification = AnyNotification> {
  def: D;
  handle(params: ValidParamsOf<D>, context: HandlerContext): void;
}

/** Declares a request handler (the declaration's types flow into `handle`). */
export function onRequest<D extends AnyRequest>(
  def: D,
  handle: RequestHandler<D>['handle'],
): RequestHandler<D> {
  return { def, handle };
}

export function onNotification<D extends AnyNotification>(
  def: D,
  handle: NotificationHandler<D>['handle'],
): NotificationHandler<D> {
  return { def, handle };
}
