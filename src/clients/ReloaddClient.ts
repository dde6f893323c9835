import type { CancellationToken, Disposable, MessageConnection } from 'vscode-jsonrpc';
import type { z } from 'zod';
import {
  type AnyNotification,
  type AnyRequest,
  EditorCall,
  type EditorCallParams,
  Exit,
  Initialize,
  Initialized,
  type ParamsOf,
  PROTOCOL_VERSION,
  type ResultOf,
  Shutdown,
} from '../protocol/index.js';

/** Anything a client can hear notifications from (one connection, or one that reconnects). */
export interface NotificationSource {
  onNotification<D extends AnyNotification>(
    def: D,
    handler: (params: z.output<D['params']>) => void,
  ): Disposable;
}

export interface ClientOptions {
  /** Closes what carries the connection (a WebSocket); stdio pipes close with their process. */
  closeTransport?(): void;
  /**
   * This client's process, sent in `initialize` as LSP's `processId`: a daemon this client owns
   * exits when that process is gone. A browser page has none (null).
   */
  processId?: number | null;
}

/**
 * A typed client for the reloadd protocol: every call is typed from its declaration in
 * src/protocol. It knows nothing of the daemon's insides, nor of what carries its connection:
 * it is what an editor integration, the CLI, the tests and a browser page use.
 */
export class ReloaddClient implements NotificationSource {
  private readonly handlers = new Map<string, Set<(params: unknown) => void>>();

  constructor(
    readonly connection: MessageConnection,
    private readonly options: ClientOptions = {},
  ) {
    // vscode-jsonrpc leaves requests pending forever when the connection closes under them;
    // disposing rejects them, so a caller whose daemon died gets an error, not silence.
    connection.onClose(() => connection.dispose());
  }

  request<D extends AnyRequest>(
    def: D,
    params: ParamsOf<D>,
    token?: CancellationToken,
  ): Promise<ResultOf<D>> {
    // vscode-jsonrpc would send a null or absent params as [] (by position); send none instead.
    const args: unknown[] = params === null || params === undefined ? [] : [params];
    if (token) args.push(token);
    return this.connection.sendRequest(def.method, ...args) as Promise<ResultOf<D>>;
  }

  notify<D extends AnyNotification>(def: D, params: ParamsOf<D>): Promise<void> {
    // As in `request`: absent or null params are sent as none, never as [].
    return params === null || params === undefined
      ? this.connection.sendNotification(def.method)
      : this.connection.sendNotification(def.method, params);
  }

  /**
   * Calls `handler` for each notification of this kind. Any number of handlers may listen to the
   * same method (vscode-jsonrpc itself keeps one per method; the last would silently win).
   */
  onNotification<D extends AnyNotification>(
    def: D,
    handler: (params: z.output<D['params']>) => void,
  ): Disposable {
    let handlers = this.handlers.get(def.method);
    if (!handlers) {
      const set = new Set<(params: unknown) => void>();
      handlers = set;
      this.handlers.set(def.method, set);
      this.connection.onNotification(def.method, (params: unknown) => {
        for (const h of [...set]) h(params);
      });
    }
    const entry = handler as (params: unknown) => void;
    handlers.add(entry);
    return { dispose: () => handlers.delete(entry) };
  }

  /**
   * The LSP handshake: `initialize`, then `initialized`. An editor passes the calls it answers
   * (`capabilities.editor.calls`) and handles them with `onEditorCall`.
   */
  async initialize(
    clientName: string,
    capabilities: ParamsOf<typeof Initialize>['capabilities'] = {},
    initializationOptions?: ParamsOf<typeof Initialize>['initializationOptions'],
  ): Promise<ResultOf<typeof Initialize>> {
    const result = await this.request(Initialize, {
      processId: this.options.processId ?? null,
      clientInfo: { name: clientName },
      protocolVersion: PROTOCOL_VERSION,
      capabilities,
      ...(initializationOptions ? { initializationOptions } : {}),
    });
    await this.notify(Initialized, {});
    return result;
  }

  /** `shutdown`, then `exit`: the polite way to stop a daemon this client started. */
  async shutdown(): Promise<void> {
    await this.request(Shutdown, null);
    await this.notify(Exit, null);
  }

  /**
   * Answers the daemon's `editor/call` requests (plugins asking the editor). Throw to answer with
   * an error; the plugin's promise rejects with its message. `token` is cancelled when the daemon
   * gives up on the call (`$/cancelRequest`).
   */
  onEditorCall(
    handler: (params: EditorCallParams, token: CancellationToken) => unknown,
  ): Disposable {
    return this.connection.onRequest(EditorCall.method, (params: unknown, token) =>
      handler(params as EditorCallParams, token),
    );
  }

  /** Called once the connection is gone (the daemon stopped, or the socket closed). */
  onClose(handler: () => void): Disposable {
    return this.connection.onClose(handler);
  }

  dispose(): void {
    this.connection.dispose();
    this.options.closeTransport?.();
  }
}
