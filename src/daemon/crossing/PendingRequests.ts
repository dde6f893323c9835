/**
 * The one RPC between the daemon and a plugin host, the same either way across: a request is an
 * operation's params tagged by `op` and numbered by its sender (one count per sender); exactly
 * one `reply` carries that number back, with the operation's result or an error as plain data.
 */

/** Each operation one end may ask of the other: its params and its result. */
export type Operations<M> = { [K in keyof M]: { params: object; result: unknown } };

export type OpOf<M> = keyof M & string;

/** A request as its caller writes it: the op and its params. */
export type RequestOf<M extends Operations<M>, K extends OpOf<M> = OpOf<M>> = {
  [O in K]: { op: O } & M[O]['params'];
}[K];

export type ResultOf<M extends Operations<M>, K extends OpOf<M>> = M[K]['result'];

/** A request as it crosses: with its sender's number for it. */
export type Numbered<R> = { id: number } & R;

/** The answer to one request, either way across; `E` is the failure as plain data. */
export type Reply<E> =
  | { op: 'reply'; id: number; ok: true; value: unknown }
  | { op: 'reply'; id: number; ok: false; error: E };

interface Waiting<M extends Operations<M>> {
  request: RequestOf<M>;
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** What to stop when the request ends, however it ends (its time limit's timer). */
  stopWatching?: () => void;
}

/**
 * The requests one end sent and is waiting on: each numbered, each settled by its one reply,
 * all failed together when the other end is gone.
 */
export class PendingRequests<M extends Operations<M>, E> {
  private readonly waiting = new Map<number, Waiting<M>>();
  private lastId = 0;

  constructor(
    private readonly channel: {
      send(request: Numbered<RequestOf<M>>): void;
      /** What the caller's promise rejects with, for a reply's error. */
      failure(error: E): Error;
      /** A reply that no request waits for (it came after its time limit): said, not thrown. */
      unknownReply(reply: Reply<E>): void;
    },
  ) {}

  /** Requests sent and not yet answered. */
  get size(): number {
    return this.waiting.size;
  }

  /** The requests waiting for their answer, oldest first. */
  *requests(): Iterable<RequestOf<M>> {
    for (const waiting of this.waiting.values()) yield waiting.request;
  }

  /**
   * Sends a request; its promise settles with the result its operation declares. `watch` gets the
   * request's number before it is sent, and returns what to stop once it ends (a time limit).
   */
  request<K extends OpOf<M>>(
    request: RequestOf<M, K>,
    watch?: (id: number) => () => void,
  ): Promise<ResultOf<M, K>> {
    const id = ++this.lastId;
    return new Promise<ResultOf<M, K>>((resolve, reject) => {
      this.waiting.set(id, {
        request,
        // The other end answers each op with that op's result (the operation map).
        resolve: resolve as (value: unknown) => void,
        reject,
        ...(watch ? { stopWatching: watch(id) } : {}),
      });
      try {
        this.channel.send({ id, ...request });
      } catch (error) {
        // What could not be sent is never answered: it fails its caller now.
        this.take(id);
        reject(error);
      }
    });
  }

  has(id: number): boolean {
    return this.waiting.has(id);
  }

  /** Settles the request the reply answers. */
  settle(reply: Reply<E>): void {
    const waiting = this.take(reply.id);
    if (!waiting) this.channel.unknownReply(reply);
    else if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(this.channel.failure(reply.error));
  }

  /**
   * Stops waiting for a request's reply (its time limit passed): a reply that still comes is
   * unknown. Gives what fails its caller, once the reason is known.
   */
  withdraw(id: number): ((error: Error) => void) | undefined {
    return this.take(id)?.reject;
  }

  /** The other end is gone: every request waiting fails with `error`. */
  failAll(error: Error): void {
    for (const id of [...this.waiting.keys()]) this.take(id)?.reject(error);
  }

  private take(id: number): Waiting<M> | undefined {
    const waiting = this.waiting.get(id);
    if (!waiting) return undefined;
    this.waiting.delete(id);
    waiting.stopWatching?.();
    return waiting;
  }
}
