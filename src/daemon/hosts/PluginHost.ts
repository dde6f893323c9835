import { Worker } from 'node:worker_threads';
import { HostRequestError } from '../crossing/HostRequestError.js';
import type {
  FromHost,
  HostLimits,
  HostNotice,
  HostOp,
  HostPost,
  HostRequest,
  HostResult,
  ToHost,
} from '../crossing/hostMessages.js';
import type { Logger } from '../logs/logger.js';
import type { HostChannel } from './RemoteGeneration.js';

/** How long a host gets to answer a ping before it is judged stuck and terminated. */
const PING_MS = 500;
/** How often an idle host is pinged, so one stuck in a timer or listener is found by itself. */
const HEARTBEAT_MS = 1000;
/**
 * Headroom over a call's limit: a synchronous loop is interrupted by the host at the limit and
 * reported; the daemon's own timer is for calls that never settle, and for a stuck host.
 */
const GRACE_MS = 250;
/** How much longer than its longest allowed call a host may stay silent before it is stuck. */
const STUCK_MARGIN_MS = 1000;

/** Why a host ended, and which generation was running plugin code at that moment. */
export interface HostCrash {
  reason: 'out-of-memory' | 'unresponsive' | 'exited';
  message: string;
  /** The slot of the generation that was running plugin code (0: none). */
  runningSlot: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: HostRequestError): void;
  timer?: NodeJS.Timeout;
}

/**
 * The daemon's side of one plugin host: a worker thread with a memory cap. Requests may carry a
 * time limit; when one passes, a ping tells a slow plugin (the host answers: only that call failed)
 * from a stuck host (no answer: it is terminated, and `onCrash` says who was running).
 */
export class PluginHost implements HostChannel {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private ended = false;
  private endReason: HostCrash['reason'] | undefined;
  private closing = false;
  private readonly heartbeat: NodeJS.Timeout;
  private pinging = false;
  /** When the host last answered anything (a reply, a notice, a ping). */
  private lastHeard = Date.now();
  /**
   * A host may be busy without answering for as long as its longest allowed call (a command can
   * legitimately run that long; vm interrupts it at its limit). Silent for longer, it is stuck.
   */
  private readonly stuckAfterMs: number;
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    options: {
      workerPath: URL;
      limits: HostLimits;
      memoryMb: number;
      logger: Logger;
      onNotice(notice: HostNotice): void;
      onCrash(crash: HostCrash): void;
    },
  ) {
    this.logger = options.logger;
    this.worker = new Worker(options.workerPath, {
      workerData: {
        limits: options.limits,
        running: this.running.buffer,
        memoryMb: options.memoryMb,
      },
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      stdout: false,
      stderr: false,
      name: `reloadd plugin host ${name}`,
    });
    this.stuckAfterMs =
      Math.max(options.limits.lifecycleMs, options.limits.commandMs) + STUCK_MARGIN_MS;
    this.worker.on('message', (message: FromHost) => {
      this.lastHeard = Date.now();
      if (message.op !== 'reply') {
        options.onNotice(message);
        return;
      }
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new HostRequestError(message.error));
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') this.endReason ??= 'out-of-memory';
      options.logger.warn({ host: name, err: error }, 'plugin host failed');
    });
    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.worker.on('exit', (code) => {
      clearInterval(this.heartbeat);
      const runningSlot = Atomics.load(this.running, 0);
      this.ended = true;
      const reason = this.endReason ?? 'exited';
      const message =
        reason === 'out-of-memory'
          ? `ran out of memory (the host's limit is ${options.memoryMb} MB)`
          : reason === 'unresponsive'
            ? `stopped answering (a loop that could not be interrupted)`
            : `exited with code ${code}`;
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(
          new HostRequestError({ reason: 'gone', message: `the plugin host ${message}` }),
        );
        this.pending.delete(id);
      }
      // Any end the daemon did not ask for is a crash: the host's plugins need recovering.
      if (!this.closing) options.onCrash({ reason, message, runningSlot });
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  /**
   * Sends a request; with `limitMs`, a late answer fails the call (and may end the host). While
   * `waiting()` says the plugin is waiting on someone else (the editor), the limit is pushed back:
   * that time is not the plugin's, and the wait has a limit of its own.
   */
  request<K extends HostOp>(
    request: HostRequest<K>,
    limitMs?: number,
    call?: string,
    waiting?: () => boolean,
  ): Promise<HostResult<K>> {
    if (this.ended)
      return Promise.reject(
        new HostRequestError({ reason: 'gone', message: 'the plugin host has ended' }),
      );
    const id = this.nextId++;
    return new Promise<HostResult<K>>((resolve, reject) => {
      // The host answers each op with that op's result (crossing/hostMessages.ts).
      const pending: Pending = { resolve: resolve as (value: unknown) => void, reject };
      if (limitMs !== undefined) {
        const arm = (ms: number) => {
          pending.timer = setTimeout(() => {
            if (waiting?.()) arm(limitMs);
            else this.timedOut(id, limitMs, call ?? request.op).catch(() => undefined);
          }, ms);
        };
        arm(limitMs + GRACE_MS);
      }
      this.pending.set(id, pending);
      this.worker.postMessage({ id, ...(request as HostRequest) } satisfies ToHost);
    });
  }

  post(message: HostPost): void {
    if (!this.ended) this.worker.postMessage(message satisfies ToHost);
  }

  /** Sends the answer to a call its plugin code made of the daemon (a `callCommand`, a `callEditor`). */
  answer(requestId: number, answer: Promise<unknown>): void {
    answer
      .then(
        (value) => this.post({ op: 'callResult', requestId, ok: true, value }),
        (error: Error) =>
          this.post({ op: 'callResult', requestId, ok: false, message: error.message }),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'could not answer a plugin host'),
      );
  }

  /** Stops the worker at once, as a crash (`onCrash` follows). */
  async terminate(reason: HostCrash['reason']): Promise<void> {
    if (this.ended) return;
    this.endReason = reason;
    await this.worker.terminate();
  }

  /** Stops the worker because the daemon is done with it (no crash handling). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    if (!this.ended) await this.worker.terminate();
  }

  private checkAlive(): void {
    if (this.ended || this.closing) return;
    if (Date.now() - this.lastHeard > this.stuckAfterMs) {
      this.terminate('unresponsive').catch(() => undefined);
      return;
    }
    if (this.pinging) return;
    this.pinging = true;
    this.ping()
      .catch(() => undefined)
      .finally(() => {
        this.pinging = false;
      });
  }

  private async timedOut(id: number, limitMs: number, call: string): Promise<void> {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    const answered = await this.ping();
    // Command messages are prefixed by the caller (which knows the plugin); lifecycle ones are not.
    const subject = call.startsWith('command ') ? '' : `${call} `;
    if (answered) {
      pending.reject(
        new HostRequestError({
          reason: 'timeout',
          call,
          message: `${subject}did not finish within ${limitMs} ms`,
        }),
      );
      return;
    }
    // The host is not answering: something in it is running. The heartbeat decides whether it is
    // stuck (and blames whoever is running); this call has failed either way.
    pending.reject(
      new HostRequestError({
        reason: 'timeout',
        call,
        hostStopped: true,
        message: `${subject}did not finish within ${limitMs} ms, and its host is not answering`,
      }),
    );
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), PING_MS);
      this.request({ op: 'ping' }).then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
  }
}
