import {
  type CancellationToken,
  CancellationTokenSource,
  type MessageConnection,
  ResponseError,
} from 'vscode-jsonrpc';
import {
  type AnyNotification,
  checkParams,
  checkResult,
  EditorCall,
  ErrorCodes,
  Exit,
  IgnoredClientNotifications,
  Initialize,
  Initialized,
  LogEntryNotification,
  type ProgressToken,
  type RequestedBy,
  Shutdown,
} from '../../protocol/index.js';
import type { ReloadDaemon } from '../core/ReloadDaemon.js';
import type { DaemonDebugging } from '../debugging/DaemonDebugging.js';
import type { LogFilter, LogRing, LogSubscription } from '../logs/LogRing.js';
import type { Logger } from '../logs/logger.js';
import type { ClientNotifier } from '../toClients/Broadcaster.js';
import type { EditorRegistration } from '../toClients/EditorBridge.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import type {
  ClientDeclaration,
  HandlerContext,
  NotificationHandler,
  RequestHandler,
  SessionControls,
} from './handlers/handler.js';
import { notificationHandlers, requestHandlers } from './handlers/table.js';
import { LspViews } from './window/LspViews.js';
import type { WindowSettings } from './window/windowMessages.js';

/** What LSP clients send whatever the daemon asked for: taken and left alone. */
const IGNORED_NOTIFICATIONS = new Set<string>(IgnoredClientNotifications);

/** What a client that has not sent `initialized` is kept of what it is sent. */
const MAX_HELD = 10_000;

/** Where a session is in LSP's lifecycle. */
export const SessionPhase = {
  /** Before `initialize`: only `initialize` is answered. */
  Waiting: 'waiting',
  Running: 'running',
  /** After `shutdown`: only `exit` (and another `shutdown`) is accepted. */
  ShuttingDown: 'shutdown',
} as const;
export type SessionPhase = (typeof SessionPhase)[keyof typeof SessionPhase];

/** What every client session is served from. */
export interface ServerContext {
  daemon: ReloadDaemon;
  logs: LogRing;
  /** The WebSocket endpoint, or null when the daemon does not listen. */
  url(): string | null;
  /** A one-time code for the dashboard's `/session`, or null when there is no dashboard. */
  dashboardCode?(): { code: string; expiresInMs: number } | null;
  /** The inspector of `--inspect`, and the break-on-error switch. */
  debugging?: DaemonDebugging;
  /** What LSP clients are shown: `notifications`, `notifySuccess`, `logMessages`, `messageActions`. */
  window?: WindowSettings;
}

export interface SessionOptions {
  logger: Logger;
  version: string;
  transport: 'stdio' | 'websocket';
  /**
   * The client that owns the daemon (the editor that spawned it over stdio): its `shutdown` stops
   * the daemon. Any other client's `shutdown` and `exit` end only its own session.
   */
  owner: boolean;
  hooks: SessionHooks;
}

export interface SessionHooks {
  /** The client sent `initialized`. The owner's is the cue to load plugins. */
  onInitialized?(): void;
  /** The owner's `shutdown` has stopped the core: other clients should be let go now. */
  onShutdown?(): Promise<void>;
  /** `initialize` named the client's process: the daemon should not outlive it (LSP). */
  watchClientProcess?(pid: number): void;
  /**
   * The session is over (`exit`, or the connection closed); 0 when `shutdown` came first. For the
   * owner the process ends with this code; another client's connection is closed.
   */
  onExit(code: number): void;
}

/**
 * One client's session on one connection: LSP's phase machine, the notifications held until the
 * client has sent `initialized`, its place in the broadcast, its editor registration and its
 * log stream, and the end of all of them. Every request goes through one wrapper: lifecycle
 * checks, params checked against the protocol (-32602 with zod's message), cancellation (-32800),
 * and RequestFailure → JSON-RPC error with its stable code in `data.code`. What each method does is
 * in sessions/handlers, one file per feature.
 */
export class ClientSession implements SessionControls {
  private phase: SessionPhase = SessionPhase.Waiting;
  private initializedSeen = false;
  private ended = false;
  private membership: { id: number; remove(): void } | undefined;
  private clientName: string | undefined;
  private editor: EditorRegistration | undefined;
  private logStream: LogSubscription | undefined;
  /** What the client is shown in LSP's own terms, once `initialize` said what it shows. */
  private views: LspViews | undefined;
  private readonly requests = new Map<string, RequestHandler>(
    requestHandlers.map((h) => [h.def.method, h]),
  );
  private readonly notifications = new Map<string, NotificationHandler>(
    notificationHandlers.map((h) => [h.def.method, h]),
  );
  private readonly handlerContext: HandlerContext;
  /** What the client is sent between its `initialize` and its `initialized`. */
  private held: (() => void)[] | undefined = [];
  /** More was held than MAX_HELD: nothing more is, and what stands is sent at `initialized`. */
  private heldOverflow = false;
  /** An editor's registration, made at its `initialized`. */
  private editorToRegister: (() => EditorRegistration) | undefined;

  constructor(
    private readonly connection: MessageConnection,
    private readonly context: ServerContext,
    private readonly options: SessionOptions,
  ) {
    this.handlerContext = {
      daemon: context.daemon,
      session: this,
      url: () => context.url(),
      dashboardCode: () => context.dashboardCode?.() ?? null,
      ...(context.debugging ? { debugging: context.debugging } : {}),
    };
    connection.onRequest((method, params, token) => this.onRequest(method, params, token));
    connection.onNotification((method, params) => this.onNotification(method, params));
    connection.onClose(() => this.end());
  }

  get version(): string {
    return this.options.version;
  }

  get methods(): string[] {
    return [...this.requests.keys()];
  }

  get begun(): boolean {
    return this.phase !== SessionPhase.Waiting;
  }

  get client(): RequestedBy | undefined {
    if (!this.membership) return undefined;
    return { clientId: this.membership.id, ...(this.clientName ? { name: this.clientName } : {}) };
  }

  begin(client: ClientDeclaration): void {
    const { daemon } = this.context;
    if (typeof client.processId === 'number')
      this.options.hooks.watchClientProcess?.(client.processId);
    this.phase = SessionPhase.Running;
    // It joins the broadcast now, so it misses nothing; but it is shown nothing before its
    // `initialized` (LSP lets a server speak once its initialize result is sent; an editor is
    // ready for it only then), so what comes meanwhile is held until then.
    const direct = this.directNotifier();
    const deliver = (def: AnyNotification, params: unknown) => {
      if (client.speaksReloadd) direct.notify(def, params);
      this.views?.observe(def, params);
    };
    const notifier: ClientNotifier = {
      notify: (def, params) => {
        if (!this.hold(() => deliver(def, params))) deliver(def, params);
      },
      progress: (event) => {
        if (!this.hold(() => this.views?.progress(event))) this.views?.progress(event);
      },
    };
    this.clientName = client.name;
    this.membership = daemon.clients.add(notifier, {
      transport: this.options.transport,
      ...(client.name ? { name: client.name } : {}),
    });
    const views = LspViews.open(
      this.connection,
      this.context,
      client,
      { clientId: this.membership.id, ...(client.name ? { name: client.name } : {}) },
      this.options.logger,
    );
    this.views = views;
    const { editorCalls } = client;
    if (editorCalls) {
      // Plugins may call it once it is ready to be spoken to: at its `initialized`.
      this.editorToRegister = () =>
        daemon.editors.register(
          client.name ?? `${this.options.transport} client`,
          {
            call: (params, abandoned) => {
              // A call the plugin gave up on is cancelled on the editor too.
              const cancel = new CancellationTokenSource();
              abandoned.addEventListener('abort', () => cancel.cancel(), { once: true });
              return this.connection
                .sendRequest(EditorCall.method, params, cancel.token)
                .finally(() => cancel.dispose());
            },
          },
          editorCalls,
        );
    }
  }

  /**
   * Keeps `send` for the client's `initialized`; false once that came. A client that never sends
   * it is kept MAX_HELD messages at most: past that, none (it is told what stands when it does
   * send it, and the log says so), rather than a part with holes in it.
   */
  private hold(send: () => void): boolean {
    const held = this.held;
    if (!held) return false;
    if (this.heldOverflow) return true;
    if (held.length < MAX_HELD) {
      held.push(send);
      return true;
    }
    held.length = 0;
    this.heldOverflow = true;
    this.options.logger.warn(
      { client: this.clientName },
      `a client has not sent "initialized" after ${MAX_HELD} notifications: they are dropped, and it will be sent what stands when it does`,
    );
    return true;
  }

  /**
   * `initialized`: what was held goes, in its order, then what stands (LspViews.start); from now
   * on everything goes at once, and an editor can be called.
   */
  private release(): void {
    const queue = this.held ?? [];
    this.held = undefined;
    for (const send of queue) {
      try {
        send();
      } catch (error) {
        // A connection closed meanwhile throws at once: the rest is dropped by the same rule.
        this.options.logger.debug({ err: error }, 'a held message could not be sent');
      }
    }
    if (this.editorToRegister) this.editor = this.editorToRegister();
    this.editorToRegister = undefined;
    this.views?.start({ replayLog: this.options.owner });
  }

  workFor(token: ProgressToken): number | undefined {
    return this.views?.workFor(token);
  }

  async shutDown(): Promise<void> {
    this.phase = SessionPhase.ShuttingDown;
    if (!this.options.owner) return;
    await this.context.daemon.shutdown();
    await this.options.hooks.onShutdown?.();
  }

  followLogs(filter: LogFilter): { replayed: number; complete: boolean } {
    this.logStream?.dispose();
    const subscription = this.context.logs.stream(filter, (entry) =>
      this.connection.sendNotification(LogEntryNotification.method, entry),
    );
    this.logStream = subscription;
    return { replayed: subscription.replayed, complete: subscription.complete };
  }

  stopFollowingLogs(): void {
    this.logStream?.dispose();
    this.logStream = undefined;
  }

  private async onRequest(
    method: string,
    params: unknown,
    token: CancellationToken,
  ): Promise<unknown> {
    this.editor?.touch(); // the user is in this editor
    if (this.phase === SessionPhase.Waiting && method !== Initialize.method) {
      throw new ResponseError(
        ErrorCodes.ServerNotInitialized,
        `the daemon is not initialized: send "initialize" before "${method}"`,
      );
    }
    if (this.phase === SessionPhase.ShuttingDown && method !== Shutdown.method) {
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        this.options.owner
          ? `the daemon is shutting down: "${method}" was refused`
          : `this session is shutting down (it sent "shutdown"): "${method}" was refused`,
      );
    }
    const handler = this.requests.get(method);
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method "${method}"`);
    try {
      return await untilCancelled(this.handle(handler, params, token), token);
    } catch (error) {
      throw toResponseError(error, method, this.options.logger);
    }
  }

  private async handle(
    handler: RequestHandler,
    raw: unknown,
    token: CancellationToken,
  ): Promise<unknown> {
    const { def } = handler;
    const params = checkParams(def, raw);
    if (!params.ok) {
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        `invalid params for ${def.method}: ${params.problem}`,
      );
    }
    const result = await handler.handle(params.value, this.handlerContext, token);
    const checked = checkResult(def, result);
    if (!checked.ok) {
      this.options.logger.error(
        { method: def.method, issues: checked.issues },
        'result does not match the protocol',
      );
      throw new ResponseError(
        ErrorCodes.InternalError,
        `the daemon produced an invalid ${def.method} result`,
      );
    }
    return result;
  }

  private onNotification(method: string, params: unknown): void {
    const { logger, hooks } = this.options;
    this.editor?.touch();
    if (method === Exit.method) {
      this.end();
      return;
    }
    if (this.phase !== SessionPhase.Running) return; // LSP: notifications before initialize are dropped.
    if (method === Initialized.method) {
      if (this.initializedSeen) {
        logger.warn('ignored a second "initialized"');
        return;
      }
      this.initializedSeen = true;
      try {
        this.release();
      } finally {
        hooks.onInitialized?.();
      }
      return;
    }
    const handler = this.notifications.get(method);
    if (!handler) {
      // LSP: a notification starting with `$/` may be ignored. The method is in the message
      // itself, so that every log format shows it.
      if (method.startsWith('$/') || IGNORED_NOTIFICATIONS.has(method))
        logger.debug({ method }, `ignored "${method}"`);
      else logger.warn({ method }, `ignored an unknown notification "${method}"`);
      return;
    }
    const checked = checkParams(handler.def, params);
    if (!checked.ok) {
      logger.warn(
        { method, problem: checked.problem },
        `ignored an invalid "${method}": ${checked.problem}`,
      );
      return;
    }
    handler.handle(checked.value, this.handlerContext);
  }

  /** Leaves the broadcast and the log stream, once, whichever of exit and close comes first. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.membership?.remove();
    this.editor?.remove();
    this.logStream?.dispose();
    this.views?.dispose();
    this.options.hooks.onExit(this.phase === SessionPhase.ShuttingDown ? 0 : 1);
  }

  /** The notifier through which the core's notifications reach this connection's client. */
  private directNotifier(): ClientNotifier {
    const { connection } = this;
    const { logger } = this.options;
    return {
      notify(def, params) {
        connection
          .sendNotification(def.method, params)
          .catch((error: unknown) =>
            logger.warn({ err: error, method: def.method }, 'notification not sent'),
          );
      },
    };
  }
}

/** Answers -32800 as soon as the client cancels; the work itself may still finish in the background. */
function untilCancelled<T>(work: Promise<T>, token: CancellationToken): Promise<T> {
  const cancelled = () =>
    new ResponseError(ErrorCodes.RequestCancelled, 'the request was cancelled');
  if (token.isCancellationRequested) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const subscription = token.onCancellationRequested(() => reject(cancelled()));
    work.then(resolve, reject).finally(() => subscription.dispose());
  });
}

function toResponseError(error: unknown, method: string, logger: Logger): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (error instanceof RequestFailure)
    return new ResponseError(error.rpcCode, error.message, { code: error.code });
  logger.error({ err: error, method }, 'request failed');
  return new ResponseError(
    ErrorCodes.InternalError,
    `${method} failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}
