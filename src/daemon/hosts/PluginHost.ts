import { HostRequestError } from '../crossing/HostRequestError.js';
import type {
  DaemonOp,
  DaemonReply,
  DaemonRequest,
  DaemonResult,
  FromHost,
  HostCallError,
  HostInitiated,
  HostLimits,
  HostMemory,
  HostOp,
  HostOperations,
  HostPost,
  HostRequest,
  HostResult,
  ToHost,
} from '../crossing/hostMessages.js';
import { type Numbered, PendingRequests } from '../crossing/PendingRequests.js';
import type { HostInspection, HostInspector, StackFrame } from '../debugging/HostInspector.js';
import type { Logger } from '../logs/logger.js';
import { RequestFailure } from '../toClients/RequestFailure.js';
import type { PluginFrame } from './cpuProfile.js';
import type { HostPermissions } from './hostSandbox.js';
import {
  HostKind,
  type HostTransport,
  ProcessTransport,
  WorkerTransport,
} from './hostTransports.js';
import type { GenerationHost } from './RemoteGeneration.js';

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

/** How a host's process or thread ended, as its transport reports it. */
type HostEnd = Parameters<Parameters<HostTransport['onExit']>[0]>[0];

/** Why a host ended, and which generation was running plugin code at that moment. */
export interface HostCrash {
  reason: 'out-of-memory' | 'unresponsive' | 'exited';
  message: string;
  /** The slot of the generation that was running plugin code (0: none). */
  runningSlot: number;
  /** A stuck host's call stack at its end (innermost first), where it could be taken. */
  stack?: StackFrame[];
  /** The culprit's frames in that stack, in its own files (HostSupervisor). */
  stuckIn?: PluginFrame[];
}

/**
 * The daemon's side of one plugin host: a worker thread, or a process of its own, with a memory
 * cap. Requests may carry a time limit; when one passes, a ping tells a slow plugin (the host
 * answers: only that call failed) from a stuck host (no answer: it is terminated, and `onCrash`
 * says who was running). A process host's whole footprint (RSS) is sampled at every heartbeat.
 */
export class PluginHost implements GenerationHost {
  /** A process host's one plugin; undefined for a worker host, which may run several. */
  readonly plugin: string | undefined;
  private readonly transport: HostTransport;
  private readonly requests: PendingRequests<HostOperations, HostCallError>;
  private ended = false;
  /** The command names to send this host, once the turn is over (`shareCommandNames`). */
  private pendingNames: (() => string[]) | undefined;
  /** A process host's messages, taken in order (an answer waits for its footprint check). */
  private inbox: Promise<void> = Promise.resolve();
  private endReason: HostCrash['reason'] | undefined;
  private closing = false;
  private readonly heartbeat: NodeJS.Timeout;
  private pinging = false;
  /** The watchdog is making up its mind about a silent host (paused, or stuck?). */
  private judging = false;
  private stuckStack: StackFrame[] | undefined;
  /** Reaches into the host from outside: a worker at once, a process once it opened its inspector. */
  private inspection: (HostInspection & { close?(): void }) | undefined;
  private ownInspector: string | undefined;
  /** When the host last answered anything (a reply, a notice, a ping). */
  private lastHeard = Date.now();
  /**
   * A host may be busy without answering for as long as its longest allowed call (a command can
   * legitimately run that long; vm interrupts it at its limit). Silent for longer, it is stuck.
   */
  private readonly stuckAfterMs: number;
  private readonly logger: Logger;
  /** The cap: a worker's JS heap; a process's heap (V8's own limit) and its whole RSS. */
  private readonly memoryMb: number;

  constructor(
    readonly name: string,
    options: {
      workerPath: URL;
      /** A worker thread (the default), or a child process. */
      kind?: HostKind;
      /** A process host's grants under Node's permission model (none: full access). */
      permissions?: HostPermissions;
      /** The one plugin a process host runs: the only one it may speak for. */
      plugin?: string;
      limits: HostLimits;
      memoryMb: number;
      logger: Logger;
      /** The daemon's look into its hosts (whether one is paused; where a stuck one loops). */
      inspector?: Pick<HostInspector, 'forWorker' | 'forProcess'>;
      /** A notice, or a request of the host's own, which `answer` replies to. */
      onNotice(notice: HostInitiated): void;
      onCrash(crash: HostCrash): void;
    },
  ) {
    this.logger = options.logger;
    this.plugin = options.plugin;
    const transportOptions = {
      name,
      limits: options.limits,
      memoryMb: options.memoryMb,
      ...(options.permissions ? { permissions: options.permissions } : {}),
    };
    this.memoryMb = options.memoryMb;
    this.transport =
      options.kind === HostKind.Process
        ? new ProcessTransport(new URL('hostProcess.js', options.workerPath), transportOptions)
        : new WorkerTransport(options.workerPath, transportOptions);
    const transport = this.transport;
    this.requests = new PendingRequests({
      send: (request) => this.send(request),
      failure: (error) => new HostRequestError(error),
      // A reply after its request's time limit: the call has failed already.
      unknownReply: (reply) =>
        this.logger.debug({ host: name, id: reply.id }, 'a late reply from a plugin host'),
    });
    transport.onOutput((text, stream) => {
      const line = text.replace(/\n$/, '');
      if (stream === 'stderr') this.logger.warn({ host: name }, `plugin host ${name}: ${line}`);
      else this.logger.info({ host: name }, `plugin host ${name}: ${line}`);
    });
    const inspector = options.inspector;
    if (transport instanceof WorkerTransport)
      this.inspection = inspector?.forWorker(transport.threadId);
    this.stuckAfterMs =
      Math.max(options.limits.lifecycleMs, options.limits.commandMs) + STUCK_MARGIN_MS;
    const receive = (message: FromHost) => {
      if (message.op === 'outOfMemory') {
        this.endReason = 'out-of-memory';
        return;
      }
      if (message.op === 'inspector') {
        this.ownInspector = message.url;
        this.inspection = inspector?.forProcess(message.url);
        return;
      }
      if (message.op === 'reply') this.requests.settle(message);
      else options.onNotice(message);
    };
    this.transport.onMessage((message: FromHost) => {
      this.lastHeard = Date.now();
      if (this.transport.kind !== HostKind.Process) {
        receive(message);
        return;
      }
      // A process host's answer stands only once its footprint is seen within the cap: plugin
      // code that filled its memory and returned before a heartbeat looked is ended as out of
      // memory, and its call fails. What the host sent after the answer waits its turn.
      this.inbox = this.inbox
        .then(async () => {
          if (message.op === 'reply') {
            await this.checkFootprint(false);
            // Ended for it: the call fails with the host's end, as those still waiting do.
            if (this.endReason === 'out-of-memory') return;
          }
          receive(message);
        })
        .catch((error: unknown) =>
          this.logger.warn({ err: error, host: this.name }, 'a message of a plugin host was lost'),
        );
    });
    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
    const exited = ({ code, signal, outOfMemory }: HostEnd) => {
      this.inspection?.close?.();
      const runningSlot = this.transport.runningSlot();
      if (outOfMemory) this.endReason ??= 'out-of-memory';
      const reason = this.endReason ?? 'exited';
      const message =
        reason === 'out-of-memory'
          ? `ran out of memory (the host's limit is ${options.memoryMb} MB)`
          : reason === 'unresponsive'
            ? `stopped answering (a loop that could not be interrupted)`
            : signal
              ? `was killed by ${signal}`
              : `exited with code ${code}`;
      this.requests.failAll(
        new HostRequestError({ reason: 'gone', message: `the plugin host ${message}` }),
      );
      // Any end the daemon did not ask for is a crash: the host's plugins need recovering.
      if (!this.closing)
        options.onCrash({
          reason,
          message,
          runningSlot,
          ...(this.stuckStack ? { stack: this.stuckStack } : {}),
        });
    };
    this.transport.onExit((exit) => {
      // Nothing more is sent to it, from now.
      this.ended = true;
      clearInterval(this.heartbeat);
      if (this.transport.kind !== HostKind.Process) exited(exit);
      // After what the host sent before it ended, in order.
      else
        this.inbox = this.inbox
          .then(() => exited(exit))
          .catch((error: unknown) =>
            this.logger.error({ err: error, host: this.name }, 'the end of a plugin host was lost'),
          );
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  /**
   * The host's memory as it reports it within `timeoutMs` (nothing when it is too busy to
   * answer), and a process host's resident memory as the system counts it, read from outside.
   */
  async memory(timeoutMs: number): Promise<Partial<HostMemory>> {
    const [figures, resident] = await Promise.all([
      this.request({ op: 'memory' }, timeoutMs).catch(() => undefined),
      this.transport.footprintBytes(),
    ]);
    return { ...figures, ...(resident !== undefined ? { rssBytes: resident } : {}) };
  }

  /** A process host's own inspector under `--inspect` (a worker host is reached through the daemon's). */
  get inspectorUrl(): string | undefined {
    return this.ownInspector;
  }

  /** A worker host's thread id (the inspector's NodeWorker `workerId`); undefined for a process. */
  get threadId(): number | undefined {
    return this.transport instanceof WorkerTransport ? this.transport.threadId : undefined;
  }

  get kind(): HostKind {
    return this.transport.kind;
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
    if (limitMs === undefined) return this.requests.request(request);
    return this.requests.request(request, (id) => {
      let timer: NodeJS.Timeout;
      const arm = (ms: number) => {
        timer = setTimeout(() => {
          if (waiting?.()) arm(limitMs);
          else
            this.timedOut(id, limitMs, call ?? request.op, () => arm(limitMs)).catch(
              () => undefined,
            );
        }, ms);
      };
      arm(limitMs + GRACE_MS);
      return () => clearTimeout(timer);
    });
  }

  post(message: HostPost): void {
    if (!this.ended) this.send(message);
  }

  /**
   * Every command name the daemon routes, as `names` lists them when they go: sent once this turn
   * of the event loop is over, and before anything else this host is sent. A hundred plugins
   * registering their commands at start cost one message to each host, not a hundred of a
   * hundred names each, and no message overtakes the names it follows.
   */
  shareCommandNames(names: () => string[]): void {
    const scheduled = this.pendingNames !== undefined;
    this.pendingNames = names;
    if (!scheduled) setImmediate(() => this.flushCommandNames());
  }

  private flushCommandNames(): void {
    const names = this.pendingNames;
    this.pendingNames = undefined;
    if (names && !this.ended) this.transport.send({ op: 'commandNames', names: names() });
  }

  private send(message: ToHost): void {
    this.flushCommandNames();
    this.transport.send(message);
  }

  private reply(message: DaemonReply): void {
    if (!this.ended) this.send(message);
  }

  /** Replies to a request the host's plugin code made of the daemon (a `callCommand`, a `callEditor`). */
  answer<K extends DaemonOp>(
    request: Numbered<DaemonRequest<K>>,
    result: Promise<DaemonResult<K>>,
  ): void {
    const { id } = request;
    result
      .then(
        (value) => this.reply({ op: 'reply', id, ok: true, value }),
        (error: Error) =>
          this.reply({
            op: 'reply',
            id,
            ok: false,
            error: {
              message: error.message,
              // A refusal's stable code reaches the plugin's error as `code`.
              ...(error instanceof RequestFailure ? { code: error.code } : {}),
            },
          }),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'could not answer a plugin host'),
      );
  }

  /** Stops the worker at once, as a crash (`onCrash` follows). */
  async terminate(reason: HostCrash['reason']): Promise<void> {
    if (this.ended) return;
    this.endReason = reason;
    await this.transport.terminate();
  }

  /** Stops the worker because the daemon is done with it (no crash handling). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    if (!this.ended) await this.transport.terminate();
  }

  private checkAlive(): void {
    if (this.ended || this.closing || this.judging) return;
    if (Date.now() - this.lastHeard > this.stuckAfterMs) {
      this.judging = true;
      this.judgeSilence()
        .catch((error: unknown) => this.logger.error({ err: error }, 'the watchdog failed'))
        .finally(() => {
          this.judging = false;
        });
      return;
    }
    if (this.pinging) return;
    this.pinging = true;
    this.ping()
      .then((answered) => this.checkFootprint(answered))
      .catch(() => undefined)
      .finally(() => {
        this.pinging = false;
      });
  }

  /**
   * Silent past any call's limit: a host a debugger holds at a breakpoint is not stuck (its
   * limits stand still until it resumes); a stuck one's stack is read, then it is ended.
   */
  private async judgeSilence(): Promise<void> {
    if (await this.isPaused()) {
      this.lastHeard = Date.now();
      return;
    }
    // It may have just resumed from a breakpoint: a host that answers is not stuck, and its
    // stack is not read (that pause would show in the author's debugger).
    if (await this.ping()) return;
    // Too busy to answer, filling its memory: that is what ends it, not a loop.
    await this.checkFootprint(false);
    if (this.ended) return;
    if (this.inspection)
      this.stuckStack = await this.inspection.stack().catch((error: unknown) => {
        this.logger.warn({ err: error, host: this.name }, 'could not read a stuck host’s stack');
        return undefined;
      });
    if (Date.now() - this.lastHeard > this.stuckAfterMs) await this.terminate('unresponsive');
  }

  private isPaused(): Promise<boolean> {
    return this.inspection ? this.inspection.isPaused().catch(() => false) : Promise.resolve(false);
  }

  /**
   * A process host over its cap in RSS (Buffers included, what a heap limit misses) is ended as
   * out of memory. Its RSS is read from outside where the system tells it (Linux): a host busy
   * filling its memory does not answer, and is not taken for one stuck in a loop. Elsewhere
   * it is asked, when it answers.
   */
  private async checkFootprint(answered: boolean): Promise<void> {
    if (this.transport.kind !== HostKind.Process || this.ended) return;
    const outside = await this.transport.footprintBytes();
    const rssBytes =
      outside ?? (answered ? (await this.request({ op: 'memory' })).rssBytes : undefined);
    if (rssBytes === undefined || rssBytes <= this.memoryMb * 1024 * 1024 || this.ended) return;
    this.logger.warn(
      { host: this.name, rssBytes },
      `plugin host ${this.name} uses ${Math.round(rssBytes / (1024 * 1024))} MB, over its ${this.memoryMb} MB cap: ending it`,
    );
    this.endReason = 'out-of-memory';
    await this.transport.terminate();
  }

  private async timedOut(
    id: number,
    limitMs: number,
    call: string,
    rearm: () => void,
  ): Promise<void> {
    if (!this.requests.has(id)) return;
    // Time at a breakpoint is the author's, not the call's: the limit starts again.
    if (await this.isPaused()) {
      rearm();
      return;
    }
    const fail = this.requests.withdraw(id);
    if (!fail) return;
    const answered = await this.ping();
    // Command messages are prefixed by the caller (which knows the plugin); lifecycle ones are not.
    const subject = call.startsWith('command ') ? '' : `${call} `;
    if (answered) {
      fail(
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
    fail(
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
