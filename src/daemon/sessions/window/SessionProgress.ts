import type { MessageConnection } from 'vscode-jsonrpc';
import {
  Progress,
  type ProgressParams,
  type ProgressToken,
  WorkDoneProgressCreate,
} from '../../../protocol/index.js';
import type { Logger } from '../../logs/logger.js';
import type { WorkEvent } from '../../toClients/WorkProgress.js';

/** One work's progress as this client is shown it. */
interface ShownWork {
  token: ProgressToken;
  /** Until the client has answered `window/workDoneProgress/create`, messages wait here. */
  waiting: ProgressParams['value'][] | undefined;
  /** The client refused the token: nothing more of it. */
  dropped: boolean;
}

/**
 * The daemon's long work as LSP work-done progress, for one client. A request that gave a
 * `workDoneToken` is reported on that token, to that client alone; a client that declared
 * `window.workDoneProgress` is asked to create a token for any other work
 * (`window/workDoneProgress/create`), and shown it once it has answered, as LSP requires.
 */
export class SessionProgress {
  private readonly shown = new Map<number, ShownWork>();

  constructor(
    private readonly connection: MessageConnection,
    /** This client's id in `daemon/status`: the requester of its own work. */
    private readonly clientId: number,
    /** It declared `window.workDoneProgress`. */
    private readonly createsTokens: boolean,
    private readonly logger: Logger,
  ) {}

  /** The work a client's `window/workDoneProgress/cancel` names, while it is shown. */
  workFor(token: ProgressToken): number | undefined {
    for (const [work, shown] of this.shown) if (shown.token === token) return work;
    return undefined;
  }

  progress(event: WorkEvent): void {
    if (event.kind === 'begin') {
      this.begin(event);
      return;
    }
    const shown = this.shown.get(event.work);
    if (!shown) return;
    if (event.kind === 'report') {
      const percentage = Math.floor((event.done / event.total) * 100);
      this.send(shown, {
        kind: 'report',
        message: `${event.pluginId} ${event.ok ? '✓' : '✗'} (${event.done} of ${event.total})`,
        percentage,
      });
      return;
    }
    this.send(shown, { kind: 'end', message: event.message });
    this.shown.delete(event.work);
  }

  private begin(event: Extract<WorkEvent, { kind: 'begin' }>): void {
    const own = event.requester?.clientId === this.clientId ? event.requester.token : undefined;
    if (own === undefined && !this.createsTokens) return;
    const token = own ?? `reloadd/work/${event.work}`;
    const shown: ShownWork = { token, waiting: own === undefined ? [] : undefined, dropped: false };
    this.shown.set(event.work, shown);
    if (own === undefined) {
      this.connection.sendRequest(WorkDoneProgressCreate.method, { token }).then(
        () => {
          const waiting = shown.waiting ?? [];
          shown.waiting = undefined;
          for (const value of waiting) this.send(shown, value);
        },
        (error: unknown) => this.drop(shown, error),
      );
    }
    this.send(shown, {
      kind: 'begin',
      title: event.title,
      cancellable: event.cancellable,
      message: `0 of ${event.total}`,
      percentage: 0,
    });
  }

  /**
   * At once when the token is the client's, or created already: a request's `end` then goes
   * before its response, as the messages are written in the order they are sent.
   */
  private send(shown: ShownWork, value: ProgressParams['value']): void {
    if (shown.dropped) return;
    if (shown.waiting) {
      shown.waiting.push(value);
      return;
    }
    const params: ProgressParams = { token: shown.token, value };
    this.connection
      .sendNotification(Progress.method, params)
      .catch((error: unknown) => this.drop(shown, error));
  }

  private drop(shown: ShownWork, error: unknown): void {
    if (!shown.dropped)
      this.logger.debug({ err: error, token: shown.token }, 'progress not shown to a client');
    shown.dropped = true;
    shown.waiting = undefined;
  }
}
