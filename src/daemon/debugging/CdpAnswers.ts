/** The longest an inspector takes to answer one message: a stuck host answers between ticks. */
export const ANSWER_MS = 2000;

/** A message of the Chrome DevTools Protocol: an answer (`id`) or an event (`method`). */
export interface CdpMessage {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

export function parseCdpMessage(text: string): CdpMessage {
  return JSON.parse(text) as CdpMessage;
}

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The CDP requests of one session that wait for their answers, by key (the request's id, with
 * whatever else tells requests apart). Each fails after ANSWER_MS, so that a host that never
 * answers cannot hold the watchdog.
 */
export class CdpAnswers<K> {
  private readonly waiting = new Map<K, Waiting>();

  /** The answer to the request `key`, which the caller sends right after. */
  wait(key: K, method: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`the plugin host did not answer ${method} within ${ANSWER_MS} ms`));
      }, ANSWER_MS);
      this.waiting.set(key, { resolve, reject, timer });
    });
  }

  /** The answer came (an error answer fails the wait). */
  settle(key: K, message: CdpMessage): void {
    const waiting = this.take(key);
    if (!waiting) return;
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  }

  /** The request could not be sent. */
  fail(key: K, error: Error): void {
    this.take(key)?.reject(error);
  }

  private take(key: K): Waiting | undefined {
    const waiting = this.waiting.get(key);
    if (!waiting) return undefined;
    this.waiting.delete(key);
    clearTimeout(waiting.timer);
    return waiting;
  }
}
