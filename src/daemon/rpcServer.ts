import type { Readable, Writable } from 'node:stream';
import {
  type CancellationToken,
  createMessageConnection,
  type Message,
  type MessageConnection,
  type MessageReader,
  ResponseError,
  type Logger as RpcLogger,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import {
  type AnyRequest,
  DaemonSetHotReload,
  DaemonStatus,
  EditorEvent,
  ErrorCodes,
  Exit,
  Initialize,
  Initialized,
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
} from '../protocol/index.js';
import type { ClientChannel } from './Broadcaster.js';
import type { Logger } from './logger.js';
import type { ReloadDaemon } from './ReloadDaemon.js';
import { ReloaddError } from './ReloaddError.js';
import { describeZodError } from './zodMessage.js';

type Phase = 'waiting' | 'running' | 'shutdown';
type Handler = (params: unknown, token: CancellationToken) => Promise<unknown>;

export interface ServerHooks {
  /** The client sent `initialized`: time to load plugins. */
  onInitialized(): void;
  /** `initialize` named the client's process: the daemon should not outlive it (LSP). */
  watchClientProcess?(pid: number): void;
  /** The process should end with this code (`exit`, or the client went away). */
  onExit(code: number): void;
}

/**
 * The one place that binds protocol methods to the daemon core. Every request goes through one
 * wrapper: LSP lifecycle checks, zod validation of params (-32602 with zod's message),
 * cancellation (-32800), and ReloaddError → JSON-RPC error with its stable code in `data.code`.
 */
export function bindProtocol(
  connection: MessageConnection,
  daemon: ReloadDaemon,
  options: { logger: Logger; version: string; hooks: ServerHooks },
): void {
  const { logger, hooks } = options;
  let phase: Phase = 'waiting';
  let initializedSeen = false;
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
    await daemon.shutdown();
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
  on(DaemonStatus, () => daemon.status());
  on(DaemonSetHotReload, (params) => ({ enabled: daemon.setHotReload(params.enabled) }));

  connection.onRequest(async (method, params, token) => {
    if (phase === 'waiting' && method !== Initialize.method) {
      throw new ResponseError(
        ErrorCodes.ServerNotInitialized,
        `the daemon is not initialized: send "initialize" before "${method}"`,
      );
    }
    if (phase === 'shutdown' && method !== Shutdown.method) {
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        `the daemon is shutting down: "${method}" was refused`,
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
    if (method === Exit.method) {
      hooks.onExit(phase === 'shutdown' ? 0 : 1);
      return;
    }
    if (phase !== 'running') return; // LSP: notifications before initialize are dropped.
    if (method === Initialized.method) {
      if (initializedSeen) logger.warn('ignored a second "initialized"');
      else hooks.onInitialized();
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

  connection.onClose(() => hooks.onExit(phase === 'shutdown' ? 0 : 1));
}

/**
 * A JSON-RPC connection with LSP framing over a pair of streams (stdio, or a test's pipes).
 * Bad input gets an answer, as JSON-RPC asks: a frame that is not JSON gets -32700, and JSON that
 * is not a JSON-RPC message (a batch, say: LSP has none) gets -32600; the connection stays up.
 */
export function createServerConnection(
  input: Readable,
  output: Writable,
  logger: Logger,
): MessageConnection {
  const rpcLogger: RpcLogger = {
    error: (message: string) => logger.error(message),
    warn: (message: string) => logger.warn(message),
    info: (message: string) => logger.debug(message),
    log: (message: string) => logger.debug(message),
  };
  const reader = new StreamMessageReader(input);
  const writer = new StreamMessageWriter(output);
  const answer = (code: number, message: string) => {
    logger.warn({ code }, message);
    writer
      .write({ jsonrpc: '2.0', id: null, error: { code, message } } as Message)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not answer bad input'));
  };
  reader.onError((error) => {
    if (error instanceof SyntaxError)
      answer(ErrorCodes.ParseError, `the message is not valid JSON: ${error.message}`);
    else if (/Content-Length/.test(error.message)) answer(ErrorCodes.ParseError, error.message);
  });
  const validating: MessageReader = {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    dispose: () => reader.dispose(),
    listen: (callback) =>
      reader.listen((message) => {
        const problem = invalidMessage(message);
        if (problem) answer(ErrorCodes.InvalidRequest, problem);
        else callback(message);
      }),
  };
  return createMessageConnection(validating, writer, rpcLogger, {
    // A request cancelled before it was even dispatched still gets its answer (LSP).
    connectionStrategy: {
      cancelUndispatched: () => ({
        jsonrpc: '2.0',
        id: null,
        error: new ResponseError(ErrorCodes.RequestCancelled, 'the request was cancelled').toJson(),
      }),
    },
  });
}

function invalidMessage(message: unknown): string | undefined {
  if (Array.isArray(message)) return 'batches are not supported: send one message per frame';
  if (message === null || typeof message !== 'object') return 'a message must be a JSON object';
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return 'a message must have "jsonrpc": "2.0"';
  if (!('method' in m) && !('id' in m))
    return 'a message needs a "method" (request or notification) or an "id" (response)';
  if ('method' in m && typeof m.method !== 'string') return '"method" must be a string';
  if ('params' in m && m.params !== null && typeof m.params !== 'object')
    return '"params" must be an object or an array';
  return undefined;
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
