import type { z } from 'zod';
import type { AnyNotification, ConnectedClient } from '../../protocol/index.js';
import type { Logger } from '../logs/logger.js';
import type { WorkEvent, WorkListener } from './WorkProgress.js';

/** The one way the core talks to clients; a test can pass a fake. */
export interface ClientNotifier {
  notify<D extends AnyNotification>(def: D, params: z.input<D['params']>): void;
  /** Long work's steps, for a client that shows progress. */
  progress?(event: WorkEvent): void;
}

/**
 * Sends every notification to every connected client, in order; one bad client hurts no other
 * (a client's notifier queues and returns at once, and one that throws is only logged). It also knows who
 * is connected, for `daemon/status`.
 */
export class Broadcaster implements ClientNotifier, WorkListener {
  private readonly clients = new Map<ClientNotifier, ConnectedClient>();
  private lastId = 0;

  constructor(private readonly logger: Logger) {}

  /** Adds a client; `info` describes it in `daemon/status`. */
  add(
    client: ClientNotifier,
    info: Pick<ConnectedClient, 'transport' | 'name'>,
  ): { id: number; remove(): void } {
    const id = ++this.lastId;
    this.clients.set(client, { id, ...info, connectedAt: new Date().toISOString() });
    return { id, remove: () => this.clients.delete(client) };
  }

  list(): ConnectedClient[] {
    return [...this.clients.values()];
  }

  notify<D extends AnyNotification>(def: D, params: z.input<D['params']>): void {
    for (const client of this.clients.keys()) {
      try {
        client.notify(def, params);
      } catch (error) {
        this.logger.warn({ err: error, method: def.method }, 'could not notify a client');
      }
    }
  }

  progress(event: WorkEvent): void {
    for (const client of this.clients.keys()) {
      try {
        client.progress?.(event);
      } catch (error) {
        this.logger.warn({ err: error }, 'could not tell a client of progress');
      }
    }
  }
}
