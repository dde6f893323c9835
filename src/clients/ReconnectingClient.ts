import type { Disposable } from 'vscode-jsonrpc';
import type { z } from 'zod';
import type { AnyNotification, AnyRequest, ParamsOf, ResultOf } from '../protocol/index.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { connectWebSocket } from './connectWebSocket.js';
import type { DaemonEndpoint } from './findDaemon.js';
import type { NotificationSource, ReloaddClient } from './ReloaddClient.js';

export interface ReconnectOptions {
  /** `clientInfo.name` in each `initialize`. */
  clientName: string;
  /** Where the daemon is now; asked again before every attempt (a restarted daemon has a new port and token). */
  locate(): Promise<DaemonEndpoint>;
  backoff?: BackoffOptions;
  /** After each (re)connection and its handshake: subscribe again to what the client follows. */
  onConnect?(client: ReloaddClient, reconnected: boolean): Promise<void> | void;
  /** The connection was lost; retries follow. */
  onDisconnect?(): void;
  /** A retry failed; the next one is in `delayMs`. */
  onRetry?(error: unknown, delayMs: number): void;
}

/** A request made while no connection is up. */
export class NotConnectedError extends Error {}

/**
 * A client that stays connected: when the daemon goes away (restarted, say), it looks for it
 * again with growing pauses between tries, connects, initializes, and calls `onConnect` so the
 * caller can subscribe again. Notification handlers registered here survive reconnections.
 */
export class ReconnectingClient implements NotificationSource {
  private current: ReloaddClient | undefined;
  private closed = false;
  private readonly handlers: {
    def: AnyNotification;
    handler: (params: unknown) => void;
  }[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly options: ReconnectOptions) {}

  /** The first connection: a failure rejects (no retry); later losses are retried until `close`. */
  async start(): Promise<void> {
    await this.connectOnce(false);
  }

  get connected(): boolean {
    return this.current !== undefined;
  }

  request<D extends AnyRequest>(def: D, params: ParamsOf<D>): Promise<ResultOf<D>> {
    if (!this.current)
      return Promise.reject(
        new NotConnectedError(`not connected to the daemon: ${def.method} was not sent`),
      );
    return this.current.request(def, params);
  }

  onNotification<D extends AnyNotification>(
    def: D,
    handler: (params: z.output<D['params']>) => void,
  ): Disposable {
    const entry = { def, handler: handler as (params: unknown) => void };
    this.handlers.push(entry);
    const attached = this.current?.onNotification(def, handler);
    return {
      dispose: () => {
        attached?.dispose();
        this.handlers.splice(this.handlers.indexOf(entry), 1);
      },
    };
  }

  /** Ends the session politely if connected, and stops retrying. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const client = this.current;
    this.current = undefined;
    if (!client) return;
    await client.shutdown().catch(() => undefined);
    client.dispose();
  }

  private async connectOnce(reconnected: boolean): Promise<void> {
    const client = await connectWebSocket(await this.options.locate());
    try {
      for (const { def, handler } of this.handlers) client.onNotification(def, handler);
      // It follows reloadd's own notifications: LSP's window messages would say it twice.
      await client.initialize(
        this.options.clientName,
        {},
        { notifications: false, logMessages: false },
      );
      if (this.closed) {
        // `close` came while this attempt was under way: end it instead of keeping it.
        await client.shutdown().catch(() => undefined);
        client.dispose();
        return;
      }
      this.current = client;
      client.onClose(() => this.lost(client));
      await this.options.onConnect?.(client, reconnected);
    } catch (error) {
      this.current = undefined;
      client.dispose();
      throw error;
    }
  }

  private lost(client: ReloaddClient): void {
    if (this.current !== client) return;
    this.current = undefined;
    client.dispose();
    if (this.closed) return;
    this.options.onDisconnect?.();
    this.retry().catch(() => undefined);
  }

  private async retry(): Promise<void> {
    let delayMs = backoffDelay(0, this.options.backoff);
    for (let attempt = 1; !this.closed; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.closed) return;
      try {
        await this.connectOnce(true);
        return;
      } catch (error) {
        delayMs = backoffDelay(attempt, this.options.backoff);
        this.options.onRetry?.(error, delayMs);
      }
    }
  }
}
