import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostRequestError, isTimeout } from '../crossing/HostRequestError.js';
import type {
  FromHost,
  HostBounds,
  HostCallError,
  HostLimits,
  HostOp,
  HostPost,
  HostRequest,
  HostResult,
  SwapParams,
  SwapReport,
} from '../crossing/hostMessages.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { describeThrown, locateInBundle } from '../crossing/sourceLocation.js';
import { toJsonValue } from '../crossing/stateTransfer.js';
import { type CommandHandler, CommandRegistry, type PluginCommands } from './CommandRegistry.js';
import { recordCpuProfile } from './CpuProfiler.js';
import { DaemonCalls } from './DaemonCalls.js';
import { EventBus, type PluginEvents } from './EventBus.js';
import { type SwapServices, swapGenerations } from './GenerationSwap.js';
import { hostMemory } from './OffHeapWatch.js';
import { type GenerationServices, PluginGeneration } from './PluginGeneration.js';
import { type HeldCall, PluginSuspensions } from './PluginSuspensions.js';
import {
  describeFailure,
  EvaluationError,
  evaluationFailure,
  isThenable,
  LifecycleError,
  pluginFailure,
} from './pluginFailures.js';
import type { PluginLogger } from './RealmGlobals.js';
import { StateSnapshots } from './StateSnapshots.js';
import { UnloadChecker } from './UnloadChecker.js';

/** Realms made ahead and kept at once: each is a context with its globals, some hundred KB. */
const MAX_SPARES = 8;
/** How long the host is idle before it makes realms ahead (`spareFor`). */
const SPARE_AFTER_IDLE_MS = 10;

/** A realm made for a plugin's next generation before its bundle is built. */
interface SpareRealm {
  generation: PluginGeneration;
  /** The manifest it was made for, as JSON: a load with another gets a realm of its own. */
  descriptor: string;
  /** Its key, named once its load arrives. */
  key: { value: string };
}

/**
 * The plugin host, inside its worker thread or process: it evaluates generations in their own realms, runs
 * their lifecycle, commands, listeners and timers under the watchdog, and reports to the daemon.
 * Nothing here touches the protocol or the daemon's state: it answers requests, posts notices, and
 * asks the daemon (DaemonCalls) for what plugin code needs of it.
 */
export class HostRuntime {
  private readonly generations = new Map<string, PluginGeneration>();
  /** Realms made ahead for plugins' next generations, by plugin (`spareFor`). */
  private readonly spares = new Map<string, SpareRealm>();
  /** Plugins to make a realm ahead for once the host is idle, oldest first: their running key. */
  private readonly sparesWanted = new Map<string, string>();
  private spareTimer: NodeJS.Timeout | undefined;
  /** Where each loaded generation is known by: its key, and its "who is running" slot. */
  private readonly placement = new Map<PluginGeneration, { key: string; slot: number }>();
  private readonly commands = new CommandRegistry();
  private readonly events = new EventBus();
  private readonly suspensions = new PluginSuspensions();
  private readonly snapshots: StateSnapshots;
  /** Plugin code's requests to the daemon, which the daemon's replies settle. */
  readonly daemon: DaemonCalls;
  /** Command names of every host, as the daemon last shared them. */
  private allCommandNames: string[] = [];
  /** What the editor pushed last (`editor/state`), whole. */
  private editorState: Record<string, unknown> = {};
  /** The last id given a Red API handle: one count for the host, so no two plugins' meet. */
  private lastHandleId = 0;
  private readonly unloadChecker: UnloadChecker;
  /** The plugin whose code ran last here (what a host-wide figure is blamed on). */
  lastRan: string | undefined;

  constructor(
    private readonly limits: HostLimits,
    /** Index of the generation running plugin code right now, for the daemon's watchdog. */
    private readonly running: Int32Array,
    private readonly notify: (message: FromHost) => void,
    gc: (() => void) | undefined,
    /** What the operating system holds a process host to (undefined in a worker). */
    private readonly bounds?: HostBounds,
  ) {
    this.snapshots = new StateSnapshots(notify, (g) => this.placement.get(g)?.key);
    this.daemon = new DaemonCalls(notify);
    this.unloadChecker = new UnloadChecker(gc, notify, () =>
      this.daemon.size > 0 ? ['a call waiting for the daemon (a command or the editor)'] : [],
    );
  }

  /** Answers one request; a failure is thrown as plain data (HostCallError), to cross the thread. */
  async handle<K extends HostOp>(request: HostRequest<K>): Promise<HostResult<K>> {
    this.postponeSpares();
    try {
      return await this.dispatch(request);
    } catch (error) {
      if (error instanceof HostRequestError) throw error.error;
      throw { reason: 'internal', message: describeThrown(error) } satisfies HostCallError;
    }
  }

  post(message: HostPost): void {
    switch (message.op) {
      case 'event':
        if (message.toPluginId) this.emitTo(message.toPluginId, message.event, message.data);
        else this.emitLocally(message.event, message.data, message.fromPluginId);
        break;
      case 'commandNames':
        this.allCommandNames = message.names;
        break;
      case 'editorState':
        this.editorState = message.state;
        break;
      case 'resume':
        this.resume(message.pluginId);
        break;
    }
  }

  /** A promise rejection nobody handled: reported on the generation whose code the stack names. */
  unhandledRejection(reason: unknown): void {
    for (const [key, generation] of this.generations) {
      const location = locateInBundle(reason, generation.bundle);
      if (!location) continue;
      this.notify({
        op: 'callbackError',
        key,
        pluginId: generation.descriptor.id,
        generation: generation.number,
        message: `an unhandled promise rejection: ${describeThrown(reason)}`,
        timedOut: false,
        location,
      });
      return;
    }
  }

  private dispatch<K extends HostOp>(request: HostRequest<K>): Promise<HostResult<K>> {
    // One handler per op, each typed by its own params and result.
    const handler = this.operations[request.op] as (r: HostRequest<K>) => Promise<HostResult<K>>;
    return handler(request);
  }

  private readonly operations: { [K in HostOp]: (r: HostRequest<K>) => Promise<HostResult<K>> } = {
    ping: async () => 'pong',
    profile: async ({ durationMs }) => recordCpuProfile(durationMs),
    memory: async () => hostMemory(),
    load: async (request) => this.load(request),
    swap: async (params) => {
      const report = await swapGenerations(params, this.swapServices());
      this.spareFor(params, report);
      return report;
    },
    saveState: async ({ key }) => {
      const generation = this.loaded(key);
      return this.lifecycle(generation, 'saveState', async () =>
        this.snapshots.answer(generation.descriptor.id, await generation.saveState()),
      );
    },
    beforeExit: async ({ key, editorState }) => {
      const generation = this.loaded(key);
      await this.lifecycle(generation, 'beforeExit', () => generation.beforeExit(editorState));
      return null;
    },
    unload: async ({ key }) => this.unload(key, this.loaded(key)),
    listening: async ({ key }) => this.events.eventsOf(this.loaded(key).descriptor.id),
    command: async ({ key, name, args, api }) =>
      this.command(this.loaded(key), name, args, api === true),
  };

  private swapServices(): SwapServices {
    return {
      loaded: (key) => this.loaded(key),
      suspend: (pluginId) => this.suspensions.suspend(pluginId, this.limits.lifecycleMs),
      resume: (pluginId) => this.resume(pluginId),
      unload: (key, generation) => this.unload(key, generation).leftovers,
      lifecycle: (generation, call, work) => this.lifecycle(generation, call, work),
      snapshots: this.snapshots,
      lifecycleMs: this.limits.lifecycleMs,
      waitsForEditor: (pluginId) => this.daemon.waitsForEditor(pluginId),
    };
  }

  private loaded(key: string): PluginGeneration {
    const generation = this.generations.get(key);
    if (!generation)
      throw new HostRequestError({
        reason: 'gone',
        message: `generation ${key} is not loaded in this host`,
      });
    return generation;
  }

  private load(request: HostRequest<'load'>): HostResult<'load'> {
    const { descriptor, key } = request;
    this.snapshots.remember(descriptor.id, request.state, request.stateVersion);
    const started = performance.now();
    try {
      const spare = this.takeSpare(descriptor, request.generation);
      const named = spare?.key ?? { value: key };
      named.value = key;
      const generation =
        spare?.generation ??
        new PluginGeneration(descriptor, request.generation, this.servicesFor(named, descriptor));
      generation.evaluate(request.bundle);
      this.generations.set(key, generation);
      this.placement.set(generation, { key, slot: request.slot });
      return {
        hasSaveState: generation.hasSaveState,
        hasBeforeExit: generation.hasBeforeExit,
        evaluateMs: performance.now() - started,
      };
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      throw evaluationFailure(error, request.bundle, this.limits.lifecycleMs);
    }
  }

  private async lifecycle<T>(
    generation: PluginGeneration,
    call: string,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HostRequestError) throw error;
      throw pluginFailure(error instanceof LifecycleError ? error.thrown : error, {
        call: error instanceof LifecycleError ? error.call : call,
        limitMs: this.limits.lifecycleMs,
        bundle: generation.bundle,
        named: true,
        bounds: this.bounds,
      });
    }
  }

  private async command(
    generation: PluginGeneration,
    name: string,
    args: unknown[],
    api = false,
  ): Promise<unknown> {
    const handler = api ? generation.apiMethod(name) : this.commands.get(name)?.handler;
    if (!handler)
      throw new HostRequestError({
        reason: 'gone',
        message: api
          ? `has no API method "${name}" (its activate returns its API, or it exports \`api\`)`
          : `unknown command "${name}"`,
      });
    const pluginId = generation.descriptor.id;
    const running = this.suspensions.begin(pluginId);
    try {
      const value = toJsonValue(await generation.runCommand(handler, args)) ?? null;
      // The reply waits for the snapshot: once a client saw a command succeed, its effect on the
      // plugin's state survives even if the host dies the next moment.
      // ...but a saveState that hangs must not hold the command's answer hostage.
      await Promise.race([
        this.snapshots.now(generation),
        sleep(this.limits.lifecycleMs, undefined, { ref: false }),
      ]);
      if (running.overtaken) {
        // A reload stopped waiting for this call and took the state without what it did.
        throw new HostRequestError({
          reason: 'gone',
          message: `plugin "${pluginId}" was reloaded while the command ran (it ran past the ${this.limits.lifecycleMs} ms a reload waits for running calls): what it did is not in the plugin's state; run it again`,
        });
      }
      return value;
    } catch (thrown) {
      if (thrown instanceof HostRequestError) throw thrown;
      throw pluginFailure(thrown, {
        call: api ? `API method "${name}"` : `command "${name}"`,
        limitMs: this.limits.commandMs,
        bundle: generation.bundle,
        named: false,
        bounds: this.bounds,
      });
    } finally {
      this.suspensions.end(pluginId, running);
    }
  }

  /** Unloads a generation, then checks that its realm really is garbage after a few collections. */
  private unload(key: string, generation: PluginGeneration): HostResult<'unload'> {
    const leftovers = generation.unload();
    this.generations.delete(key);
    this.placement.delete(generation);
    this.snapshots.forget(key);
    this.unloadChecker.watch(key, generation.descriptor.id, generation.number, generation);
    return { leftovers };
  }

  /**
   * After a reload, a realm for the plugin's next generation, made ahead: a plugin saved once is
   * likely saved again, and its next load then only evaluates its bundle. Made once the host has
   * had nothing to do for SPARE_AFTER_IDLE_MS, one a turn: in a burst (a module that 50 plugins
   * import, saved), realms made ahead would only delay the loads that wait, and most would be
   * dropped. Made for at most MAX_SPARES plugins, the newest; one whose plugin stops, or whose
   * next load is not the one it was made for (another number, another manifest), is dropped.
   */
  private spareFor(params: SwapParams, report: SwapReport): void {
    const { pluginId, start } = params;
    this.sparesWanted.delete(pluginId);
    if (!start) {
      this.spares.delete(pluginId);
      return;
    }
    if (!start.afterReload || report.startFailed || report.saveFailed) return;
    this.sparesWanted.set(pluginId, start.key);
    for (const oldest of this.sparesWanted.keys()) {
      if (this.sparesWanted.size <= MAX_SPARES) break;
      this.sparesWanted.delete(oldest);
    }
    this.postponeSpares();
  }

  /** Work arrived: realms made ahead wait until the host is idle again. */
  private postponeSpares(): void {
    if (this.sparesWanted.size === 0) return;
    clearTimeout(this.spareTimer);
    this.spareTimer = setTimeout(() => this.makeSpare(), SPARE_AFTER_IDLE_MS);
    this.spareTimer.unref();
  }

  /** The newest wanted spare realm, then the next on a later turn, unless work comes first. */
  private makeSpare(): void {
    this.spareTimer = undefined;
    const newest = [...this.sparesWanted].at(-1);
    if (!newest) return;
    const [pluginId, key] = newest;
    this.sparesWanted.delete(pluginId);
    const running = this.generations.get(key);
    if (running) {
      const { descriptor, number } = running;
      const named = { value: '' };
      this.spares.delete(pluginId);
      try {
        const generation = new PluginGeneration(
          descriptor,
          number + 1,
          this.servicesFor(named, descriptor),
        );
        this.spares.set(pluginId, {
          generation,
          descriptor: JSON.stringify(descriptor),
          key: named,
        });
        for (const oldest of this.spares.keys()) {
          if (this.spares.size <= MAX_SPARES) break;
          this.spares.delete(oldest);
        }
      } catch {
        // A realm made ahead is a shortcut: the next load makes its own.
      }
    }
    if (this.sparesWanted.size > 0) {
      this.spareTimer = setTimeout(() => this.makeSpare(), 0);
      this.spareTimer.unref();
    }
  }

  /** The spare realm made for this load, if there is one (it is used once). */
  private takeSpare(descriptor: PluginDescriptor, number: number): SpareRealm | undefined {
    const spare = this.spares.get(descriptor.id);
    this.spares.delete(descriptor.id);
    const fits =
      spare?.generation.number === number && spare.descriptor === JSON.stringify(descriptor);
    return fits ? spare : undefined;
  }

  /** `key` is the generation's, named once its load arrives (a spare realm is made before). */
  private servicesFor(key: { value: string }, descriptor: PluginDescriptor): GenerationServices {
    const { id: pluginId } = descriptor;
    const logger = (generation: () => number): PluginLogger => {
      const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) =>
        this.notify({ op: 'log', pluginId, generation: generation(), level, message });
      return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    };
    let self: PluginGeneration | undefined;
    // Registration is host-wide (one name, one handler); the daemon routes calls by name.
    const commands: PluginCommands = {
      register: (owner, name, handler) => {
        const remove = this.commands.register(owner, name, handler);
        this.notify({
          op: 'commandRegistered',
          key: key.value,
          pluginId,
          name,
          arity: handler.length,
        });
        return () => {
          remove();
          this.notify({ op: 'commandDisposed', key: key.value, name });
        };
      },
      get: (name) => {
        const entry = this.commands.get(name);
        // A command of a plugin in another host: the daemon runs it there (and holds it in a swap).
        if (!entry)
          return {
            pluginId: '(another host)',
            handler: (...args) => this.daemon.command(pluginId, name, args),
          };
        return {
          pluginId: entry.pluginId,
          handler: (...args) => this.callIn(pluginId, name, args),
        };
      },
      names: () => [...new Set([...this.commands.names(), ...this.allCommandNames])].sort(),
    };
    const events: PluginEvents = {
      on: (event, listener) => this.events.on(pluginId, event, listener),
      emit: (event, data) => {
        const reached = this.emitLocally(event, data, pluginId);
        this.notify({ op: 'emit', fromPluginId: pluginId, event, data: toJsonValue(data) });
        return reached;
      },
    };
    return {
      commands,
      events,
      logger: logger(() => self?.number ?? 0),
      limits: this.limits,
      onActivity: (generation) => this.snapshots.soon(generation),
      onEnter: (generation) => {
        self = generation;
        this.lastRan = pluginId;
        Atomics.store(this.running, 0, this.placement.get(generation)?.slot ?? 0);
      },
      whenAwake: (generation, run) => {
        // A timer a lifecycle call awaits (`await sleep(10)` in activate) is part of that call.
        if (this.suspensions.holdsTimers(pluginId) && !generation.inLifecycleCall)
          this.suspensions.hold(pluginId, { kind: 'callback', generation, run });
        else run();
      },
      settling: (promise) => this.suspensions.settling(pluginId, promise),
      callEditor: (method, args) => this.daemon.editor(pluginId, method, args),
      editorState: (name) => this.editorState[name],
      nextHandleId: () => ++this.lastHandleId,
      callApi: (target, method, args) => this.daemon.api(pluginId, target, method, args),
      callStorage: (call) => this.daemon.storage(pluginId, call),
      readState: () => this.snapshots.read(pluginId),
      writeState: (state) => this.snapshots.written(key.value, self, state),
      onCallbackError: (generation, where, thrown) => {
        const location = locateInBundle(thrown, generation.bundle);
        this.notify({
          op: 'callbackError',
          key: key.value,
          pluginId,
          generation: generation.number,
          message: `${where} ${describeFailure(thrown, where, this.limits.lifecycleMs, this.bounds)}`,
          timedOut: isTimeout(thrown),
          ...(location ? { location } : {}),
        });
        this.snapshots.soon(generation);
      },
      onUntrackedRun: (generation, run) =>
        this.notify({
          op: 'untrackedRun',
          key: key.value,
          pluginId,
          generation: generation.number,
          run,
        }),
    };
  }

  /**
   * Plugin `callerId` runs a command registered in this host. While the command's plugin is being
   * swapped, the call waits, and then runs on whichever generation registered the name by then.
   * A plugin's calls to its own commands are never held: they come from inside it.
   */
  private callIn(callerId: string, name: string, args: unknown[]): unknown {
    const entry = this.commands.get(name);
    if (!entry) throw new Error(`unknown command "${name}"`);
    if (entry.pluginId === callerId || !this.suspensions.isSuspended(entry.pluginId))
      return this.runIn(entry.pluginId, entry.handler, args);
    return new Promise((resolve, reject) => {
      this.suspensions.hold(entry.pluginId, {
        kind: 'command',
        run: () => {
          const now = this.commands.get(name);
          if (!now) reject(new Error(`unknown command "${name}"`));
          else Promise.resolve(this.runIn(now.pluginId, now.handler, args)).then(resolve, reject);
        },
      });
    });
  }

  /** Runs a command handler; while what it returned is pending, the call counts as running. */
  private runIn(pluginId: string, handler: CommandHandler, args: unknown[]): unknown {
    const result = handler(...args);
    if (isThenable(result)) this.suspensions.settling(pluginId, result);
    return result;
  }

  /** The plugin's swap is over: what was held for it is delivered, in arrival order. */
  private resume(pluginId: string): void {
    for (const call of this.suspensions.resume(pluginId)) this.deliver(pluginId, call);
  }

  private deliver(pluginId: string, call: HeldCall): void {
    switch (call.kind) {
      case 'event':
        this.events.emitTo(pluginId, call.event, call.data);
        return;
      case 'callback':
        // A timer of a generation that was unloaded meanwhile never runs.
        if (this.placement.has(call.generation as PluginGeneration)) call.run();
        return;
      case 'command':
        call.run();
        return;
    }
  }

  /**
   * An event of one of the plugin's handles, to its listeners at once, even mid-swap: the handle
   * belongs to the generation that made it, whose listeners are there, and that generation may be
   * the one activating, awaiting this very event (a process it ran).
   */
  private emitTo(pluginId: string, event: string, data: unknown): void {
    this.events.emitTo(pluginId, event, data);
  }

  /**
   * An event to every listener in this host. A plugin being swapped does not hear it now: it is
   * held for the plugin and delivered when the swap is over, unless the plugin sent it itself.
   */
  private emitLocally(event: string, data: unknown, fromPluginId?: string): number {
    // Held whether or not the plugin listens right now: mid-swap, the old generation's
    // listeners are gone and the new one's not registered yet.
    for (const pluginId of this.suspensions.plugins())
      if (pluginId !== fromPluginId)
        this.suspensions.hold(pluginId, { kind: 'event', event, data });
    // Each listener that ran asks for its own generation's snapshot (onActivity).
    return this.events.emit(
      event,
      data,
      (owner) => owner !== fromPluginId && this.suspensions.isSuspended(owner),
    );
  }
}
