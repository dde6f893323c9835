import type { ProgressToken, RequestedBy } from '../../protocol/index.js';

/**
 * One piece of work that takes more than a moment (a first load of many plugins, a reload of
 * all, a cascade), as it reaches each client's session. A session shows it as LSP work-done
 * progress (sessions/window/SessionProgress.ts); the core only says what happened.
 */
export type WorkEvent =
  | {
      kind: 'begin';
      work: number;
      title: string;
      total: number;
      cancellable: boolean;
      /** The client whose request this is, and the `workDoneToken` it gave for its progress. */
      requester?: { clientId: number; token: ProgressToken };
    }
  | { kind: 'report'; work: number; done: number; total: number; pluginId: string; ok: boolean }
  | { kind: 'end'; work: number; message: string };

/** Where work events go: every client's session (the Broadcaster). */
export interface WorkListener {
  progress(event: WorkEvent): void;
}

export interface WorkOptions {
  title: string;
  /** The plugins it will go through, in the order they were planned. */
  total: number;
  /** Cancelling stops what has not started; only a request's reloads may be. */
  cancellable?: boolean;
  requestedBy?: RequestedBy;
  workDoneToken?: ProgressToken;
}

/** Work in flight: its steps as they finish, its end, and whether a client cancelled it. */
export class Work {
  private done = 0;
  private cancelRequested = false;
  private over = false;

  constructor(
    readonly id: number,
    private readonly total: number,
    private readonly cancellable: boolean,
    private readonly listener: WorkListener,
  ) {}

  get isOver(): boolean {
    return this.over;
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  /** False when it cannot be cancelled. */
  cancel(): boolean {
    if (this.cancellable) this.cancelRequested = true;
    return this.cancellable;
  }

  /** One plugin's turn is over. */
  stepDone(pluginId: string, ok: boolean): void {
    if (this.over) return;
    this.done += 1;
    this.listener.progress({
      kind: 'report',
      work: this.id,
      done: this.done,
      total: this.total,
      pluginId,
      ok,
    });
  }

  end(message: string): void {
    if (this.over) return;
    this.over = true;
    this.listener.progress({ kind: 'end', work: this.id, message });
  }
}

/**
 * The one owner of work in flight: it numbers each, tells every client of its steps, and finds
 * the work a client's `window/workDoneProgress/cancel` names.
 */
export class WorkProgress {
  private lastId = 0;
  private readonly inFlight = new Map<number, Work>();

  constructor(private readonly listener: WorkListener) {}

  begin(options: WorkOptions): Work {
    const id = ++this.lastId;
    const cancellable = options.cancellable === true;
    for (const [earlier, work] of this.inFlight) if (work.isOver) this.inFlight.delete(earlier);
    const work = new Work(id, options.total, cancellable, this.listener);
    this.inFlight.set(id, work);
    const { requestedBy, workDoneToken } = options;
    this.listener.progress({
      kind: 'begin',
      work: id,
      title: options.title,
      total: options.total,
      cancellable,
      ...(requestedBy && workDoneToken !== undefined
        ? { requester: { clientId: requestedBy.clientId, token: workDoneToken } }
        : {}),
    });
    return work;
  }

  /** A client cancelled a progress: false when the work is over or was not cancellable. */
  cancel(id: number): boolean {
    const work = this.inFlight.get(id);
    return work !== undefined && !work.isOver && work.cancel();
  }
}
