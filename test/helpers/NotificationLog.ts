import type { z } from 'zod';
import type { NotificationSource } from '../../src/clients/index.js';
import type { AnyNotification } from '../../src/protocol/index.js';
import { EVENT_WAIT_MS } from './waits.js';

/**
 * Every notification of one kind a client received, and a way to wait for the next one that
 * matches: tests await events instead of sleeping.
 */
export class NotificationLog<P> {
  readonly all: P[] = [];
  private waiters: { predicate: (p: P) => boolean; resolve: (p: P) => void }[] = [];

  static of<D extends AnyNotification>(
    client: NotificationSource,
    def: D,
  ): NotificationLog<z.output<D['params']>> {
    const log = new NotificationLog<z.output<D['params']>>();
    client.onNotification(def, (params) => log.push(params));
    return log;
  }

  push(params: P): void {
    this.all.push(params);
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(params)) return true;
      w.resolve(params);
      return false;
    });
  }

  /** The first matching notification from index `from` on (default: any received so far). */
  waitFor(
    predicate: (p: P) => boolean,
    options: { from?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<P> {
    const seen = this.all.slice(options.from ?? 0).find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<P>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `timed out waiting for ${options.what ?? 'a notification'}; received: ${JSON.stringify(this.all, null, 1).slice(0, 4000)}`,
          ),
        );
      }, options.timeoutMs ?? EVENT_WAIT_MS);
      this.waiters.push({
        predicate,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  /** A mark to pass as `from`, to wait only for what comes after now. */
  get mark(): number {
    return this.all.length;
  }
}
