import inspector from 'node:inspector';
import { ANSWER_MS, CdpAnswers, parseCdpMessage } from './CdpAnswers.js';

type EventListener = (sessionId: string, method: string, params: unknown) => void;

/**
 * The thread id of a worker the NodeWorker domain reports. Its `workerId` is not that: each
 * session numbers the workers it is told of, in no set order (with a plugin host and the
 * type-check thread, either may be 1). Node titles every worker `[worker THREAD_ID] NAME`.
 */
export function workerThreadId(workerInfo: {
  workerId: string;
  title: string;
}): number | undefined {
  const id = /^\[worker (\d+)\]/.exec(workerInfo.title)?.[1];
  return id === undefined ? undefined : Number(id);
}

/**
 * The process's one in-process inspector session, attached to every worker thread through
 * Node's NodeWorker domain, as DevTools attaches to them. One per process, as the inspector is:
 * a second session attached later is not told of new workers (found by trying, Node 20).
 */
export class InspectorSession {
  private static instance: InspectorSession | undefined;
  private readonly session = new inspector.Session();
  /** Worker thread id → the NodeWorker session id it is reached by. */
  private readonly workers = new Map<number, string>();
  private readonly arrivals = new Map<number, (sessionId: string) => void>();
  /** By request id: this session numbers its requests across every worker. */
  private readonly answers = new CdpAnswers<number>();
  private readonly listeners = new Set<EventListener>();
  private nextId = 1;

  static shared(): InspectorSession {
    InspectorSession.instance ??= new InspectorSession();
    return InspectorSession.instance;
  }

  private constructor() {
    const session = this.session;
    session.connect();
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      const threadId = workerThreadId(params.workerInfo);
      if (threadId !== undefined) {
        this.workers.set(threadId, params.sessionId);
        this.arrivals.get(threadId)?.(params.sessionId);
        this.arrivals.delete(threadId);
      }
      this.emit(params.sessionId, 'NodeWorker.attachedToWorker', params);
    });
    session.on('NodeWorker.detachedFromWorker', ({ params }) => {
      for (const [threadId, id] of this.workers)
        if (id === params.sessionId) this.workers.delete(threadId);
      this.emit(params.sessionId, 'NodeWorker.detachedFromWorker', params);
    });
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      this.receive(params.sessionId, params.message);
    });
    // Every worker there is, and every one to come: none waits for a debugger to start.
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, () => undefined);
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The session id of a worker thread, once the inspector has attached to it. */
  reach(threadId: number): Promise<string> {
    const known = this.workers.get(threadId);
    if (known) return Promise.resolve(known);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.arrivals.delete(threadId);
        reject(new Error(`plugin host thread ${threadId} is not reachable by the inspector`));
      }, ANSWER_MS);
      this.arrivals.set(threadId, (sessionId) => {
        clearTimeout(timer);
        resolve(sessionId);
      });
    });
  }

  /** One CDP request to a worker; its answer, or an error after ANSWER_MS. */
  send(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    const answer = this.answers.wait(id, method);
    this.session.post(
      'NodeWorker.sendMessageToWorker',
      { sessionId, message: JSON.stringify({ id, method, params }) },
      (error) => error && this.answers.fail(id, error),
    );
    return answer;
  }

  private receive(sessionId: string, text: string): void {
    const message = parseCdpMessage(text);
    if (message.id !== undefined) {
      this.answers.settle(message.id, message);
      return;
    }
    if (message.method) this.emit(sessionId, message.method, message.params);
  }

  private emit(sessionId: string, method: string, params: unknown): void {
    for (const listener of this.listeners) listener(sessionId, method, params);
  }
}
