import {
  type CancellationToken,
  CancellationTokenSource,
  type MessageConnection,
  ResponseError,
} from 'vscode-jsonrpc';
import type { z } from 'zod';
import {
  type AnyNotification,
  type AnyRequest,
  DaemonSetHotReload,
  DaemonStatus,
  EditorCall,
  EditorEvent,
  ErrorCodes,
  Exit,
  Initialize,
  Initialized,
  LogEntryNotification,
  LogSubscribe,
  LogUnsubscribe,
  PluginDiagnostics,
  PluginDisable,
  PluginEnable,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
  PluginReload,
  PROTOCOL_VERSION,
  type ResultOf,
  Shutdown,
  serverNotifications,
  type ValidParamsOf,
} from '../../protocol/index.js';
import { describeZodError } from '../../protocol/validation.js';
import type { ClientChannel } from '../clientChannels/Broadcaster.js';
import type { EditorRegistration } from '../clientChannels/EditorBridge.js';
import { ReloaddError } from '../clientChannels/ReloaddError.js';
import type { ReloadDaemon } from '../core/ReloadDaemon.js';
import type { LogRing, LogSubscription } from '../logs/LogRing.js';
import type { Logger } from '../logs/logger.js';

type Phase = 'waiting' | 'running' | 'shutdown';
type Handler = (params: unknown, token: CancellationToken) => Promise<unknown>;

/** What every client session is served from. */
export interface ServerContext {
  daemon: ReloadDaemon;
  logs: LogRing;
  /** The WebSocket endpoint, or null when the daemon does not listen. */
  url(): string | null;
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
 * The one place that binds protocol methods to the daemon core, once per client session. Every
 * request goes through one wrapper: LSP lifecycle checks, zod validation of params (-32602 with
 * zod's message), cancellation (-32800), and ReloaddError → JSON-RPC error with its stable code
 * in `data.code`.
 */
export function bindProtocol(
  connection: MessageConnection,
  context: ServerContext,
  options: SessionOptions,
): void {
  const { logger, hooks } = options;
  const { daemon } = context;
  let phase: Phase = 'waiting';
  let initializedSeen = false;
  let ended = false;
  let registration: { remove(): void } | undefined;
  let editor: EditorRegistration | undefined;
  let logSubscription: LogSubscription | undefined;
  const handlers = new Map<string, Handler>();

  function on<D extends AnyRequest>(
    def: D,
    handler: (
      params: ValidParamsOf<D>,
      token: CancellationToken,
    ) => Promise<ResultOf<D>> | ResultOf<D>,
  ): void {
    handlers.set(def.method, async (raw, token) => {
      const parsed = def.params.safeParse(raw);
      if (!parsed.success) {
        throw new ResponseError(
          ErrorCodes.InvalidParams,
          `invalid params for ${def.method}: ${describeZodError(parsed.error)}`,
        );
      }
      const result = await handler(parsed.data as ValidParamsOf<D>, token);
      const checked = (def.result as z.ZodType).safeParse(result);
      if (!checked.success) {
        logger.error(
          { method: def.method, issues: checked.error.issues },
          'result does not match the protocol',
        );
        throw new ResponseError(
          ErrorCodes.InternalError,
          `the daemon produced an invalid ${def.method} result`,
        );
      }
      return result;
    });
  }

  on(Initialize, (params) => {
    if (phase !== 'waiting')
      throw new ResponseError(ErrorCodes.InvalidRequest, 'initialize was already received');
    const major = (version: string) => version.split('.')[0];
    if (
      params.protocolVersion !== undefined &&
      major(params.protocolVersion) !== major(PROTOCOL_VERSION)
    ) {
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        `protocol version ${params.protocolVersion} is not supported: this daemon speaks ${PROTOCOL_VERSION}`,
      );
    }
    if (typeof params.processId === 'number') hooks.watchClientProcess?.(params.processId);
    phase = 'running';
    // It joins the broadcast now, so it misses nothing; but LSP sends nothing before the
    // initialize result, so what comes meanwhile is held until that result is on its way.
    const name = params.clientInfo?.name;
    const direct = connectionChannel(connection, logger);
    let held: [AnyNotification, unknown][] | undefined = [];
    const channel: ClientChannel = {
      notify(def, notifyParams) {
        if (held) held.push([def, notifyParams]);
        else direct.notify(def, notifyParams);
      },
    };
    registration = daemon.clients.add(channel, {
      transport: options.transport,
      ...(name ? { name } : {}),
    });
    const declared = params.capabilities?.editor;
    if (declared) {
      editor = daemon.editors.register(
        name ?? `${options.transport} client`,
        {
          call: (callParams, abandoned) => {
            const cancel = new CancellationTokenSource();
            abandoned.addEventListener('abort', () => cancel.cancel(), { once: true });
            return connection
              .sendRequest(EditorCall.method, callParams, cancel.token)
              .finally(() => cancel.dispose());
          },
        },
        declared.calls,
      );
    }
    setImmediate(() => {
      const queue = held ?? [];
      held = undefined;
      for (const [def, notifyParams] of queue) direct.notify(def, notifyParams as never);
    });
    return {
      serverInfo: { name: 'reloadd', version: options.version },
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {
        requests: [...handlers.keys()],
        notifications: serverNotifications.map((n) => n.method),
        hotReload: daemon.status().hotReload,
      },
    };
  });
  on(Shutdown, async () => {
    phase = 'shutdown';
    if (options.owner) {
      await daemon.shutdown();
      await hooks.onShutdown?.();
    }
    return null;
  });
  on(PluginList, () => ({ plugins: daemon.listPlugins() }));
  on(PluginReload, async (params, token) => {
    const ids = params.all ? 'all' : (params.ids ?? [params.id as string]);
    return { results: await daemon.reload(ids, () => token.isCancellationRequested) };
  });
  on(PluginGetState, (params) => daemon.getState(params.id));
  on(PluginDiagnostics, (params) => ({ diagnostics: daemon.getDiagnostics(params?.id) }));
  on(PluginExecuteCommand, (params) => daemon.executeCommand(params.command, params.args ?? []));
  on(PluginEnable, async (params) => ({ result: await daemon.enable(params.id) }));
  on(PluginDisable, async (params) => {
    return { id: params.id, status: await daemon.disable(params.id) };
  });
  on(DaemonStatus, () => ({ ...daemon.status(), url: context.url() }));
  on(DaemonSetHotReload, (params) => ({ enabled: daemon.setHotReload(params.enabled) }));
  on(LogSubscribe, (params) => {
    logSubscription?.dispose();
    // The first entry that cannot be sent ends the stream. Going on would feed back: the failure
    // is itself logged (by vscode-jsonrpc), that line is an entry for this same client, its send
    // fails too, and so on, in microtasks that never let the socket's close event run.
    let stopped = false;
    let subscription: LogSubscription | undefined;
    const stop = () => {
      stopped = true;
      subscription?.dispose();
    };
    const send = (entry: unknown) => {
      if (stopped) return;
      try {
        connection.sendNotification(LogEntryNotification.method, entry).catch(stop);
      } catch {
        stop(); // The connection is already closed or disposed.
      }
    };
    subscription = context.logs.subscribe(
      {
        ...(params?.level ? { level: params.level } : {}),
        ...(params?.pluginId ? { pluginId: params.pluginId } : {}),
        ...(params?.since !== undefined ? { since: params.since } : {}),
      },
      send,
    );
    if (stopped) subscription.dispose();
    logSubscription = subscription;
    return { replayed: subscription.replayed, complete: subscription.complete };
  });
  on(LogUnsubscribe, () => {
    logSubscription?.dispose();
    logSubscription = undefined;
    return null;
  });

  connection.onRequest(async (method, params, token) => {
    editor?.touch(); // the user is in this editor
    if (phase === 'waiting' && method !== Initialize.method) {
      throw new ResponseError(
        ErrorCodes.ServerNotInitialized,
        `the daemon is not initialized: send "initialize" before "${method}"`,
      );
    }
    if (phase === 'shutdown' && method !== Shutdown.method) {
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        options.owner
          ? `the daemon is shutting down: "${method}" was refused`
          : `this session is shutting down (it sent "shutdown"): "${method}" was refused`,
      );
    }
    const handler = handlers.get(method);
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method "${method}"`);
    try {
      return await untilCancelled(handler(params, token), token);
    } catch (error) {
      throw toResponseError(error, method, logger);
    }
  });

  connection.onNotification((method, params) => {
    editor?.touch();
    if (method === Exit.method) {
      end();
      return;
    }
    if (phase !== 'running') return; // LSP: notifications before initialize are dropped.
    if (method === Initialized.method) {
      if (initializedSeen) logger.warn('ignored a second "initialized"');
      else hooks.onInitialized?.();
      initializedSeen = true;
      return;
    }
    if (method === EditorEvent.method) {
      const parsed = EditorEvent.params.safeParse(params);
      if (!parsed.success) {
        logger.warn(
          { method, problem: describeZodError(parsed.error) },
          'ignored an invalid notification',
        );
        return;
      }
      daemon.emitEvent(parsed.data.event, parsed.data.data);
      return;
    }
    if (!method.startsWith('$/')) logger.warn({ method }, 'ignored an unknown notification');
  });

  /** Leaves the broadcast and the log stream, once, whichever of exit and close comes first. */
  function end(): void {
    if (ended) return;
    ended = true;
    registration?.remove();
    editor?.remove();
    logSubscription?.dispose();
    hooks.onExit(phase === 'shutdown' ? 0 : 1);
  }
  connection.onClose(end);
}

/** The channel through which the core's notifications reach this connection's client. */
export function connectionChannel(connection: MessageConnection, logger: Logger): ClientChannel {
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
  if (error instanceof ReloaddError)
    return new ResponseError(error.rpcCode, error.message, { code: error.code });
  logger.error({ err: error, method }, 'request failed');
  return new ResponseError(
    ErrorCodes.InternalError,
    `${method} failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}
