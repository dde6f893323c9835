import type { z } from 'zod';
import type { AnyNotification } from '../protocol/index.js';
import type { Logger } from './logger.js';

/** The one way the core talks to clients; a test can pass a fake. */
export interface ClientChannel {
  notify<D extends AnyNotification>(def: D, params: z.input<D['params']>): void;
}

/** Sends every notification to every connected client, in order; one bad client hurts no other. */
export class Broadcaster implements ClientChannel {
  private readonly channels = new Set<ClientChannel>();

  constructor(private readonly logger: Logger) {}

  add(channel: ClientChannel): () => void {
    this.channels.add(channel);
    return () => this.channels.delete(channel);
  }

  notify<D extends AnyNotification>(def: D, params: z.input<D['params']>): void {
    for (const channel of this.channels) {
      try {
        channel.notify(def, params);
      } catch (error) {
        this.logger.warn({ err: error, method: def.method }, 'could not notify a client');
      }
    }
  }
}
