import { HostRequestError, isTimeout } from '../crossing/HostRequestError.js';
import type {
  ExtractedState,
  HostCallError,
  HostLimits,
  HostNotice,
  HostOp,
  HostPost,
  HostRequest,
  HostResult,
} from '../crossing/hostMessages.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { describeThrown, locateInBundle } from '../crossing/sourceLocation.js';
import { extractState, toJsonValue } from '../crossing/stateTransfer.js';
import { CommandRegistry, type PluginCommands } from './CommandRegistry.js';
import { EventBus, type PluginEvents } from './EventBus.js';
import {
  EvaluationError,
  type GenerationServices,
  LifecycleError,
  PluginGeneration,
} from './PluginGeneration.js';
import type { PluginLogger } from './RealmGlobals.js';
import { UnloadChecker } from './UnloadChecker.js';

/** How often a busy plugin's state is snapshotted, at most (so a host crash loses little). */
const SNAPSHOT_EVERY_MS = 250;

/**
 * The plugin host, inside its worker thread: it evaluates generations in their own realms, runs
 * their lifecycle, commands, listeners and timers under the watchdog, and reports to the daemon.
 * Nothing here touches the protocol or the daemon's state: it answers requests and posts notices.
 */
export class HostRuntime {
  private readonly generations = new Map<string, PluginGeneration>();
  private readonly slots = new Map<PluginGeneration, number>();
  private readonly commands = new CommandRegistry();
  private readonly events = new EventBus();
  /** Each plugin's last snapshot (plain data), so `ctx.getPluginState` stays synchronous. */
  private readonly stateCache = new Map<string, unknown>();
  /** Calls to the daemon (commands of other hosts, editor calls) waiting for their answer. */
  private readonly pendingCalls = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  private readonly snapshotTimers = new Map<string, NodeJS.Timeout>();
  private nextRequestId = 1;
  /** Command names of every host, as the daemon last shared them. */
  private allCommandNames: string[] = [];
  private readonly unloadChecker: UnloadChecker;

  constructor(
    private readonly limits: HostLimits,
    /** Index of the generation running plugin code right now, for the daemon's watchdog. */
    private readonly running: Int32Array,
    private readonly notify: (notice: HostNotice) => void,
    gc: (() => void) | undefined,
  ) {
    this.unloadChecker = new UnloadChecker(gc, notify, () =>
      this.pendingCalls.size > 0 ? ['a call waiting for the daemon (a command or the editor)'] : [],
    );
  }

  /** Answers one request; a failure is thrown as plain data (HostCallError), to cross the thread. */
  async handle<K extends HostOp>(request: HostRequest<K>): Promise<HostResult<K>> {
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
        this.emitLocally(message.event, message.data);
        break;
      case 'commandNames':
        this.allCommandNames = message.names;
        break;
      case 'callResult': {
        const pending = this.pendingCalls.get(message.requestId);
        this.pendingCalls.delete(message.requestId);
        if (message.ok) pending?.resolve(message.value);
        else pending?.reject(new Error(message.message));
        break;
      }
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
    load: async (request) => this.load(request),
    activate: async ({ key }) => {
      const generation = this.loaded(key);
      await this.lifecycle(generation, 'activate', () => generation.activate());
    },
    saveState: async ({ key }) => {
      const generation = this.loaded(key);
      return this.lifecycle(generation, 'saveState', async () => {
        const saved = this.extracted(await generation.saveState());
        // The next generation (already loaded, not yet active) reads it in activate with
        // getPluginState: it must see this state, not the one it was loaded with.
        if (saved.value !== undefined) this.stateCache.set(generation.descriptor.id, saved.value);
        return saved;
      });
    },
    migrateState: async ({ key, state, fromVersion }) => {
      const generation = this.loaded(key);
      return this.lifecycle(generation, 'migrateState', async () =>
        this.extracted(await generation.migrateState(state, fromVersion)),
      );
    },
    restoreState: async ({ key, state, afterReload }) => {
      const generation = this.loaded(key);
      await this.lifecycle(generation, 'restoreState', () =>
        generation.restoreState(state, afterReload),
      );
    },
    deactivate: async ({ key }) => {
      const generation = this.loaded(key);
      await this.lifecycle(generation, 'deactivate', () => generation.deactivate());
    },
    unload: async ({ key }) => this.unload(key, this.loaded(key)),
    command: async ({ key, name, args }) => this.command(this.loaded(key), name, args),
  };

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
    if (request.state !== undefined) this.stateCache.set(descriptor.id, request.state);
    try {
      const generation = new PluginGeneration(
        descriptor,
        request.bundle,
        request.generation,
        this.servicesFor(key, descriptor),
      );
      this.generations.set(key, generation);
      this.slots.set(generation, request.slot);
      return { hasSaveState: generation.hasSaveState, hasMigrateState: generation.hasMigrateState };
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      if (error.thrown === undefined)
        throw new HostRequestError({ reason: 'noActivate', message: error.message });
      const location = locateInBundle(error.thrown, request.bundle);
      throw new HostRequestError({
        reason: isTimeout(error.thrown) ? 'timeout' : 'evaluate',
        call: 'module evaluation',
        message: isTimeout(error.thrown)
          ? `module evaluation ${this.describe(error.thrown, 'module evaluation', this.limits.lifecycleMs)}`
          : `${error.message}: ${describeThrown(error.thrown)}`,
        ...(location ? { location } : {}),
      });
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
      const thrown = error instanceof LifecycleError ? error.thrown : error;
      const name = error instanceof LifecycleError ? error.call : call;
      const location = locateInBundle(thrown, generation.bundle);
      throw new HostRequestError({
        reason: isTimeout(thrown) ? 'timeout' : 'lifecycle',
        call: name,
        message: `${name} ${this.describe(thrown, name, this.limits.lifecycleMs)}`,
        ...(location ? { location } : {}),
      });
    }
  }

  private async command(
    generation: PluginGeneration,
    name: string,
    args: unknown[],
  ): Promise<unknown> {
    const entry = this.commands.get(name);
    if (!entry)
      throw new HostRequestError({ reason: 'gone', message: `unknown command "${name}"` });
    try {
      const value = toJsonValue(await generation.runCommand(entry.handler, args)) ?? null;
      // The reply waits for the snapshot: once a client saw a command succeed, its effect on the
      // plugin's state survives even if the host dies the next moment.
      // ...but a saveState that hangs must not hold the command's answer hostage.
      await Promise.race([this.snapshotNow(generation), delay(this.limits.lifecycleMs)]);
      return value;
    } catch (thrown) {
      const location = locateInBundle(thrown, generation.bundle);
      throw new HostRequestError({
        reason: isTimeout(thrown) ? 'timeout' : 'lifecycle',
        call: `command "${name}"`,
        message: this.describe(thrown, `command "${name}"`, this.limits.commandMs),
        ...(location ? { location } : {}),
      });
    }
  }

  /** Unloads a generation, then checks that its realm really is garbage after a few collections. */
  private unload(key: string, generation: PluginGeneration): HostResult<'unload'> {
    const leftovers = generation.unload();
    this.generations.delete(key);
    this.slots.delete(generation);
    clearTimeout(this.snapshotTimers.get(key));
    this.snapshotTimers.delete(key);
    this.unloadChecker.watch(key, generation.descriptor.id, generation.number, generation);
    return { leftovers };
  }

  private servicesFor(key: string, descriptor: PluginDescriptor): GenerationServices {
    const { id: pluginId, stateVersion } = descriptor;
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
        this.notify({ op: 'commandRegistered', key, pluginId, name });
        return () => {
          remove();
          this.notify({ op: 'commandDisposed', key, name });
        };
      },
      get: (name) => this.commands.get(name) ?? this.remoteCommand(name),
      names: () => [...new Set([...this.commands.names(), ...this.allCommandNames])].sort(),
    };
    const events: PluginEvents = {
      on: (event, listener) => this.events.on(event, listener),
      emit: (event, data) => {
        const reached = this.emitLocally(event, data);
        this.notify({ op: 'emit', fromKey: key, event, data: toJsonValue(data) });
        return reached;
      },
    };
    return {
      commands,
      events,
      logger: logger(() => self?.number ?? 0),
      limits: this.limits,
      onActivity: (generation) => this.snapshotSoon(generation),
      onEnter: (generation) => {
        self = generation;
        Atomics.store(this.running, 0, this.slots.get(generation) ?? 0);
      },
      callEditor: (method, args) =>
        this.callDaemon((requestId) => ({
          op: 'callEditor',
          requestId,
          pluginId,
          method,
          args: toJsonValue(args) as unknown[],
        })),
      readState: () => this.stateCache.get(pluginId),
      writeState: (state) => {
        const extracted = this.extracted(state);
        this.stateCache.set(pluginId, extracted.value);
        this.notify({
          op: 'stateWritten',
          key,
          pluginId,
          generation: self?.number ?? 0,
          stateVersion,
          state: extracted,
        });
      },
      onCallbackError: (generation, where, thrown) => {
        const location = locateInBundle(thrown, generation.bundle);
        this.notify({
          op: 'callbackError',
          key,
          pluginId,
          generation: generation.number,
          message: `${where} ${this.describe(thrown, where, this.limits.lifecycleMs)}`,
          timedOut: isTimeout(thrown),
          ...(location ? { location } : {}),
        });
        this.snapshotSoon(generation);
      },
    };
  }

  /** A command of a plugin in another host: the daemon runs it there. */
  private remoteCommand(
    name: string,
  ): { pluginId: string; handler: (...args: unknown[]) => unknown } | undefined {
    return {
      pluginId: '(another host)',
      handler: (...args: unknown[]) =>
        this.callDaemon((requestId) => ({
          op: 'callCommand',
          requestId,
          name,
          args: toJsonValue(args) as unknown[],
        })),
    };
  }

  /** Asks the daemon; the answer comes back as a `callResult` post. */
  private callDaemon(
    call: (requestId: number) => Extract<HostNotice, { op: 'callCommand' | 'callEditor' }>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const requestId = this.nextRequestId++;
      this.pendingCalls.set(requestId, { resolve, reject });
      this.notify(call(requestId));
    });
  }

  private emitLocally(event: string, data: unknown): number {
    // Each listener that ran asks for its own generation's snapshot (onActivity).
    return this.events.emit(event, data);
  }

  private async snapshotNow(generation: PluginGeneration): Promise<void> {
    // Only `saveState` is asked between reloads. The Red editor's `onBeforeReload` means what it says
    // (a plugin may tear things down there); such plugins keep state with savePluginState.
    if (!generation.savesStateAnytime) return;
    const key = this.keyOf(generation);
    try {
      const raw = await generation.saveState();
      if (raw === undefined || !key || this.generations.get(key) !== generation) return;
      const state = this.extracted(raw);
      this.stateCache.set(generation.descriptor.id, state.value);
      this.notify({
        op: 'stateWritten',
        key,
        pluginId: generation.descriptor.id,
        generation: generation.number,
        stateVersion: generation.descriptor.stateVersion,
        state,
      });
    } catch {
      // A failing saveState is reported when it matters: at the next reload or stop.
    }
  }

  private keyOf(generation: PluginGeneration): string | undefined {
    return [...this.generations].find(([, g]) => g === generation)?.[0];
  }

  /**
   * After a plugin handled an event or a timer, its state is snapshotted (at most every 250 ms)
   * so that if its host has to be restarted, little of what happened is lost.
   */
  private snapshotSoon(generation: PluginGeneration): void {
    if (!generation.hasSaveState) return;
    const key = this.keyOf(generation);
    if (!key || this.snapshotTimers.has(key)) return;
    const timer = setTimeout(() => {
      this.snapshotTimers.delete(key);
      this.snapshotNow(generation).catch(() => undefined);
    }, SNAPSHOT_EVERY_MS);
    timer.unref();
    this.snapshotTimers.set(key, timer);
  }

  private extracted(raw: unknown): ExtractedState {
    return raw === undefined ? { value: undefined, problems: [] } : extractState(raw);
  }

  private describe(thrown: unknown, call: string, limitMs: number): string {
    if (isTimeout(thrown))
      return `did not return within ${limitMs} ms: the daemon interrupted ${call} (an endless loop?)`;
    return `threw ${describeThrown(thrown)}`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
